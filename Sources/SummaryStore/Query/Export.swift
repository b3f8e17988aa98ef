import Factorization
import Foundation

/// A tidy, long-format export for pandas and R: one row per task, per task and rank, or per task
/// and recorded step; every parameter is a column (named as in sweep files), so the rows need no
/// joins or decoding afterwards.
///
/// Columns: `key`, every parameter (real lists such as `spectrum` as comma-separated text), then
/// - `results`: `status` (finished, converged, diverged, or failed: the task failed without a
///   result), `path_used`, `steps_run`, `final_loss`, `final_erank`, `seconds`, `best_step`,
///   `best_clean_error`, `best_inside` (0/1), `monotone_from`, `rank_drops` (entropy effective rank),
///   `monotone_from_ratio`, `rank_drops_ratio` (`RankMonotonicity`), `observed_entries`,
///   `unobserved_lines` (completion: `CompletionMask`), the recovery errors `final_error`,
///   `final_unobserved_error`, `final_clean_error`, `best_error`, `best_recovery_step` (table
///   `recovery`, named as `query --metric` names them); one row per task with an outcome.
/// - `intervals`: `measure` (the effective rank, `entropy` or `ratio`: `EffectiveRankMeasure`),
///   `r` (the interval's rank; `rank` is the parameter), `t_r` (its target; `target` is the
///   parameter, a matrix file), `start`, `end`, `length`, `middle_error`, `predicted_start`,
///   `predicted_end`; one row per task, measure and rank (`measure`: of that measure only).
/// - `trajectories`: `step`, `loss`, `erank` (Roy–Vetterli), `erank_ratio` (‖W‖_*/‖W‖_op),
///   `clean_error`, `product_norm` (‖W‖_F), `unobserved_max` (completion: max |W_ij| over the
///   unobserved entries), `error` and `unobserved_error` (the relative recovery errors, table
///   `recovery`, as `plot --kind recovery --series` names them); one row per task and recorded step.
/// Missing and non-finite values are NULL (an empty CSV field: NaN in pandas, NA in R).
/// Rows stream from SQL in task order (then rank or step), one task's trajectory decoded at a
/// time, so memory does not grow with the store.
public struct ExportQuery: Sendable, Hashable {
    /// What one row is.
    public enum Table: String, Sendable, Hashable, CaseIterable {
        case results
        case intervals
        case trajectories
    }

    /// Only this sweep's tasks.
    public var sweep: String?
    /// Conditions (`--where`s), all of which must hold.
    public var filters: [Filter]
    /// What one row is.
    public var table: Table
    /// `intervals` only: the rows of this effective-rank measure (`nil`: both).
    public var measure: EffectiveRankMeasure?

    public init(sweep: String? = nil, filters: [Filter] = [], table: Table, measure: EffectiveRankMeasure? = nil) {
        self.sweep = sweep
        self.filters = filters
        self.table = table
        self.measure = table == .intervals ? measure : nil
    }

    /// The columns after `key` and the parameters, per table.
    static func valueColumns(_ table: Table) -> [String] {
        switch table {
        case .results:
            return [
                "status", "path_used", "steps_run", "final_loss", "final_erank", "seconds", "best_step",
                "best_clean_error", "best_inside", "monotone_from", "rank_drops", "monotone_from_ratio",
                "rank_drops_ratio", "observed_entries", "unobserved_lines", "final_error", "final_unobserved_error",
                "final_clean_error", "best_error", "best_recovery_step",
            ]
        case .intervals:
            return [
                "measure", "r", "t_r", "start", "end", "length", "middle_error", "predicted_start", "predicted_end",
            ]
        case .trajectories:
            return [
                "step", "loss", "erank", "erank_ratio", "clean_error", "product_norm", "unobserved_max", "error",
                "unobserved_error",
            ]
        }
    }

    /// Every output column, in order.
    public var columns: [String] { ["key"] + SimulationConfig.parameters.map(\.name) + Self.valueColumns(table) }

    /// The parameter columns holding real lists (JSON writes them as arrays).
    public static var listColumns: Set<String> { RawQuery.listColumns }

