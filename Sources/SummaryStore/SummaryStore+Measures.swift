import Factorization
import Foundation

extension SummaryStore {
    /// Results without the ratio measure's targets and intervals (an upgraded store that could not
    /// recompute them: `MeasureUpgrade`), so a command can say that a ratio query leaves them out.
    /// - Parameter sweep: only this sweep's results (`nil`: the whole store).
    /// - Returns: how many, and the reason of one of them (`nil` when there are none).
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`, `.postgres`.
    public func resultsWithoutRatioMeasure(sweep: String? = nil) throws(StoreError) -> (count: Int, reason: String?) {
        var sql = "SELECT count(*), min(r.ratio_missing) FROM results r"
        var values: [DatabaseValue] = []
        if let sweep {
            sql += " JOIN sweep_tasks m ON m.task_id = r.task_id AND m.sweep_id = ?"
            values.append(.integer(try sweepID(sweep)))
        }
        sql += " WHERE r.ratio_targets IS NULL"
        guard let row = try database.rows(sql, values).first else { return (0, nil) }
        return (row.int(at: 0) ?? 0, row.string(at: 1))
    }
}
