import Factorization
import Foundation

/// A group-by aggregate: per group of parameter values, count, mean, standard deviation, min, max
/// and a 95% confidence interval of one metric.
///
/// Aggregation runs in SQL (count, sum, sum of squares, min, max per group), so the store never
/// ships raw rows to Swift. Tasks without a value (e.g. an empty interval's start) are not
/// counted; `count` is the number of values.
public struct AggregateQuery: Sendable, Hashable {
    /// Only this sweep's tasks (`nil`: every task in the store).
    public var sweep: String?
    /// Conditions on parameters, all of which must hold.
    public var filters: [Filter]
    /// Parameter names (and `rank` for per-rank metrics) to group by, in order.
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
            if name == "rank" {
                guard metric.isPerRank else {
                    throw QueryError.conflict("--group-by rank applies only to interval.* and predicted.* metrics")
                }
            } else if SimulationConfig.parameter(named: name) == nil {
                let names = SimulationConfig.parameters.map(\.name) + (metric.isPerRank ? ["rank"] : [])
                throw QueryError.unknownColumn(
                    name: raw, option: "--group-by", suggestion: EditDistance.closest(to: name, among: names))
            }
            guard !columns.contains(name) else { throw QueryError.conflict("--group-by lists '\(name)' twice") }
            columns.append(name)
        }
        self.groupBy = columns
        if metric.isPerRank && rank == nil && !columns.contains("rank") {
            throw QueryError.needsRank(metric: metric.description)
        }
        if !metric.isPerRank && rank != nil { throw QueryError.rankNotApplicable(metric: metric.description) }
    }

    /// The SQL and its bound values.
    func sql(sweepID: Int?) -> (text: String, values: [DatabaseValue]) {
        let groupColumns = groupBy.map { name in
            name == "rank" ? "i.rank" : "t." + ParameterColumns.quoted(SimulationConfig.parameter(named: name)!)
        }
        let aliases = groupColumns.indices.map { "g\($0)" }
        let (valueSQL, valueBindings) = metric.expression
        let (joins, condition) = metric.source
        var values = valueBindings
        // Inner query: one row per value with its group columns; outer query: the sums per group.
        var inner = "SELECT " + zip(groupColumns, aliases).map { "\($0) AS \($1), " }.joined()
        inner += "\(valueSQL) AS v FROM tasks t \(joins)"
        if let sweepID {
            inner += " JOIN sweep_tasks m ON m.task_id = t.id AND m.sweep_id = ?"
            values.append(.integer(sweepID))
        }
        inner += " WHERE \(condition)"
        if let rank, metric.isPerRank {
            inner += " AND i.rank = ?"
            values.append(.integer(rank))
        }
        for f in filters {
            let (text, bound) = f.sql
            inner += " AND " + text
            values += bound
        }
        var sql = "SELECT " + aliases.map { $0 + ", " }.joined()
        sql += "count(v), total(v), total(v * v), min(v), max(v) FROM (\(inner))"
        if !aliases.isEmpty {
            sql += " GROUP BY " + aliases.joined(separator: ", ") + " ORDER BY " + aliases.joined(separator: ", ")
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

    /// Computes the statistics from SQL's per-group sums.
    init(group: [DatabaseValue], count: Int, sum: Double, sumOfSquares: Double, min: Double?, max: Double?) {
        self.group = group
        self.count = count
        self.min = min
        self.max = max
        guard count > 0 else { return }
        let n = Double(count)
        let mean = sum / n
        self.mean = mean
        guard count > 1 else { return }
        // Σv² − n·mean² loses precision only when |mean| ≫ std; clamp the round-off at 0.
        let variance = Swift.max(0, (sumOfSquares - sum * mean) / (n - 1))
        let std = variance.squareRoot()
        self.std = std
        let half = StudentT.quantile(0.975, degreesOfFreedom: n - 1) * std / n.squareRoot()
        ciLow = mean - half
        ciHigh = mean + half
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
    /// - Throws: `StoreError.unknownSweep`, `.sqlite`.
    public func aggregate(_ query: AggregateQuery) throws(StoreError) -> AggregateTable {
        let sweepID = try query.sweep.map { (name: String) throws(StoreError) -> Int in try self.sweepID(name) }
        let (sql, values) = query.sql(sweepID: sweepID)
        let stmt = try connection.prepare(sql)
        try stmt.bind(values)
        let g = query.groupBy.count
        var rows: [AggregateRow] = []
        while try stmt.step() {
            rows.append(
                AggregateRow(
                    group: (0..<g).map { stmt.value(at: $0) }, count: stmt.int(at: g) ?? 0,
                    sum: stmt.double(at: g + 1) ?? 0, sumOfSquares: stmt.double(at: g + 2) ?? 0,
                    min: stmt.double(at: g + 3), max: stmt.double(at: g + 4)))
        }
        return AggregateTable(query: query, rows: rows)
    }
}
