extension SummaryStore {
    /// How many results have no recovery errors: those stored before dmfsweep recorded them (no
    /// `recovery` row; docs/summary-store.md, table `recovery`). Recovery metrics leave them out.
    /// - Parameter sweep: only this sweep's results (`nil`: every result).
    /// - Returns: the number of results without a `recovery` row.
    /// - Throws: `StoreError.unknownSweep`, or the engine's error.
    public func resultsWithoutRecovery(sweep: String? = nil) throws(StoreError) -> Int {
        var sql = "SELECT count(*) FROM results r"
        var values: [DatabaseValue] = []
        if let sweep {
            sql += " JOIN sweep_tasks m ON m.task_id = r.task_id AND m.sweep_id = ?"
            values.append(.integer(try sweepID(sweep)))
        }
        sql += " WHERE NOT EXISTS (SELECT 1 FROM recovery e WHERE e.task_id = r.task_id)"
        return try database.rows(sql, values).first?.int(at: 0) ?? 0
    }
}

extension SummaryStore {
    /// The ranks r that have interval rows (targets t_r), ascending.
    /// - Parameter sweep: only this sweep's tasks (`nil`: every task).
    /// - Returns: the distinct `intervals.rank` values; empty when no result has intervals.
    /// - Throws: `StoreError.unknownSweep`, or the engine's error.
    public func intervalRanks(sweep: String? = nil) throws(StoreError) -> [Int] {
        var sql = "SELECT DISTINCT i.rank FROM intervals i"
        var values: [DatabaseValue] = []
        if let sweep {
            sql += " JOIN sweep_tasks m ON m.task_id = i.task_id AND m.sweep_id = ?"
            values.append(.integer(try sweepID(sweep)))
        }
        return try database.rows(sql + " ORDER BY 1", values).compactMap { $0.int(at: 0) }
    }
}
