/// A report cannot be made as asked (unknown parameter, nothing to draw …).
public enum ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No sweep of that name; `available` lists those the store has.
    case unknownSweep(name: String, available: [String])
    /// Not a simulation parameter; `suggestion` is the nearest known name, if any is close.
    case unknownParameter(name: String, suggestion: String?)
    /// The parameter has one value in the sweep, so it cannot split or order anything.
    case notVaried(parameter: String, sweep: String)
    /// The data the figure needs is missing; the text says what and why.
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
