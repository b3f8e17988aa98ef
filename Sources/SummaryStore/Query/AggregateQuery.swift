import Factorization
import Foundation
import Sweeps

/// A group-by aggregate: per group of parameter values, count, mean, standard deviation, min, max
/// and a 95% confidence interval of one metric.
///
/// Selection, joins and values are computed in SQL; rows stream into a hash aggregation (see
/// `SummaryStore.aggregate`). Tasks without a value (e.g. an empty interval's start) are not
/// counted; `count` is the number of values. Groups come ordered by their values, as SQL's
/// ORDER BY would sort them.
public struct AggregateQuery: Sendable, Hashable {
    /// Only this sweep's tasks (`nil`: every task in the store).
    public var sweep: String?
    /// Conditions on parameters, all of which must hold.
    public var filters: [Filter]
    /// Columns to group by, in order: parameter names, the outcome columns `status` and `path_used`
    /// (see `QueryColumn`), and `r` (the interval's rank, for per-rank metrics).
    /// `rank` is the parameter (rank of a generated spectrum), not the interval's rank.
    public var groupBy: [String]
    /// What to aggregate.
    public var metric: Metric
    /// The rank of a per-rank metric.
    public var rank: Int?

    /// Builds and checks a query.
    /// - Throws: `QueryError` for an unknown group-by column, a per-rank metric without a rank,
    ///   or a rank for a metric that has none.
    public init(
        sweep: String? = nil, filters: [Filter] = [], groupBy: [String] = [], metric: Metric, rank: Int? = nil
    ) throws(QueryError) {
        self.sweep = sweep
        self.filters = filters
        self.metric = metric
        self.rank = rank
        var columns: [String] = []
        for raw in groupBy {
            let name = raw.replacingOccurrences(of: "-", with: "_")
            if name == AggregateQuery.intervalRankColumn {
                guard metric.isPerRank else {
                    throw QueryError.conflict(
                        "--group-by r (the interval's rank) applies only to interval.* and predicted.* metrics")
                }
            } else if QueryColumn.named(name) == nil {
                let names = QueryColumn.allNames + (metric.isPerRank ? [AggregateQuery.intervalRankColumn] : [])
                throw QueryError.unknownColumn(
                    name: raw, option: "--group-by", suggestion: Suggestion.closest(to: name, among: names))
            }
            guard !columns.contains(name) else { throw QueryError.conflict("--group-by lists '\(name)' twice") }
            columns.append(name)
        }
        self.groupBy = columns
        if metric.isPerRank && rank == nil && !columns.contains(Self.intervalRankColumn) {
            throw QueryError.needsRank(metric: metric.description)
        }
        if !metric.isPerRank && rank != nil { throw QueryError.rankNotApplicable(metric: metric.description) }
    }

    /// The group-by name of the interval's rank r (the parameter `rank` is a different thing).
    public static let intervalRankColumn = "r"

    /// Whether the group-by includes the interval's rank (per-rank metrics only).
    var groupsByRank: Bool { groupBy.contains(Self.intervalRankColumn) }

    /// The parameters among the group-by columns, in order.
    var groupParameters: [String] { groupBy.filter { $0 != Self.intervalRankColumn } }

    /// The row source: one row per value, `task id, [rank,] group parameters…, value`, in the
    /// tables' natural order (task id, then rank), with the bound values. Selection, joins and
    /// the metric's expression run in SQL; see `SummaryStore.aggregate` for why grouping does not.
    func sql(sweepID: Int?) -> (text: String, values: [DatabaseValue]) {
        let parameterColumns = groupParameters.map { QueryColumn.named($0)!.sql }
        let (valueSQL, valueBindings) = metric.expression
        let (joins, condition) = metric.source
        var values = valueBindings
        var sql = "SELECT t.id, " + (groupsByRank ? "i.rank, " : "")
        sql += parameterColumns.map { $0 + ", " }.joined()
        sql += "\(valueSQL) FROM tasks t \(joins)"
        if let sweepID {
            sql += " JOIN sweep_tasks m ON m.task_id = t.id AND m.sweep_id = ?"
            values.append(.integer(sweepID))
        }
        sql += " WHERE \(condition)"
        if let rank, metric.isPerRank {
            sql += " AND i.rank = ?"
            values.append(.integer(rank))
        }
        for f in filters {
            let (text, bound) = f.sql
            sql += " AND " + text
            values += bound
        }
        return (sql, values)
    }
}

/// One group of an aggregate.
public struct AggregateRow: Sendable, Hashable {
    /// The group's parameter values, in `groupBy` order (NULL for an unset parameter).
    public var group: [DatabaseValue]
    /// Number of values.
    public var count: Int
    /// Mean (`nil` when count is 0).
    public var mean: Double?
    /// Sample standard deviation (`nil` when count < 2).
    public var std: Double?
    public var min: Double?
    public var max: Double?
    /// 95% confidence interval of the mean, `mean ∓ t_{0.975, count−1} · std / √count` (`nil` when count < 2).
    public var ciLow: Double?
    public var ciHigh: Double?

