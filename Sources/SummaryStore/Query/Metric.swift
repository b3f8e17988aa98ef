import Factorization
import Sweeps

/// A quantity `dmfsweep query` aggregates, one value per task (or per task and rank).
///
/// Per-rank metrics come from the `intervals` table, the others from `results`. A status metric
/// `status.S` is 1 for a task whose outcome is S and 0 for any other outcome, over the tasks that
/// have an outcome (done or failed) — so its mean is the fraction of S. `status.running` and
/// `status.pending` cover every task (those without an outcome too): with
/// `--where status=running` their count is the number of tasks running now.
public enum Metric: Sendable, Hashable, CustomStringConvertible {
    /// A column of the measured interval: `start`, `end`, `length`, `target`, `middle_error`.
    case interval(String)
    /// A column of the predicted interval: `start`, `end`.
    case predicted(String)
    /// A column of the result: `final_loss`, `final_erank`, `steps`, `seconds`, `best_step`, `best_error`.
    case result(String)
    /// The fraction of tasks whose outcome is a run status (`finished`, `converged`, `diverged`)
    /// or `failed` (the task failed without a result).
    case status(String)

    static let intervalColumns = [
        "start": "start", "end": "\"end\"", "length": "length", "target": "target",
        "middle_error": "middle_error",
    ]
    static let predictedColumns = ["start": "predicted_start", "end": "predicted_end"]
    static let resultColumns = ["final_loss", "final_erank", "steps", "seconds", "best_step", "best_error"]
    static let statuses = RunStatus.allCases.map(\.rawValue) + ["failed"] + lifecycleStates
    /// Task states without an outcome; their status metrics cover every task.
    static let lifecycleStates = [TaskState.running.rawValue, TaskState.pending.rawValue]

    /// Every metric name, as `--metric` accepts it.
    public static let names: [String] =
        [
            "interval.start", "interval.end", "interval.length", "interval.target", "interval.middle_error",
            "predicted.start", "predicted.end",
        ] + resultColumns + statuses.map { "status." + $0 }

    /// Parses a metric name.
    /// - Throws: `QueryError.unknownMetric` with a suggestion.
    public init(parsing name: String) throws(QueryError) {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count == 2 ? parts[1] : nil) {
        case ("interval", let field?) where Self.intervalColumns[field] != nil: self = .interval(field)
        case ("predicted", let field?) where Self.predictedColumns[field] != nil: self = .predicted(field)
        case ("status", let s?) where Self.statuses.contains(s): self = .status(s)
        case (let field?, nil) where Self.resultColumns.contains(field): self = .result(field)
        default:
            throw QueryError.unknownMetric(name: name, suggestion: Suggestion.closest(to: name, among: Self.names))
        }
    }

    public var description: String {
        switch self {
        case .interval(let f): return "interval." + f
        case .predicted(let f): return "predicted." + f
        case .result(let f): return f
        case .status(let s): return "status." + s
        }
    }

    /// Whether the metric has one value per rank.
    public var isPerRank: Bool {
        switch self {
        case .interval, .predicted: return true
        case .result, .status: return false
        }
    }

    /// The SQL expression of the value (as REAL) over aliases `t` (tasks), `r` (results), `i` (intervals),
    /// and the values it binds.
    var expression: (sql: String, values: [DatabaseValue]) {
        switch self {
        case .interval(let f): return ("CAST(i.\(Self.intervalColumns[f]!) AS DOUBLE PRECISION)", [])
        case .predicted(let f): return ("i.\(Self.predictedColumns[f]!)", [])
        case .result(let f): return ("CAST(r.\(f) AS DOUBLE PRECISION)", [])
        case .status("failed"): return ("CASE WHEN t.status = 'failed' THEN 1.0 ELSE 0.0 END", [])
        case .status(let s) where Self.lifecycleStates.contains(s):
            return ("CASE WHEN t.status = ? THEN 1.0 ELSE 0.0 END", [.text(s)])
        case .status(let s): return ("CASE WHEN r.status = ? THEN 1.0 ELSE 0.0 END", [.text(s)])
        }
    }

    /// The joins after `FROM tasks t`, and the condition selecting the tasks the metric covers.
    var source: (joins: String, condition: String) {
        switch self {
        case .interval, .predicted: return ("JOIN intervals i ON i.task_id = t.id", "1 = 1")
        case .result: return ("JOIN results r ON r.task_id = t.id", "1 = 1")
        case .status(let s) where Self.lifecycleStates.contains(s):
            return ("LEFT JOIN results r ON r.task_id = t.id", "1 = 1")
        case .status: return ("LEFT JOIN results r ON r.task_id = t.id", "t.status IN ('done', 'failed')")
        }
    }
}
