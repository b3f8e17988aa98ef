import Foundation

/// The statistics of one metric in one group.
public struct MetricSummary: Sendable, Hashable {
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
    /// The percentiles the query asked for (median is 50), by percentile (absent when count is 0).
    public var percentiles: [Double: Double]

    /// A group's statistics as SQL computed them (`SummaryStore.aggregate`); adds the 95%
    /// confidence interval of the mean from the count, mean and standard deviation.
    init(count: Int, mean: Double?, std: Double?, min: Double?, max: Double?, percentiles: [Double: Double]) {
        self.count = count
        self.mean = mean
        self.std = std
        self.min = min
        self.max = max
        self.percentiles = percentiles
        guard count > 1, let mean, let std else { return }
        let n = Double(count)
        let half = StudentT.quantile(0.975, degreesOfFreedom: n - 1) * std / n.squareRoot()
        ciLow = mean - half
        ciHigh = mean + half
    }

    /// The cells of the given statistics, in order (`ci95` gives two).
    func cells(_ statistics: [Statistic]) -> [DatabaseValue] {
        statistics.flatMap { (s: Statistic) -> [DatabaseValue] in
            switch s {
            case .count: return [.integer(count)]
            case .mean: return [DatabaseValue(mean)]
            case .std: return [DatabaseValue(std)]
            case .min: return [DatabaseValue(min)]
            case .max: return [DatabaseValue(max)]
            case .median, .percentile: return [DatabaseValue(percentiles[s.percentile!])]
            case .ci95: return [DatabaseValue(ciLow), DatabaseValue(ciHigh)]
            }
        }
    }
}

/// One group of an aggregate: its values and, per metric, its statistics.
public struct AggregateRow: Sendable, Hashable {
    /// The group's values, in `groupBy` order then the pivot column's (NULL for an unset parameter).
    public var group: [DatabaseValue]
    /// The statistics of each metric, in the query's metric order.
    public var summaries: [MetricSummary]

    /// The first metric's number of values.
    public var count: Int { summaries[0].count }
    /// The first metric's mean.
    public var mean: Double? { summaries[0].mean }
    /// The first metric's sample standard deviation.
    public var std: Double? { summaries[0].std }
    public var min: Double? { summaries[0].min }
    public var max: Double? { summaries[0].max }
    public var ciLow: Double? { summaries[0].ciLow }
    public var ciHigh: Double? { summaries[0].ciHigh }
}

/// The answer to an aggregate query.
public struct AggregateTable: Sendable, Hashable {
    /// The query.
    public var query: AggregateQuery
    /// One row per group (pivot values included), ordered by the group values; neither pivoted,
    /// sorted nor limited (`columns` and `cells` are).
    public var rows: [AggregateRow]

    /// The output column names: the group-by columns, then per metric its statistics (named
    /// `mean`, `p90`, … for one metric, `final_loss.mean`, … for several); pivoted, the group-by
    /// columns then one column per value of the pivot column, named `alpha=0.01`.
    public var columns: [String] { (try? Self.columns(of: query, pivotValues: pivotValues)) ?? [] }

    /// The output rows as cells, for `TableWriter`: pivoted, sorted and limited as the query says.
    /// With `sort`, NULLs come last in either direction; ties keep the group order.
    public var cells: [[DatabaseValue]] {
        var out: [[DatabaseValue]]
        if query.pivot != nil {
            let values = pivotValues
            var byKey: [[DatabaseValue]: Int] = [:]
            out = []
            for row in rows {
                let key = Array(row.group.dropLast())
                let at: Int
                if let known = byKey[key] {
                    at = known
                } else {
                    at = out.count
                    byKey[key] = at
                    out.append(key + Array(repeating: .null, count: values.count))
                }
                let column = values.firstIndex(of: row.group.last!)!
                out[at][key.count + column] = row.summaries[0].cells(query.statistics)[0]
            }
        } else {
            out = rows.map { r in r.group + r.summaries.flatMap { $0.cells(query.statistics) } }
        }
        if let sort = query.sort, let column = columns.firstIndex(of: sort.column) {
            out = out.enumerated().sorted { a, b in
                let x = a.element[column]
                let y = b.element[column]
                if x.isNull != y.isNull { return y.isNull }
                if DatabaseValue.precedes(x, y) { return !sort.descending }
                if DatabaseValue.precedes(y, x) { return sort.descending }
                return a.offset < b.offset
            }.map(\.element)
        }
        if let limit = query.limit, out.count > limit { out = Array(out.prefix(limit)) }
        return out
    }

    /// The distinct values of the pivot column, in order.
    var pivotValues: [DatabaseValue] {
        guard query.pivot != nil else { return [] }
        var seen: Set<DatabaseValue> = []
        var values: [DatabaseValue] = []
        for row in rows where seen.insert(row.group.last!).inserted { values.append(row.group.last!) }
        return values.sorted { DatabaseValue.precedes($0, $1) }
    }

    /// The output column names of `query` (see `columns`); pivot columns for the given values.
    static func columns(of query: AggregateQuery, pivotValues: [DatabaseValue]?) throws(QueryError) -> [String] {
        if let pivot = query.pivot {
            return query.groupBy + (pivotValues ?? []).map { pivot + "=" + (TableWriter.exact($0) ?? "null") }
        }
        let statistics = query.statistics.flatMap(\.columns)
        if query.metrics.count == 1 { return query.groupBy + statistics }
        return query.groupBy + query.metrics.flatMap { m in statistics.map { "\(m).\($0)" } }
    }
}
