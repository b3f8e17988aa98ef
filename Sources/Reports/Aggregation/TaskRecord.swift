import Factorization
import Foundation

/// One task as the report sees it: its parameters and what its run produced. Filled from the
/// summary store by `ReportLoader`, or built by hand in tests.
public struct TaskRecord: Sendable, Hashable {
    /// The stable task key.
    public var key: String
    /// Every parameter of the run.
    public var config: SimulationConfig
    /// `finished`, `converged`, `diverged`, or a non-result state such as `failed` / `pending`.
    public var status: String
    public var finalLoss: Double?
    public var finalErank: Double?
    /// GD updates performed.
    public var steps: Int?
    /// Wall-clock seconds of the run.
    public var seconds: Double?
    /// For a noisy target: the recorded step with the smallest error to the clean matrix, and that error.
    public var bestStep: Int?
    public var bestCleanError: Double?
    /// Measured and predicted intervals, one per rank.
    public var intervals: [IntervalRecord]
    /// The recorded steps (may be empty when trajectories were not loaded).
    public var trajectory: [TrajectoryPoint]

    public init(
        key: String, config: SimulationConfig, status: String, finalLoss: Double? = nil, finalErank: Double? = nil,
        steps: Int? = nil, seconds: Double? = nil, bestStep: Int? = nil, bestCleanError: Double? = nil,
        intervals: [IntervalRecord] = [], trajectory: [TrajectoryPoint] = []
    ) {
        self.key = key
        self.config = config
        self.status = status
        self.finalLoss = finalLoss
        self.finalErank = finalErank
        self.steps = steps
        self.seconds = seconds
        self.bestStep = bestStep
        self.bestCleanError = bestCleanError
        self.intervals = intervals
        self.trajectory = trajectory
    }

    /// Whether the run produced a result (finished, converged or diverged).
    public var hasResult: Bool { ["finished", "converged", "diverged"].contains(status) }

    /// The value of a parameter as text (`0.05`, `identity`, `auto` when unset).
    public func parameter(_ name: String) -> String { config.value(of: name)?.description ?? "" }

    /// The interval record for rank r.
    public func interval(rank r: Int) -> IntervalRecord? { intervals.first { $0.rank == r } }
}

/// The measured and predicted interval of one task for one rank r.
public struct IntervalRecord: Sendable, Hashable {
    public var rank: Int
    /// `erank(Y_r)`.
    public var target: Double
    public var start: Int?
    public var end: Int?
    public var length: Int
    public var predictedStart: Double?
    public var predictedEnd: Double?

    public init(
        rank: Int, target: Double, start: Int?, end: Int?, length: Int, predictedStart: Double? = nil,
        predictedEnd: Double? = nil
    ) {
        self.rank = rank
        self.target = target
        self.start = start
        self.end = end
        self.length = length
        self.predictedStart = predictedStart
        self.predictedEnd = predictedEnd
    }
}

/// A sweep with its tasks.
public struct SweepRecords: Sendable, Hashable {
    public var name: String
    /// The sweep file as stored.
    public var specText: String
    public var tasks: [TaskRecord]
    /// The sweep file's `description:`, if it has one.
    public var description: String?

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

/// A report cannot be made as asked (unknown parameter, nothing to draw …).
public enum ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownSweep(name: String, available: [String])
    case unknownParameter(name: String, suggestion: String?)
    case notVaried(parameter: String, sweep: String)
    case nothingToPlot(String)

    public var description: String {
        switch self {
        case .unknownSweep(let name, let available):
            return "no sweep named '\(name)' in the store"
                + (available.isEmpty ? " (it holds none)" : "; it has: " + available.joined(separator: ", "))
        case .unknownParameter(let name, let suggestion):
            return "unknown parameter '\(name)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        case .notVaried(let parameter, let sweep):
            return "parameter '\(parameter)' takes only one value in sweep '\(sweep)'; choose a varied one"
        case .nothingToPlot(let why): return why
        }
    }
}
