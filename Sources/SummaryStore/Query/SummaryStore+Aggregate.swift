import Foundation

extension SummaryStore {
    /// Runs an aggregate query in the database.
    ///
    /// One statement (`AggregateQuery.aggregateSQL`) selects, joins, groups (`GROUP BY`) and
    /// computes every statistic in SQL on either engine: `count`, `min` and `max` are the built-in
    /// aggregates; the mean, the sample standard deviation and the percentiles are PostgreSQL's
    /// `avg(v ORDER BY v)`, `stddev_samp(v ORDER BY v)` and `percentile_cont(f) WITHIN GROUP
    /// (ORDER BY v)`, and on SQLite the registered aggregates that compute the same
    /// (`Connection.registerAggregates`), so both engines print the same digits. Only the grouped
    /// rows come back: the 95% confidence interval (a Student's t quantile per group), the order
    /// of the groups, the pivot, sorting and the limit are computed from them.
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`, `.postgres`.
    public func aggregate(_ query: AggregateQuery) throws(StoreError) -> AggregateTable {
        let sweepID = try query.sweep.map { (name: String) throws(StoreError) -> Int in try self.sweepID(name) }
        let (sql, values) = query.aggregateSQL(sweepID: sweepID, dialect: database.dialect)
        let groupWidth = query.groupingColumns.count
        let needed = query.aggregates
        let percentiles = needed.compactMap { if case .percentile(let p) = $0 { p } else { nil } }
        var rows: [AggregateRow] = []
        try withSortMemory { () throws(StoreError) in
            try database.forEachRow(sql, values) { (row: Row) throws(StoreError) in
                let summaries = query.metrics.indices.map { m in
                    var cells: [SQLAggregate: DatabaseValue] = [:]
                    for (k, a) in needed.enumerated() { cells[a] = row.value(at: groupWidth + m * needed.count + k) }
                    return MetricSummary(
                        count: cells[.count]?.intValue ?? 0, mean: cells[.mean]?.doubleValue,
                        std: cells[.standardDeviation]?.doubleValue, min: cells[.min]?.doubleValue,
                        max: cells[.max]?.doubleValue,
                        percentiles: percentiles.reduce(into: [:]) { $0[$1] = cells[.percentile($1)]?.doubleValue })
                }
                rows.append(AggregateRow(group: Array(row.values.prefix(groupWidth)), summaries: summaries))
            }
        }
        rows.sort { DatabaseValue.precedes($0.group, $1.group) }
        return AggregateTable(query: query, rows: rows)
    }

    /// Runs `body` with room for the aggregates' sorts: with PostgreSQL's default `work_mem` (4 MB)
    /// the sort of a large group goes to disk (one group of 1M values: 0.74–0.77 s against
    /// 0.48–0.81 s in memory, three runs each at load average 4.6; grouped queries measured the
    /// same either way), so the session gets 256 MB while `body` runs. SQLite needs no setting.
    private func withSortMemory(_ body: () throws(StoreError) -> Void) throws(StoreError) {
        guard engine == .postgresql else { return try body() }
        try database.run("SET work_mem = '256MB'", [])
        defer { _ = try? database.run("RESET work_mem", []) }
        try body()
    }
}

extension SummaryStore {
    /// Reads an aggregate query's rows in the database without grouping them (the count of the
    /// first metric's values): the floor every aggregate pays (benchmark reference).
    /// - Returns: the number of values.
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`, `.postgres`.
    public func scanRows(_ query: AggregateQuery) throws(StoreError) -> Int {
        let sweepID = try query.sweep.map { (name: String) throws(StoreError) -> Int in try self.sweepID(name) }
        let (rows, values) = query.rowsSQL(sweepID: sweepID)
        return try database.scalar("SELECT count(s.v0) FROM (" + rows + ") s", values)?.intValue ?? 0
    }
}

extension DatabaseValue {
    /// SQLite's sort order: NULL, then numbers (integers and reals compared by value), then text, then blobs.
    static func precedes(_ a: DatabaseValue, _ b: DatabaseValue) -> Bool {
        func order(_ v: DatabaseValue) -> Int {
            switch v {
            case .null: return 0
            case .integer, .real: return 1
            case .text: return 2
            case .blob: return 3
            }
        }
        if order(a) != order(b) { return order(a) < order(b) }
        switch (a, b) {
        case (.text(let x), .text(let y)): return x < y
        case (.blob(let x), .blob(let y)): return x.lexicographicallyPrecedes(y)
        default: return (a.doubleValue ?? 0) < (b.doubleValue ?? 0)
        }
    }

    /// Lexicographic order of tuples by `precedes`.
    static func precedes(_ a: [DatabaseValue], _ b: [DatabaseValue]) -> Bool {
        for (x, y) in zip(a, b) {
            if precedes(x, y) { return true }
            if precedes(y, x) { return false }
        }
        return a.count < b.count
    }
}
