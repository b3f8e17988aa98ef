/// A report cannot be made as asked (unknown parameter, nothing to draw …).
public enum ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownSweep(name: String, available: [String])
    case unknownParameter(name: String, suggestion: String?)
    case notVaried(parameter: String, sweep: String)
    case nothingToPlot(String)

    /// One line saying what is missing and how to get it.
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
