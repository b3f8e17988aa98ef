import Factorization
import Foundation
import Sweeps

/// A group-by aggregate: per group of parameter values, chosen statistics (count, mean, std, min,
/// max, percentiles, 95% confidence interval) of one or more metrics; optionally pivoted (the
/// values of one column become columns), sorted and cut to a number of rows.
///
/// Everything per row runs in the database: selection, joins, values, grouping and every statistic
/// (`arraySQL` on PostgreSQL, `groupedSQL` on SQLite; see `SummaryStore.aggregate`). Tasks without
/// a value (e.g. an empty interval's start) are not counted for that metric; `count` is the number
/// of values.
/// Groups come ordered by their values, as SQL's ORDER BY would sort them, unless `sort` says
/// otherwise; pivoting, sorting and the limit work on the grouped rows.
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

    /// Whether some metric is per rank (then the row source joins `intervals`).
    var perRank: Bool { metrics.contains(where: \.isPerRank) }

    /// The row source: one row per task (or per task and rank) with its grouping columns, then
    /// its metric values — `SELECT g0, g1, …, v0, v1, … FROM tasks t JOIN … WHERE …` — and the
    /// values it binds. Standard SQL: the same text runs on SQLite and PostgreSQL (with `?`
    /// placeholders). Every join a metric needs is here, the intervals' among them, so a condition
    /// on the rows is one line.
    /// - Parameters:
    ///   - sweepID: only this sweep's tasks.
    ///   - keyed: instead of the grouping columns, one integer `k` (`groupKey`): the id of the
    ///     task's group values in the table `grp` (`groupedSQL`) times 2³², plus the interval's rank
    ///     when grouping by it; SQLite's join order is fixed (tasks, then their group, then the rest).
    func rowsSQL(sweepID: Int?, keyed: Bool = false) -> (text: String, values: [DatabaseValue]) {
        var values: [DatabaseValue] = []
        var columns: [String]
        var conditions: [String] = []
        let taskGroups = keyed && !taskColumns.isEmpty
        if keyed {
            let ranked = groupingColumns.contains(Self.intervalRankColumn)
            columns = [(taskGroups ? "g.gid * \(Self.groupKeyScale)" : "0") + (ranked ? " + i.rank" : "") + " AS k"]
            for (n, column) in taskColumns.enumerated() { conditions.append("g.c\(n) IS \(column.sql)") }
        } else {
            columns = groupingColumns.enumerated().map { n, name in
                (name == Self.intervalRankColumn ? "i.rank" : QueryColumn.named(name)!.sql) + " AS g\(n)"
            }
        }
        columns += metrics.enumerated().map { n, m in
            let (text, bound) = m.expression
            values += bound
            return text + " AS v\(n)"
        }
        var sql =
            "SELECT " + columns.joined(separator: ", ") + " FROM tasks t" + (taskGroups ? " CROSS JOIN grp g" : "")
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
            sql += (taskGroups ? " CROSS JOIN" : " JOIN") + " intervals i ON i.task_id = t.id AND i.measure = ?"
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

    /// The aggregates each metric needs from SQL, in select-list order: always the count, then
    /// what the statistics need (`ci95` needs the count, mean and standard deviation).
    var aggregates: [SQLAggregate] {
        var out: [SQLAggregate] = [.count]
        for s in statistics {
            let needed: [SQLAggregate]
            switch s {
            case .count: needed = []
            case .mean: needed = [.mean]
            case .std: needed = [.standardDeviation]
            case .min: needed = [.min]
            case .max: needed = [.max]
            case .median, .percentile: needed = [.percentile(s.percentile!)]
            case .ci95: needed = [.mean, .standardDeviation]
            }
            for a in needed where !out.contains(a) { out.append(a) }
        }
        return out
    }

    /// The query for SQLite: the row source grouped by hashing, in the registered aggregate
    /// `group_statistics` (`Connection.registerAggregates`), one call per metric, each giving every
    /// group's `aggregates` in one BLOB (`GroupStatistics`); and the values it binds:
    /// `WITH grp AS MATERIALIZED (SELECT d.*, row_number() OVER () AS gid FROM (SELECT DISTINCT
    /// c0, … FROM tasks t) d), st AS MATERIALIZED (SELECT group_statistics(s.k, s.v0, ?) AS b0, …
    /// FROM (rows) s) SELECT NULL, NULL, …, st.b0, … FROM st UNION ALL SELECT grp.gid, grp.c0, …,
    /// NULL, … FROM grp`. The answer's rows are the BLOBs (a NULL `gid`) and the numbered group
    /// values of the task columns (`grp`, a few hundred rows from one pass over the tasks; absent
    /// when no task column is grouped by); `groupKey` splits a key back into its parts.
    ///
    /// SQLite 3.40 groups by sorting every row; grouped by hashing, a query over 1M interval rows
    /// by depth, alpha and rank took 0.31 CPU seconds instead of 0.70 (the whole `dmfsweep query`
    /// process, best of 3, load average 2–3; docs/summary-store.md).
    func groupedSQL(sweepID: Int?) -> (text: String, values: [DatabaseValue]) {
        let specification = DatabaseValue.text(SQLAggregate.specification(aggregates))
        var values: [DatabaseValue] = []
        var sql = "WITH "
        if !taskColumns.isEmpty {
            let distinct = taskColumns.enumerated().map { n, c in "\(c.sql) AS c\(n)" }.joined(separator: ", ")
            sql += "grp AS MATERIALIZED (SELECT d.*, row_number() OVER () AS gid FROM (SELECT DISTINCT "
            sql += distinct + " FROM tasks t) d), "
        }
        let blobs = metrics.indices.map { m in
            values.append(specification)
            return "\(GroupStatistics.functionName)(s.k, s.v\(m), ?) AS b\(m)"
        }
        let (rows, bound) = rowsSQL(sweepID: sweepID, keyed: true)
        values += bound
        sql += "st AS MATERIALIZED (SELECT " + blobs.joined(separator: ", ") + " FROM (" + rows + ") s) "
        let nulls = { (n: Int) in Array(repeating: "NULL", count: n) }
        sql += "SELECT " + (nulls(1 + taskColumns.count) + metrics.indices.map { "st.b\($0)" }).joined(separator: ", ")
        sql += " FROM st"
        if !taskColumns.isEmpty {
            let columns = ["grp.gid"] + taskColumns.indices.map { "grp.c\($0)" } + nulls(metrics.count)
            sql += " UNION ALL SELECT " + columns.joined(separator: ", ") + " FROM grp"
        }
        return (sql, values)
    }

    /// Keys of `groupedSQL`: the group id of the task columns times this, plus the interval's rank.
    static let groupKeyScale: Int64 = 1 << 32

    /// The parts of a `groupedSQL` key: the id of the task columns' values in `grp` (0 when no
    /// task column is grouped by) and the interval's rank (when grouping by it).
    func groupKey(_ key: Int64) -> (group: Int64, rank: Int64?) {
        let ranked = groupingColumns.contains(Self.intervalRankColumn)
        return (key / Self.groupKeyScale, ranked ? key % Self.groupKeyScale : nil)
    }

    /// The query for PostgreSQL: a hash aggregation collects each group's values of each metric
    /// (`array_agg`), and the statistics of each array are computed by the ordered aggregates over
    /// its elements: `SELECT a.g0, …, st0.*, … FROM (SELECT s.g0, …, array_agg(s.v0) AS a0, …
    /// FROM (rows) s GROUP BY s.g0, …) a CROSS JOIN LATERAL (SELECT count(x), avg(x ORDER BY x),
    /// … FROM unnest(a.a0) x) st0 …`.
    ///
    /// The ordered aggregates would otherwise make PostgreSQL group by sorting all rows (it hashes
    /// only aggregates without ORDER BY), and that sort of 1M rows by (depth, alpha, rank) was most
    /// of 2.3–2.9 s; grouped by hashing, each group's values are sorted on their own: 0.85–0.97 s
    /// for the same 1M interval rows (psql, load average 6).
    func arraySQL(sweepID: Int?) -> (text: String, values: [DatabaseValue]) {
        let groups = groupingColumns.indices.map { "s.g\($0)" }
        let arrays = metrics.indices.map { "array_agg(s.v\($0)) AS a\($0)" }
        let (rows, rowValues) = rowsSQL(sweepID: sweepID)
        var values = rowValues
        var sql = "SELECT " + (groupingColumns.indices.map { "a.g\($0), " }.joined())
        sql += metrics.indices.map { "st\($0).*" }.joined(separator: ", ")
        sql += " FROM (SELECT " + (groups + arrays).joined(separator: ", ") + " FROM (" + rows + ") s"
        if !groups.isEmpty { sql += " GROUP BY " + groups.joined(separator: ", ") }
        sql += ") a"
        let needed = aggregates
        for m in metrics.indices {
            var columns: [String] = []
            for (k, a) in needed.enumerated() {
                let (text, bound) = a.postgresSQL("x")
                columns.append(text + " AS s\(k)")
                values += bound
            }
            sql += " CROSS JOIN LATERAL (SELECT " + columns.joined(separator: ", ") + " FROM unnest(a.a\(m)) x) st\(m)"
        }
        return (sql, values)
    }
}

