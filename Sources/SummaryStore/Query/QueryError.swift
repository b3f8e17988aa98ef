import Sweeps

/// A query the store cannot answer as asked: printed as one line, exit status 2.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--metric` names no metric.
    case unknownMetric(name: String, suggestion: String?)
    /// `--group-by` or `--where` names no parameter.
    case unknownColumn(name: String, option: String, suggestion: String?)
    /// A `--where` that is not `PARAM OP VALUE`.
    case malformedWhere(text: String, reason: String)
    /// A `--where` value of the wrong type for its parameter.
    case badValue(parameter: String, value: String, expected: String)
    /// An operator that does not apply to the parameter's type.
    case badOperator(parameter: String, op: String, reason: String)
    /// An interval metric without `--rank` (and not grouped by rank).
    case needsRank(metric: String)
    /// `--rank` with a metric that has no rank.
    case rankNotApplicable(metric: String)
    /// `--stats` names no statistic.
    case unknownStatistic(String)
    /// `--sort` names no output column.
    case unknownSortColumn(name: String, columns: [String])
    /// An option combination that makes no sense.
    case conflict(String)

    public var description: String {
        switch self {
        case .unknownMetric(let name, let suggestion):
            return "unknown metric '\(name)'" + Self.hint(suggestion) + "; metrics: "
                + Metric.names.joined(separator: ", ")
        case .unknownColumn(let name, let option, let suggestion):
            return "\(option): unknown parameter '\(name)'" + Self.hint(suggestion)
        case .malformedWhere(let text, let reason):
            return
                "--where '\(text)': \(reason); expected PARAM OP VALUE with OP one of = != < <= > >= (e.g. 'depth>=3')"
        case .badValue(let parameter, let value, let expected):
            return "--where: \(parameter) takes \(expected), got '\(value)'"
        case .badOperator(let parameter, let op, let reason):
            return "--where: '\(op)' does not apply to \(parameter): \(reason)"
        case .needsRank(let metric):
            return "metric \(metric) is per rank: give --rank R (or --group-by r)"
        case .rankNotApplicable(let metric):
            return "--rank applies only to interval.* and predicted.* metrics, not \(metric)"
        case .unknownStatistic(let text):
            return "--stats: unknown statistic '\(text)'; statistics: " + Statistic.words
        case .unknownSortColumn(let name, let columns):
            return "--sort: no output column '\(name)'"
                + Self.hint(Suggestion.closest(to: name, among: columns)) + "; columns: "
                + columns.joined(separator: ", ")
        case .conflict(let message):
            return message
        }
    }

    private static func hint(_ suggestion: String?) -> String {
        suggestion.map { " (did you mean '\($0)'?)" } ?? ""
    }
}
