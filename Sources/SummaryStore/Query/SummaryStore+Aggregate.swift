import Foundation

extension SummaryStore {
    /// Runs an aggregate query in the database.
    ///
    /// One statement selects, joins, groups and computes every statistic in the database, in the
    /// shape each engine runs fastest, with the same arithmetic on both so that they print the same
    /// digits: on PostgreSQL (`AggregateQuery.arraySQL`) `count`, `min`, `max`,
    /// `avg(v ORDER BY v)`, `stddev_samp(v ORDER BY v)` and `percentile_cont(f) WITHIN GROUP
    /// (ORDER BY v)` over each group's values; on SQLite (`AggregateQuery.groupedSQL`) the
    /// registered aggregate `group_statistics`, which groups by hashing and computes the same
    /// (`Connection.registerAggregates`). Only the grouped rows come back: the 95% confidence
    /// interval (a Student's t quantile per group), the order of the groups, the pivot, sorting and
    /// the limit are computed from them.
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`, `.postgres`; `.corruptValue` when SQLite's
    ///   `group_statistics` answer does not decode.
    public func aggregate(_ query: AggregateQuery) throws(StoreError) -> AggregateTable {
        let sweepID = try query.sweep.map { (name: String) throws(StoreError) -> Int in try self.sweepID(name) }
        var rows: [AggregateRow] = []
        switch engine {
        case .postgresql:
            try withSortMemory { () throws(StoreError) in rows = try postgresGroups(query, sweepID: sweepID) }
        case .sqlite:
            rows = try sqliteGroups(query, sweepID: sweepID)
        }
        rows.sort { DatabaseValue.precedes($0.group, $1.group) }
        return AggregateTable(query: query, rows: rows)
    }

    /// The groups of `AggregateQuery.arraySQL`: one row per group, its values, then per metric the
    /// query's `aggregates` in order.
    private func postgresGroups(_ query: AggregateQuery, sweepID: Int?) throws(StoreError) -> [AggregateRow] {
        let (sql, values) = query.arraySQL(sweepID: sweepID)
        let groupWidth = query.groupingColumns.count
        let needed = query.aggregates
        var rows: [AggregateRow] = []
        try database.forEachRow(sql, values) { (row: Row) throws(StoreError) in
            let summaries = query.metrics.indices.map { m in
                var cells: [SQLAggregate: DatabaseValue] = [:]
                for (k, a) in needed.enumerated() { cells[a] = row.value(at: groupWidth + m * needed.count + k) }
                return MetricSummary(cells, percentilesOf: needed)
            }
            rows.append(AggregateRow(group: Array(row.values.prefix(groupWidth)), summaries: summaries))
        }
        return rows
    }

    /// The groups of `AggregateQuery.groupedSQL`: the `group_statistics` BLOB of each metric, each
    /// group's key split into the values of the task columns (numbered in `grp`) and the interval's rank.
    private func sqliteGroups(_ query: AggregateQuery, sweepID: Int?) throws(StoreError) -> [AggregateRow] {
        let (sql, values) = query.groupedSQL(sweepID: sweepID)
        let taskWidth = query.taskColumns.count
        let needed = query.aggregates
        var blobs: [DatabaseValue] = []
        var taskGroups: [Int64: ArraySlice<DatabaseValue>] = [:]
        try database.forEachRow(sql, values) { (row: Row) throws(StoreError) in
            if let gid = row.int(at: 0) {
                taskGroups[Int64(gid)] = row.values[1...taskWidth]
            } else {
                blobs = Array(row.values.suffix(query.metrics.count))
            }
        }
        var perMetric: [[(key: Int64, cells: [SQLAggregate: DatabaseValue])]] = []
        for blob in blobs { perMetric.append(try GroupStatistics.decode(blob, statistics: needed)) }
        guard let first = perMetric.first else { return [] }
        // Without grouping columns the answer is one row even without values, as SQL's is.
        if first.isEmpty && query.groupingColumns.isEmpty {
            let empty = MetricSummary([.count: .integer(0)], percentilesOf: needed)
            return [AggregateRow(group: [], summaries: Array(repeating: empty, count: query.metrics.count))]
        }
        var rows: [AggregateRow] = []
        for (n, group) in first.enumerated() {
            let (gid, rank) = query.groupKey(group.key)
            var taskValues = taskGroups[gid]?.makeIterator()
            var values: [DatabaseValue] = []
            for name in query.groupingColumns {
                if name == AggregateQuery.intervalRankColumn {
                    values.append(.integer(Int(rank ?? 0)))
                } else {
                    guard let value = taskValues?.next() else {
                        throw StoreError.corruptValue(
                            table: "(query)", column: GroupStatistics.functionName, detail: "no group \(gid)")
                    }
                    values.append(value)
                }
            }
            let summaries = perMetric.map { MetricSummary($0[n].cells, percentilesOf: needed) }
            rows.append(AggregateRow(group: values, summaries: summaries))
        }
        return rows
    }

    /// Runs `body` with room for the aggregates' sorts: with PostgreSQL's default `work_mem` (4 MB)
    /// the sort of a large group goes to disk (one group of 1M values: 0.74–0.77 s against
    /// 0.48–0.81 s in memory, three runs each at load average 4.6; grouped queries measured the
    /// same either way), so the session gets 256 MB while `body` runs.
    private func withSortMemory(_ body: () throws(StoreError) -> Void) throws(StoreError) {
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

extension MetricSummary {
    /// A metric's summary from its aggregates' values (`count` an integer, the others reals or NULL).
    init(_ cells: [SQLAggregate: DatabaseValue], percentilesOf aggregates: [SQLAggregate]) {
        let percentiles = aggregates.compactMap { if case .percentile(let p) = $0 { p } else { nil } }
        self.init(
            count: cells[.count]?.intValue ?? 0, mean: cells[.mean]?.doubleValue,
            std: cells[.standardDeviation]?.doubleValue, min: cells[.min]?.doubleValue,
            max: cells[.max]?.doubleValue,
            percentiles: percentiles.reduce(into: [:]) { $0[$1] = cells[.percentile($1)]?.doubleValue })
    }
}