    /// Computes the statistics from a group's accumulated sums.
    init(group: [DatabaseValue], accumulator a: Accumulator) {
        self.group = group
        count = a.count
        guard a.count > 0 else { return }
        let n = Double(a.count)
        min = a.min
        max = a.max
        // Sums of shifted values (v − first value): exact mean, and no catastrophic cancellation
        // in the variance when |mean| ≫ std (the textbook Σv² − n·mean² would lose it).
        let shiftedMean = a.sum / n
        mean = a.shift + shiftedMean
        guard a.count > 1 else { return }
        let variance = Swift.max(0, (a.sumOfSquares - a.sum * shiftedMean) / (n - 1))
        let std = variance.squareRoot()
        self.std = std
        let half = StudentT.quantile(0.975, degreesOfFreedom: n - 1) * std / n.squareRoot()
        ciLow = mean! - half
        ciHigh = mean! + half
    }
}

/// Running count, shifted sums, min and max of one group.
struct Accumulator {
    var count = 0
    /// The group's first value; the sums are of `v − shift`.
    var shift = 0.0
    var sum = 0.0
    var sumOfSquares = 0.0
    var min = Double.infinity
    var max = -Double.infinity

    mutating func add(_ v: Double) {
        if count == 0 { shift = v }
        count += 1
        let d = v - shift
        sum += d
        sumOfSquares += d * d
        if v < min { min = v }
        if v > max { max = v }
    }
}

/// The answer to an aggregate query.
public struct AggregateTable: Sendable, Hashable {
    /// The query.
    public var query: AggregateQuery
    /// One row per group, ordered by the group values.
    public var rows: [AggregateRow]

    /// The column names: the group-by parameters, then the statistics.
    public var columns: [String] {
        query.groupBy + ["count", "mean", "std", "min", "max", "ci95_low", "ci95_high"]
    }

    /// The rows as cells, for `TableWriter`.
    public var cells: [[DatabaseValue]] {
        rows.map { r in
            r.group + [
                .integer(r.count), DatabaseValue(r.mean), DatabaseValue(r.std), DatabaseValue(r.min),
                DatabaseValue(r.max), DatabaseValue(r.ciLow), DatabaseValue(r.ciHigh),
            ]
        }
    }
}

extension SummaryStore {
    /// Runs an aggregate query.
    ///
    /// SQL selects and joins the rows and computes each value; the grouping is a hash
    /// aggregation in Swift over the streamed rows. SQLite has no hash aggregate: its GROUP BY
    /// sorts every row first, which measured 0.45 s of 0.53 s CPU for 1M interval rows, while
    /// streaming the same rows takes about 0.1 s. Consecutive rows of one task share their
    /// parameter values, so those are read and hashed once per task, not once per row.
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`.
    public func aggregate(_ query: AggregateQuery) throws(StoreError) -> AggregateTable {
        let sweepID = try query.sweep.map { (name: String) throws(StoreError) -> Int in try self.sweepID(name) }
        let (sql, values) = query.sql(sweepID: sweepID)
        let byRank = query.groupsByRank
        let firstParameter = byRank ? 2 : 1
        let parameterCount = query.groupParameters.count
        let valueColumn = firstParameter + parameterCount
        var parameterGroups: [[DatabaseValue]: Int] = [:]
        var parameterValues: [[DatabaseValue]] = []
        var slots: [GroupSlot: Int] = [:]
        var accumulators: [Accumulator] = []
        var keys: [GroupSlot] = []
        var lastTask = Int.min
        var parameterGroup = 0
        try database.forEachRow(sql, values) { (stmt: Row) throws(StoreError) in
            let task = stmt.int(at: 0) ?? 0
            if task != lastTask {
                lastTask = task
                let tuple = (0..<parameterCount).map { stmt.value(at: firstParameter + $0) }
                if let known = parameterGroups[tuple] {
                    parameterGroup = known
                } else {
                    parameterGroup = parameterValues.count
                    parameterGroups[tuple] = parameterGroup
                    parameterValues.append(tuple)
                }
            }
            let key = GroupSlot(parameters: parameterGroup, rank: byRank ? stmt.int(at: 1) ?? 0 : 0)
            let slot: Int
            if let known = slots[key] {
                slot = known
            } else {
                slot = accumulators.count
                slots[key] = slot
                accumulators.append(Accumulator())
                keys.append(key)
            }
            if let v = stmt.double(at: valueColumn) { accumulators[slot].add(v) }
        }
        var rows: [AggregateRow] = []
        for (key, accumulator) in zip(keys, accumulators) {
            var group = parameterValues[key.parameters]
            if byRank, let at = query.groupBy.firstIndex(of: AggregateQuery.intervalRankColumn) {
                group.insert(.integer(key.rank), at: at)
            }
            rows.append(AggregateRow(group: group, accumulator: accumulator))
        }
        if rows.isEmpty && query.groupBy.isEmpty {
            rows.append(AggregateRow(group: [], accumulator: Accumulator()))
        }
        rows.sort { DatabaseValue.precedes($0.group, $1.group) }
        return AggregateTable(query: query, rows: rows)
    }
}

/// A group: the index of its parameter values and its rank (0 when not grouped by rank).
struct GroupSlot: Hashable {
    let parameters: Int
    let rank: Int
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
