import Factorization
import Foundation
import Sweeps

/// A group-by aggregate: per group of parameter values, chosen statistics (count, mean, std, min,
/// max, percentiles, 95% confidence interval) of one or more metrics; optionally pivoted (the
/// values of one column become columns), sorted and cut to a number of rows.
///
/// Selection, joins and values are computed in SQL (plain SELECT … JOIN … WHERE, the same text on
/// SQLite and PostgreSQL); rows stream into a hash aggregation (see `SummaryStore.aggregate` for
/// why). Tasks without a value (e.g. an empty interval's start) are not counted for that metric;
/// `count` is the number of values. Groups come ordered by their values, as SQL's ORDER BY would
/// sort them, unless `sort` says otherwise.
public struct AggregateQuery: Sendable, Hashable {
    /// An output column to order the groups by.
    public struct Sort: Sendable, Hashable {
        /// The output column's name (see `AggregateTable.columns`).
        public var column: String
        /// Largest first.
        public var descending: Bool

        /// Parses `COLUMN` or `COLUMN:desc` (`:asc` is the default).
        /// - Throws: `QueryError.conflict` for another suffix.
        public init(parsing text: String) throws(QueryError) {
            var name = text
            descending = false
            if let colon = text.lastIndex(of: ":") {
                name = String(text[..<colon])
                switch text[text.index(after: colon)...].lowercased() {
                case "desc": descending = true
                case "asc": descending = false
                default: throw QueryError.conflict("--sort \(text): expected COLUMN, COLUMN:asc or COLUMN:desc")
                }
            }
            column = name.replacingOccurrences(of: "-", with: "_")
        }

        public init(column: String, descending: Bool = false) {
            self.column = column
            self.descending = descending
        }
    }

    /// Only this sweep's tasks (`nil`: every task in the store).
    public var sweep: String?
    /// Conditions (`--where`s), all of which must hold.
    public var filters: [Filter]
    /// Columns to group by, in order: parameter names, the outcome columns `status` and `path_used`
    /// (see `QueryColumn`), and `r` (the interval's rank, for per-rank metrics).
    /// `rank` is the parameter (rank of a generated spectrum), not the interval's rank.
    public var groupBy: [String]
    /// What to aggregate, in output order.
    public var metrics: [Metric]
    /// The statistics of each metric, in output order.
    public var statistics: [Statistic]
    /// The rank of per-rank metrics.
    public var rank: Int?
    /// A column (as for `groupBy`) whose values become output columns; one metric, one statistic.
    public var pivot: String?
    /// The output order (default: by group values).
    public var sort: Sort?
    /// At most this many rows (after sorting).
    public var limit: Int?
    /// The effective rank of the per-rank metrics (`interval.*`, `predicted.*`: the `intervals`
    /// rows of that measure) and of the monotonicity metrics (`monotone_from`, `rank_drops`, `monotone`).
    public var measure: EffectiveRankMeasure

    /// The first metric (the only one, for most queries).
    public var metric: Metric { metrics[0] }

    /// Builds and checks a query.
    /// - Throws: `QueryError` for an unknown group-by or pivot column, a per-rank metric without a
    ///   rank, a rank for metrics that have none, a pivot with several metrics or statistics, an
    ///   unknown sort column.
    public init(
        sweep: String? = nil, filters: [Filter] = [], groupBy: [String] = [], metrics: [Metric],
        statistics: [Statistic] = Statistic.defaults, rank: Int? = nil, pivot: String? = nil, sort: Sort? = nil,
        limit: Int? = nil, measure: EffectiveRankMeasure = .entropy
    ) throws(QueryError) {
        guard !metrics.isEmpty else { throw QueryError.conflict("--metric names no metric") }
        guard !statistics.isEmpty else { throw QueryError.conflict("--stats names no statistic") }
        self.sweep = sweep
        self.filters = filters
        self.metrics = metrics
        self.rank = rank
        self.limit = limit
        self.sort = sort
        self.measure = measure
        var seenMetrics: Set<Metric> = []
        for m in metrics where !seenMetrics.insert(m).inserted {
            throw QueryError.conflict("--metric lists '\(m)' twice")
        }
        var seenStatistics: Set<[String]> = []
        for s in statistics where !seenStatistics.insert(s.columns).inserted {
            throw QueryError.conflict("--stats lists '\(s)' twice")
        }
        self.statistics = statistics
        let perRank = metrics.contains(where: \.isPerRank)
        func column(_ raw: String, option: String) throws(QueryError) -> String {
            let name = raw.replacingOccurrences(of: "-", with: "_")
            if name == AggregateQuery.intervalRankColumn {
                guard perRank else {
                    throw QueryError.conflict(
                        "\(option) r (the interval's rank) applies only to interval.* and predicted.* metrics")
                }
            } else if QueryColumn.named(name) == nil {
                let names = QueryColumn.allNames + (perRank ? [AggregateQuery.intervalRankColumn] : [])
                throw QueryError.unknownColumn(
                    name: raw, option: option, suggestion: Suggestion.closest(to: name, among: names))
            }
            return name
        }
        var columns: [String] = []
        for raw in groupBy {
            let name = try column(raw, option: "--group-by")
            guard !columns.contains(name) else { throw QueryError.conflict("--group-by lists '\(name)' twice") }
            columns.append(name)
        }
        self.groupBy = columns
        if let pivot {
            let name = try column(pivot, option: "--pivot")
            guard !columns.contains(name) else {
                throw QueryError.conflict("--pivot \(name) is also in --group-by; a column is one or the other")
            }
            guard metrics.count == 1, statistics.count == 1, statistics[0].columns.count == 1 else {
                // Name what was asked: the default statistics are six, and ci95 alone is two columns.
                let asked = statistics.map(\.description).joined(separator: ",")
                throw QueryError.conflict(
                    "--pivot shows one metric and one statistic (e.g. --stats median); asked: --metric "
                        + metrics.map(\.description).joined(separator: ",") + " --stats " + asked
                        + (statistics.count == 1 && statistics[0].columns.count > 1 ? " (two columns)" : ""))
            }
            self.pivot = name
        }
        let ranked = columns.contains(Self.intervalRankColumn) || self.pivot == Self.intervalRankColumn
        if perRank && rank == nil && !ranked {
            throw QueryError.needsRank(metric: metrics.first(where: \.isPerRank)!.description)
        }
        if !perRank && rank != nil { throw QueryError.rankNotApplicable(metric: metrics[0].description) }
        if let sort {
            let available = try AggregateTable.columns(of: self, pivotValues: nil)
            if !available.contains(sort.column) && !(self.pivot != nil && sort.column.hasPrefix(self.pivot! + "=")) {
                throw QueryError.unknownSortColumn(name: sort.column, columns: available)
            }
        }
        if let limit, limit < 1 { throw QueryError.conflict("--limit takes a positive number of rows") }
    }

