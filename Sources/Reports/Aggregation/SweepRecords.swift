import Factorization
import Foundation

/// A sweep with its tasks.
public struct SweepRecords: Sendable, Hashable {
    /// The sweep name.
    public var name: String
    /// The sweep file as stored.
    public var specText: String
    /// Its tasks, with results where there are some.
    public var tasks: [TaskRecord]
    /// The sweep file's `description:`, if it has one.
    public var description: String?
    /// Facts from the store about how the sweep ran (wall clock, workers, registration date).
    public var runFacts: [KeyValue] = []
    /// The effective rank the tasks' `intervals` (targets, measured and predicted) belong to.
    public var measure: EffectiveRankMeasure = .entropy

    /// Creates a value from its members (see the properties).
    public init(name: String, specText: String = "", tasks: [TaskRecord], description: String? = nil) {
        self.name = name
        self.specText = specText
        self.tasks = tasks
        self.description = description
    }

    /// The sweep's question: its `description:`, else the leading comment `# Question: …`
    /// (continued on following comment lines indented by more than `# `).
    public var question: String? {
        if let description, !description.isEmpty { return description }
        var parts: [String] = []
        for line in specText.split(separator: "\n", omittingEmptySubsequences: false).prefix(40) {
            guard line.hasPrefix("#") else { break }
            let body = line.drop { $0 == "#" }
            if parts.isEmpty {
                let text = body.trimmingCharacters(in: .whitespaces)
                if text.lowercased().hasPrefix("question:") {
                    parts.append(text.dropFirst("question:".count).trimmingCharacters(in: .whitespaces))
                }
            } else if body.hasPrefix("  ") {
                parts.append(body.trimmingCharacters(in: .whitespaces))
            } else {
                break
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}