    /// `SELECT … FROM … WHERE … ORDER BY …` and its bound values. Standard SQL.
    func sql(sweepID: Int?) -> (text: String, values: [DatabaseValue]) {
        let parameters = SimulationConfig.parameters.map { "t." + ParameterColumns.quoted($0) }
        var text = "SELECT t.key, " + parameters.joined(separator: ", ") + ", "
        var conditions: [String] = []
        switch table {
        case .results:
            text += """
                CASE WHEN t.status = 'failed' THEN 'failed' ELSE r.status END, r.path, r.steps, r.final_loss, \
                r.final_erank, r.seconds, r.best_step, r.best_error, r.best_inside, ke.monotone_from, ke.rank_drops, \
                kr.monotone_from, kr.rank_drops, r.observed_entries, r.unobserved_lines, e.final_error, \
                e.final_unobserved_error, e.final_clean_error, e.best_recovery_error, e.best_recovery_step \
                FROM tasks t LEFT JOIN results r ON r.task_id = t.id \
                LEFT JOIN rank_monotonicity ke ON ke.task_id = t.id AND ke.measure = 'entropy' \
                LEFT JOIN rank_monotonicity kr ON kr.task_id = t.id AND kr.measure = 'ratio' \
                LEFT JOIN recovery e ON e.task_id = t.id
                """
            conditions.append("(r.task_id IS NOT NULL OR t.status = 'failed')")
        case .intervals:
            text += """
                i.measure, i.rank, i.target, i.start, i."end", i.length, i.middle_error, i.predicted_start, i.predicted_end \
                FROM tasks t JOIN intervals i ON i.task_id = t.id
                """
        case .trajectories:
            text +=
                "j.steps, j.loss, j.erank, j.erank_ratio, j.clean_error, j.product_norm, j.unobserved_max, e.error, "
                + "e.unobserved_error FROM tasks t JOIN trajectories j ON j.task_id = t.id "
                + "LEFT JOIN recovery e ON e.task_id = t.id"
        }
        var values: [DatabaseValue] = []
        if let sweepID {
            text += " JOIN sweep_tasks m ON m.task_id = t.id AND m.sweep_id = ?"
            values.append(.integer(sweepID))
        }
        if let measure {
            conditions.append("i.measure = ?")
            values.append(.text(measure.rawValue))
        }
        for f in filters {
            let (sql, bound) = f.sql
            conditions.append(sql)
            values += bound
        }
        if !conditions.isEmpty { text += " WHERE " + conditions.joined(separator: " AND ") }
        text += table == .intervals ? " ORDER BY t.id, i.measure, i.rank" : " ORDER BY t.id"
        return (text, values)
    }
}

extension SummaryStore {
    /// Streams an export's rows (see `ExportQuery` for the columns).
    /// - Parameters:
    ///   - query: the selection and the table.
    ///   - row: receives each row, as many values as `query.columns`, in task order.
    /// - Throws: `StoreError.unknownSweep`, `.corruptValue` for a trajectory whose arrays
    ///   disagree in length, `.sqlite`, `.postgres`; or what `row` throws.
    public func export(_ query: ExportQuery, row: ([DatabaseValue]) throws -> Void) throws {
        let sweepID = try query.sweep.map { (name: String) throws(StoreError) -> Int in try self.sweepID(name) }
        let (sql, values) = query.sql(sweepID: sweepID)
        let fixed = 1 + SimulationConfig.parameters.count
        let width = query.columns.count
        var cells = [DatabaseValue](repeating: .null, count: width)
        // `row`'s own errors (a closed output) cross the driver's typed-throws callback as this
        // stand-in and are rethrown as they were.
        var rowError: (any Error)?
        func emit() throws(StoreError) {
            do {
                try row(cells)
            } catch let error as StoreError {
                throw error
            } catch {
                rowError = error
                throw StoreError.corruptValue(table: "export", column: "", detail: "output failed")
            }
        }
        do {
            try database.forEachRow(sql, values) { (stmt: Row) throws(StoreError) in
                for c in 0..<fixed { cells[c] = stmt.value(at: c) }
                guard query.table == .trajectories else {
                    for c in fixed..<width { cells[c] = Self.finite(stmt.value(at: c)) }
                    try emit()
                    return
                }
                let steps = PackedArray.ints(stmt.data(at: fixed) ?? Data()) ?? []
                let series = (1...3).map { PackedArray.doubles(stmt.data(at: fixed + $0) ?? Data()) ?? [] }
                // clean_error, product_norm, unobserved_max, error, unobserved_error: NULL when no point
                // has a value (or, for the recovery series, the result was stored before them).
                let optional = (4...8).map { stmt.data(at: fixed + $0).flatMap(PackedArray.doubles) }
                guard series.allSatisfy({ $0.count == steps.count }),
                    optional.allSatisfy({ $0 == nil || $0?.count == steps.count })
                else {
                    throw StoreError.corruptValue(
                        table: "trajectories", column: "steps", detail: "task \(stmt.string(at: 0) ?? "?")")
                }
                for k in steps.indices {
                    cells[fixed] = .integer(steps[k])
                    for s in 0..<3 { cells[fixed + 1 + s] = Self.finite(.real(series[s][k])) }
                    for (s, column) in optional.enumerated() {
                        cells[fixed + 4 + s] = column.map { Self.finite(.real($0[k])) } ?? .null
                    }
                    try emit()
                }
            }
        } catch {
            if let rowError { throw rowError }
            throw error
        }
    }

    /// A value, with non-finite reals as NULL.
    private static func finite(_ v: DatabaseValue) -> DatabaseValue {
        if case .real(let d) = v, !d.isFinite { return .null }
        return v
    }
}
