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
    /// A column of the result: `final_loss`, `final_erank`, `steps`, `seconds`, `best_step`,
    /// `best_clean_error` (a noisy target's smallest `‖W − Y_clean‖_F`, at `best_step`; column
    /// `results.best_error`), `observed_entries` and `unobserved_lines` (completion only).
    case result(String)
    /// A recovery error of the result (table `recovery`): `final_error`, `final_unobserved_error`,
    /// `final_clean_error`, `best_error` (the smallest relative error `‖W − Y_clean‖_F / ‖Y_clean‖_F`;
    /// `best_recovery_error` is its alias) and `best_recovery_step`.
    case recovery(String)
    /// The fraction of tasks whose outcome is a run status (`finished`, `converged`, `diverged`)
    /// or `failed` (the task failed without a result).
    case status(String)
    /// Monotonicity of the effective rank after its initial descent (`RankMonotonicity`), under
    /// the query's measure: `monotone_from`, `rank_drops`, or `monotone` (1 when `rank_drops` is 0,
    /// so its mean is the fraction of monotone runs).
    case monotonicity(String)

    static let intervalColumns = [
        "start": "start", "end": "\"end\"", "length": "length", "target": "target",
        "middle_error": "middle_error",
    ]
    static let predictedColumns = ["start": "predicted_start", "end": "predicted_end"]
    static let resultColumns = [
        "final_loss", "final_erank", "steps", "seconds", "best_step", "best_clean_error", "observed_entries",
        "unobserved_lines",
    ]
    static let recoveryColumns = [
        "final_error", "final_unobserved_error", "final_clean_error", "best_error", "best_recovery_error",
        "best_recovery_step",
    ]
    /// Metric names that differ from their column: `best_clean_error` is `results.best_error` (the
    /// name the JSON output uses; `best_error` is the relative recovery error, as issue 13 names
    /// it), and `best_error` is `recovery.best_recovery_error` (also accepted under that name).
    static let columnOf = ["best_clean_error": "best_error", "best_error": "best_recovery_error"]
    static let statuses = RunStatus.allCases.map(\.rawValue) + ["failed"] + lifecycleStates
    /// Task states without an outcome; their status metrics cover every task.
    static let lifecycleStates = [TaskState.running.rawValue, TaskState.pending.rawValue]
    static let monotonicityColumns = ["monotone_from", "rank_drops", "monotone"]

    /// Every metric name, as `--metric` accepts it.
    public static let names: [String] =
        [
            "interval.start", "interval.end", "interval.length", "interval.target", "interval.middle_error",
            "predicted.start", "predicted.end",
        ] + resultColumns + recoveryColumns + statuses.map { "status." + $0 } + monotonicityColumns

    /// Parses a metric name.
    /// - Throws: `QueryError.unknownMetric` with a suggestion.
    public init(parsing name: String) throws(QueryError) {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count == 2 ? parts[1] : nil) {
        case ("interval", let field?) where Self.intervalColumns[field] != nil: self = .interval(field)
        case ("predicted", let field?) where Self.predictedColumns[field] != nil: self = .predicted(field)
        case ("status", let s?) where Self.statuses.contains(s): self = .status(s)
        case (let field?, nil) where Self.resultColumns.contains(field): self = .result(field)
        case (let field?, nil) where Self.recoveryColumns.contains(field): self = .recovery(field)
        case (let field?, nil) where Self.monotonicityColumns.contains(field): self = .monotonicity(field)
        default:
            throw QueryError.unknownMetric(name: name, suggestion: Suggestion.closest(to: name, among: Self.names))
        }
    }

    public var description: String {
        switch self {
        case .interval(let f): return "interval." + f
        case .predicted(let f): return "predicted." + f
        case .result(let f), .recovery(let f): return f
        case .status(let s): return "status." + s
        case .monotonicity(let f): return f
        }
    }

    /// Whether the metric has one value per rank.
    public var isPerRank: Bool {
        switch self {
        case .interval, .predicted: return true
        case .result, .recovery, .status, .monotonicity: return false
        }
    }

    /// The SQL expression of the value, always cast to DOUBLE PRECISION (REAL in SQLite, float8 in
    /// PostgreSQL, whose REAL is float4 and whose `1.0` is numeric: the aggregates must see the
    /// same doubles on both engines) over aliases `t` (tasks), `r` (results, LEFT
    /// JOINed) and `i` (intervals), and the values it binds. NULL where the task has no value:
    /// no result, or (status metrics) no outcome yet.
    var expression: (sql: String, values: [DatabaseValue]) {
        switch self {
        case .interval(let f): return ("CAST(i.\(Self.intervalColumns[f]!) AS DOUBLE PRECISION)", [])
        case .predicted(let f): return ("CAST(i.\(Self.predictedColumns[f]!) AS DOUBLE PRECISION)", [])
        case .result(let f): return ("CAST(r.\(Self.columnOf[f] ?? f) AS DOUBLE PRECISION)", [])
        case .recovery(let f): return ("CAST(e.\(Self.columnOf[f] ?? f) AS DOUBLE PRECISION)", [])
        case .status("failed"):
            return (
                "CAST(CASE WHEN t.status = 'failed' THEN 1 WHEN t.status = 'done' THEN 0 END AS DOUBLE PRECISION)", []
            )
        case .status(let s) where Self.lifecycleStates.contains(s):
            return ("CAST(CASE WHEN t.status = ? THEN 1 ELSE 0 END AS DOUBLE PRECISION)", [.text(s)])
        case .status(let s):
            return (
                "CAST(CASE WHEN t.status = 'done' AND r.status = ? THEN 1 "
                    + "WHEN t.status IN ('done', 'failed') THEN 0 END AS DOUBLE PRECISION)", [.text(s)]
            )
        case .monotonicity("monotone"):
            return ("CAST(CASE WHEN k.rank_drops = 0 THEN 1 WHEN k.rank_drops > 0 THEN 0 END AS DOUBLE PRECISION)", [])
        case .monotonicity(let f): return ("CAST(k.\(f) AS DOUBLE PRECISION)", [])
        }
    }

    /// Whether the value comes from (or, for status, looks at) the task's result row.
    var usesResults: Bool {
        switch self {
        case .interval, .predicted, .monotonicity, .recovery: return false
        case .result, .status: return true
        }
    }

    /// Whether the value comes from `recovery` (alias `e`).
    var usesRecovery: Bool {
        if case .recovery = self { return true } else { return false }
    }

    /// Whether the value comes from `rank_monotonicity` (alias `k`, joined for the query's measure).
    var usesMonotonicity: Bool {
        if case .monotonicity = self { return true } else { return false }
    }
}