    /// A query of one metric (today's form).
    public init(
        sweep: String? = nil, filters: [Filter] = [], groupBy: [String] = [], metric: Metric, rank: Int? = nil
    ) throws(QueryError) {
        try self.init(sweep: sweep, filters: filters, groupBy: groupBy, metrics: [metric], rank: rank)
    }

    /// The group-by name of the interval's rank r (the parameter `rank` is a different thing).
    public static let intervalRankColumn = "r"

    /// The columns the rows are grouped by: `groupBy`, then the pivot column.
    var groupingColumns: [String] { groupBy + (pivot.map { [$0] } ?? []) }

    /// Whether the grouping includes the interval's rank (per-rank metrics only).
    var groupsByRank: Bool { groupingColumns.contains(Self.intervalRankColumn) }

    /// The parameters and outcome columns among the grouping columns, in order.
    var groupParameters: [String] { groupingColumns.filter { $0 != Self.intervalRankColumn } }

    /// Whether some metric is per rank (then the row source joins `intervals`).
    var perRank: Bool { metrics.contains(where: \.isPerRank) }

    /// The row source: one row per task (or per task and rank), `task id, [rank,] group
    /// columns…, metric values…`, in the tables' natural order (task id, then rank), with the
    /// bound values. Selection, joins and the metrics' expressions run in SQL; see
    /// `SummaryStore.aggregate` for why grouping does not. Standard SQL: the same text runs on
    /// SQLite and PostgreSQL (with `?` placeholders).
    func sql(sweepID: Int?) -> (text: String, values: [DatabaseValue]) {
        let parameterColumns = groupParameters.map { QueryColumn.named($0)!.sql }
        var values: [DatabaseValue] = []
        var sql = "SELECT t.id, " + (groupsByRank ? "i.rank, " : "")
        sql += parameterColumns.map { $0 + ", " }.joined()
        sql += metrics.map { m in
            let (text, bound) = m.expression
            values += bound
            return text
        }.joined(separator: ", ")
        sql += " FROM tasks t"
        let usesResults = metrics.contains(where: \.usesResults)
        if usesResults {
            // An inner join when every metric is a result column (the row exists iff the value
            // can); a LEFT JOIN when interval or status metrics need tasks without a result too.
            let inner = metrics.allSatisfy { if case .result = $0 { return true } else { return false } }
            sql += (inner ? " JOIN" : " LEFT JOIN") + " results r ON r.task_id = t.id"
        }
        if metrics.contains(where: \.usesRecovery) {
            let inner = metrics.allSatisfy(\.usesRecovery)
            sql += (inner ? " JOIN" : " LEFT JOIN") + " recovery e ON e.task_id = t.id"
        }
        if metrics.contains(where: \.usesMonotonicity) {
            let inner = metrics.allSatisfy(\.usesMonotonicity)
            sql += (inner ? " JOIN" : " LEFT JOIN") + " rank_monotonicity k ON k.task_id = t.id AND k.measure = ?"
            values.append(.text(measure.rawValue))
        }
        if perRank {
            sql += " JOIN intervals i ON i.task_id = t.id AND i.measure = ?"
            values.append(.text(measure.rawValue))
            if let rank {
                sql += " AND i.rank = ?"
                values.append(.integer(rank))
            }
        }
        if let sweepID {
            sql += " JOIN sweep_tasks m ON m.task_id = t.id AND m.sweep_id = ?"
            values.append(.integer(sweepID))
        }
        var conditions: [String] = []
        // Outcome fractions cover the tasks with an outcome; status.running/pending cover every task.
        if metrics.allSatisfy({ if case .status(let s) = $0 { !Metric.lifecycleStates.contains(s) } else { false } }) {
            conditions.append("t.status IN ('done', 'failed')")
        }
        for f in filters {
            let (text, bound) = f.sql
            conditions.append(text)
            values += bound
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        return (sql, values)
    }
}