extension AggregateQuery {
    /// The grouping columns that are the task's (parameters and outcome columns), not the interval's rank.
    var taskColumns: [QueryColumn] {
        groupingColumns.filter { $0 != Self.intervalRankColumn }.map { QueryColumn.named($0)! }
    }
}

/// An aggregate function over one metric's values in a group, as the query's SQL computes it.
enum SQLAggregate: Hashable {
    case count
    case mean
    case standardDeviation
    case min
    case max
    /// The p-th percentile, 0 ≤ p ≤ 100.
    case percentile(Double)

    /// PostgreSQL's aggregate over `column` and the values it binds: the mean and the standard
    /// deviation over the values in ascending order, the percentile at a bound fraction (p/100)
    /// (what `group_statistics` computes on SQLite: `Connection.registerAggregates`).
    func postgresSQL(_ column: String) -> (text: String, values: [DatabaseValue]) {
        switch self {
        case .count: return ("count(\(column))", [])
        case .mean: return ("avg(\(column) ORDER BY \(column))", [])
        case .standardDeviation: return ("stddev_samp(\(column) ORDER BY \(column))", [])
        case .min: return ("min(\(column))", [])
        case .max: return ("max(\(column))", [])
        case .percentile(let p):
            return ("percentile_cont(CAST(? AS DOUBLE PRECISION)) WITHIN GROUP (ORDER BY \(column))", [.real(p / 100)])
        }
    }

    /// The text `group_statistics` takes for `aggregates`: their names joined by commas
    /// (`count,mean,std,min,max,p50.0`), a percentile as `p` and p's shortest exact decimal form.
    static func specification(_ aggregates: [SQLAggregate]) -> String {
        aggregates.map { a in
            switch a {
            case .count: return "count"
            case .mean: return "mean"
            case .standardDeviation: return "std"
            case .min: return "min"
            case .max: return "max"
            case .percentile(let p): return "p\(p)"
            }
        }.joined(separator: ",")
    }

    /// The aggregates of a `specification` text; `nil` for an unknown name.
    static func statistics(specification: String) -> [SQLAggregate]? {
        var out: [SQLAggregate] = []
        for name in specification.split(separator: ",") {
            switch name {
            case "count": out.append(.count)
            case "mean": out.append(.mean)
            case "std": out.append(.standardDeviation)
            case "min": out.append(.min)
            case "max": out.append(.max)
            default:
                guard name.first == "p", let p = Double(name.dropFirst()) else { return nil }
                out.append(.percentile(p))
            }
        }
        return out
    }
}
