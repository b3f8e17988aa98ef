import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// Aggregates computed in the database: SQLite's registered `group_statistics` gives PostgreSQL's built-ins' exact
/// doubles; a query prints the same table, CSV and JSON on both engines; the values agree with
/// numpy; a statistic does not depend on the order in which the rows were written.
@Suite struct AggregateSQLTests {
    /// Value sets with ties, NULLs, one value, no value, large offsets, cancelling sums, negative
    /// and tiny values, and a group larger than the aggregates' first buffer; keyed by group.
    static let valueSets: [[Double?]] = {
        var generator = SplitMix(seed: 2024)
        var sets: [[Double?]] = [
            [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5],
            [nil, 0.25, nil, 0.125, 0.5, nil, 0.25],
            [7.5],
            [nil, nil],
            [-2, 2],
            (0..<10).map { 1e8 + Double(9 - $0) / 8 },
            OrderIndependence.values,
            [0.0, 0.0, -1e-300, 1e-300, -3.5],
        ]
        sets.append((0..<10_001).map { _ in (generator.unit() - 0.3) * pow(10, 6 * generator.unit() - 3) })
        sets.append((0..<1_000).map { _ in Double(Int(generator.unit() * 20)) })
        return sets
    }()

    static let fractions = [0, 0.1, 0.25, 0.5, 0.9, 0.999, 1]

    /// Every statistic `AggregateQuery` asks for: the count, mean, standard deviation, min, max
    /// and the percentiles at `fractions`.
    static let statistics: [SQLAggregate] =
        [.count, .mean, .standardDeviation, .min, .max] + fractions.map { .percentile($0 * 100) }

    /// Each group's statistics of `x (g, v)`: SQLite's registered `group_statistics` (grouped by
    /// hashing, decoded from its BLOB), PostgreSQL's built-ins (`GROUP BY g`).
    static func groupStatistics(_ d: any DatabaseDriver, _ statistics: [SQLAggregate]) throws -> [[DatabaseValue]] {
        switch d.dialect.engine {
        case .sqlite:
            let blob = try d.scalar(
                "SELECT group_statistics(g, v, ?) FROM x", [.text(SQLAggregate.specification(statistics))])
            return try GroupStatistics.decode(blob ?? .null, statistics: statistics).map { group in
                [.integer(Int(group.key))] + statistics.map { group.cells[$0]! }
            }
        case .postgresql:
            var values: [DatabaseValue] = []
            let columns = statistics.map { a in
                let (text, bound) = a.postgresSQL("v")
                values += bound
                return text
            }
            let sql = "SELECT g, " + columns.joined(separator: ", ") + " FROM x GROUP BY g ORDER BY g"
            return try d.rows(sql, values).map(\.values)
        }
    }

    /// SQLite's `group_statistics` and PostgreSQL's built-ins give bit-identical results for
    /// every value set and fraction (rows written in a shuffled order).
    @Test func sqliteAggregatesEqualPostgresBuiltIns() throws {
        var results: [[[DatabaseValue]]] = []
        for engine in StoreEngine.allCases {
            let db = try EngineDatabase(engine)
            let d = db.driver
            try d.run("CREATE TABLE x (g \(d.dialect.integer), v \(d.dialect.real))", [])
            var rows: [[DatabaseValue]] = []
            for (g, set) in Self.valueSets.enumerated() {
                for v in set { rows.append([.integer(g), v.map(DatabaseValue.real) ?? .null]) }
            }
            var generator = SplitMix(seed: 7)
            rows.shuffle(using: &generator)
            try d.inTransaction { () throws(StoreError) in
                for row in rows { try d.run("INSERT INTO x (g, v) VALUES (?, ?)", row) }
            }
            results.append(try Self.groupStatistics(d, Self.statistics))
        }
        #expect(results[0].count == Self.valueSets.count)
        #expect(results[0].count == results[1].count)
        for (a, b) in zip(results[0], results[1]) {
            #expect(a == b, "group \(a[0]): SQLite \(a) PostgreSQL \(b)")
        }
        // Spot checks: one value has no standard deviation; no values give NULL everywhere but the count.
        #expect(
            results[0][2].dropFirst() == [.integer(1), .real(7.5), .null, .real(7.5), .real(7.5)]
                + Array(repeating: .real(7.5), count: 7))
        #expect(results[0][3].dropFirst() == [.integer(0)] + Array(repeating: .null, count: 11))
    }

    /// Finite values whose sum overflows fail on both engines (mean and standard deviation); a
    /// fraction outside [0, 1] fails on SQLite as on PostgreSQL; the largest value is its own median.
    @Test(arguments: StoreEngine.allCases) func overflowAndBadFractionsFail(engine: StoreEngine) throws {
        let db = try EngineDatabase(engine)
        let d = db.driver
        try d.run("CREATE TABLE x (g \(d.dialect.integer), v \(d.dialect.real))", [])
        try d.run("INSERT INTO x (g, v) VALUES (1, ?), (1, ?)", [.real(1.7e308), .real(1.7e308)])
        #expect(throws: StoreError.self) { try Self.groupStatistics(d, [.count, .mean]) }
        #expect(throws: StoreError.self) { try Self.groupStatistics(d, [.count, .standardDeviation]) }
        #expect(throws: StoreError.self) { try Self.groupStatistics(d, [.count, .percentile(150)]) }
        #expect(
            try Self.groupStatistics(d, [.count, .percentile(50)]) == [[.integer(1), .integer(2), .real(1.7e308)]])
    }

    /// `group_statistics` refuses a statistics text it does not know, in one line, and without
    /// rows gives no groups (the store then answers one empty group when nothing is grouped, as SQL does).
    @Test func groupStatisticsRefusesUnknownStatistics() throws {
        let db = try EngineDatabase(.sqlite)
        let d = db.driver
        try d.run("CREATE TABLE x (g INTEGER, v REAL)", [])
        #expect(
            try d.scalar("SELECT group_statistics(g, v, 'count') FROM x", []).map {
                try GroupStatistics.decode($0, statistics: [.count])
            }?.isEmpty == true)
        try d.run("INSERT INTO x (g, v) VALUES (1, 2.0)", [])
        #expect(throws: StoreError.self) { try d.scalar("SELECT group_statistics(g, v, 'count,mode') FROM x", []) }
        #expect(try d.scalar("SELECT group_statistics(g, v, 'count') FROM x", []) != nil)
    }

    /// `--metric final_loss,interval.length --rank 1 --group-by depth` with every statistic: the
    /// same table, CSV and JSON text on both engines, and every value as numpy computes it.
    @Test func bothEnginesPrintTheSameNumbersAsNumpy() throws {
        let stats = try ["count", "mean", "std", "min", "max", "median", "p10", "p90", "ci95"]
            .map(Statistic.init(parsing:))
        let query = try AggregateQuery(
            groupBy: ["depth"], metrics: [Metric(parsing: "final_loss"), Metric(parsing: "interval.length")],
            statistics: stats, rank: 1)
        var printed: [[String]] = []
        var written: [Int: [String: [Double]]] = [:]
        for engine in StoreEngine.allCases {
            let (keep, store) = try Fixtures.store(engine: engine)
            defer { withExtendedLifetime(keep) {} }
            written = try OrderIndependence.write(Self.valueSets.prefix(8).map { $0 }, into: store, shuffle: 3)
            let table = try store.aggregate(query)
            printed.append(
                OutputFormat.allCases.map { format in
                    var text = ""
                    var writer = TableWriter(columns: table.columns, format: format) { text += $0 }
                    for row in table.cells { writer.add(row) }
                    writer.finish()
                    return text
                })
        }
        #expect(printed[0] == printed[1])
        // numpy's figures from the values this test wrote (CSV columns: depth, then per metric the statistics).
        let expected = try Numpy.statistics(written)
        let lines = printed[0][OutputFormat.allCases.firstIndex(of: .csv)!].split(separator: "\n").dropFirst()
        #expect(lines.count == 8)
        for line in lines {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let depth = Int(cells[0])!
            for (m, metric) in ["final_loss", "interval.length"].enumerated() {
                let want = expected["\(depth)"]![metric]!
                let names = ["count", "mean", "std", "min", "max", "median", "p10", "p90", "ci95_low", "ci95_high"]
                for (k, name) in names.enumerated() {
                    let got = Double(cells[1 + m * names.count + k])
                    // The cancelling set's mean (and with it std and ci95) depends on the order of the
                    // sum: numpy sums pairwise, the engines in ascending order; only order-free figures compare.
                    if depth == 8, metric == "final_loss", ["mean", "std", "ci95_low", "ci95_high"].contains(name) {
                        continue
                    }
                    let tolerance = name.hasPrefix("ci95") ? 1e-6 : 1e-12
                    switch want[name] {
                    case .some(let v):
                        #expect(
                            got != nil && abs(got! - v) <= tolerance * max(1, abs(v)),
                            "depth \(depth) \(metric) \(name): \(String(describing: got)) vs numpy \(v)")
                    case .none:
                        #expect(got == nil, "depth \(depth) \(metric) \(name): \(String(describing: got)), numpy none")
                    }
                }
            }
        }
    }

    /// The same values written in different orders give bit-identical statistics on each engine
    /// (while a running sum of them differs between those orders), and the mean and standard
    /// deviation of 1e8 + k/8 are exact, where Σv² − n·mean² would lose every digit.
    @Test(arguments: StoreEngine.allCases) func statisticsDoNotDependOnRowOrder(engine: StoreEngine) throws {
        let query = try AggregateQuery(
            groupBy: ["depth"], metrics: [Metric(parsing: "final_loss")],
            statistics: [.count, .mean, .std, .median, .percentile(90), .ci95])
        var tables: [AggregateTable] = []
        var differentSums = 0
        for shuffle in 0..<(engine == .sqlite ? 8 : 3) {
            let (keep, store) = try Fixtures.store(engine: engine)
            defer { withExtendedLifetime(keep) {} }
            let written = try OrderIndependence.write(
                [OrderIndependence.values, (0..<10).map { 1e8 + Double($0) / 8 }], into: store, shuffle: shuffle)
            let order = written[2]!["order"]!
            if order.reduce(0, +) != OrderIndependence.values.reduce(0, +) { differentSums += 1 }
            tables.append(try store.aggregate(query))
        }
        #expect(differentSums > 0)
        for table in tables.dropFirst() { #expect(table == tables[0]) }
        let offset = tables[0].rows[1].summaries[0]
        #expect(offset.mean == 1e8 + 0.5625)
        #expect(abs(offset.std! - (55.0 / 6.0).squareRoot() / 8) < 1e-12)
    }

    /// The query groups in the database on both engines (one statement, grouped by hashing, the
    /// statistics computed there), not in Swift.
    @Test func theQueryGroupsInSQL() throws {
        let query = try AggregateQuery(
            groupBy: ["depth", "r"], metrics: [Metric(parsing: "interval.length")],
            statistics: [.mean, .median, .ci95])
        // SQLite: one integer per task group and rank, hashed by `group_statistics` (`groupedSQL`).
        let sqlite = query.groupedSQL(sweepID: 1)
        #expect(sqlite.text.contains("g.gid * 4294967296 + i.rank AS k"))
        #expect(sqlite.text.contains("group_statistics(s.k, s.v0, ?) AS b0") && !sqlite.text.contains("GROUP BY"))
        #expect(sqlite.values.first == .text("count,mean,p50.0,std"))
        let byRank = try AggregateQuery(groupBy: ["r"], metrics: [Metric(parsing: "interval.length")])
        #expect(byRank.groupedSQL(sweepID: nil).text.contains("SELECT 0 + i.rank AS k"))
        #expect(query.groupKey(3 * 4_294_967_296 + 2) == (3, 2))
        // PostgreSQL: grouped by hashing, each group's array of values aggregated in order (`arraySQL`).
        let postgres = query.arraySQL(sweepID: 1).text
        #expect(postgres.contains("array_agg(s.v0) AS a0") && postgres.contains(" GROUP BY s.g0, s.g1) a"))
        #expect(postgres.contains("avg(x ORDER BY x)") && postgres.contains("stddev_samp(x ORDER BY x)"))
        #expect(postgres.contains("WITHIN GROUP (ORDER BY x)") && postgres.contains("FROM unnest(a.a0) x) st0"))
    }
}

/// Values whose floating-point sum depends on the order of addition, and a writer of value sets
/// into a store as `final_loss` (one depth per set, NULL for `nil`).
enum OrderIndependence {
    static let values: [Double] = [
        1.1243878333672532e-05, 3.7496100824329945e-05, 2.339362324521488e-08, 1e-3, 7.3e-9, 0.1, 1e16, -1e16,
        3.3, 2.2e-7, 5.5e-12, 1.0 / 3.0,
    ]

    /// Writes set k as the `final_loss` of tasks of depth k + 2 (interval lengths from
    /// `Fixtures.result`), in an order shuffled by `shuffle`, plus one failed task in the first set.
    /// - Returns: per depth, the values written (`final_loss`, `interval.length`; NULLs left out)
    ///   and under `order` the final losses in the order they were written.
    static func write(_ sets: [[Double?]], into store: SummaryStore, shuffle: Int) throws -> [Int: [String: [Double]]] {
        var tasks: [(SweepTask, SimulationResult?)] = []
        for (k, set) in sets.enumerated() {
            for (i, v) in set.enumerated() {
                let task = Fixtures.task(k * 100_000 + i, depth: k + 2, alpha: 0.01, seed: UInt64(i))
                var result = Fixtures.result(seed: k * 31 + i)
                result.finalLoss = v ?? .nan
                tasks.append((task, result))
            }
        }
        tasks.append((Fixtures.task(99_999, depth: 2, alpha: 0.01, seed: 999), nil))
        var generator = SplitMix(seed: UInt64(shuffle))
        if shuffle > 0 { tasks.shuffle(using: &generator) }
        try store.registerSweep(name: "s", spec: "", tasks: tasks.map(\.0))
        try store.recordResults(tasks.compactMap { t, r in r.map { CompletedTask(key: t.key, result: $0) } })
        try store.markFailed(tasks.filter { $0.1 == nil }.map { TaskFailure(key: $0.0.key, error: "boom") })
        var written: [Int: [String: [Double]]] = [:]
        for (task, result) in tasks {
            guard let result else { continue }
            let depth = task.config.depth
            if result.finalLoss.isFinite {
                written[depth, default: [:]]["final_loss", default: []].append(result.finalLoss)
                written[depth, default: [:]]["order", default: []].append(result.finalLoss)
            }
            written[depth, default: [:]]["interval.length", default: []].append(Double(result.intervals[0].length))
        }
        return written
    }
}

/// numpy's statistics (run in the benchmark venv, Benchmarks/python-env.sh).
enum Numpy {
    /// Per depth and metric: count, mean, std (ddof 1), min, max, median, p10, p90 (numpy's
    /// default linear percentiles) and ci95 from published t quantiles; absent where undefined.
    static func statistics(_ written: [Int: [String: [Double]]]) throws -> [String: [String: [String: Double]]] {
        let python = try TestPaths.benchmarkPython()
        let input = try JSONSerialization.data(
            withJSONObject: Dictionary(uniqueKeysWithValues: written.map { ("\($0.key)", $0.value) }))
        let script = """
            import json, sys, numpy as np
            # t(0.975, nu), nu = 1..12 (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2)
            t = [12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
                 2.262157, 2.228139, 2.200985, 2.178813]
            out = {}
            for depth, metrics in json.load(sys.stdin).items():
                out[depth] = {}
                for name in ["final_loss", "interval.length"]:
                    v = np.array(metrics.get(name, []), dtype=np.float64)
                    s = {"count": float(len(v))}
                    if len(v):
                        s.update(mean=float(np.mean(v)), min=float(v.min()), max=float(v.max()),
                                 median=float(np.percentile(v, 50)), p10=float(np.percentile(v, 10)),
                                 p90=float(np.percentile(v, 90)))
                    if len(v) > 1:
                        s["std"] = float(np.std(v, ddof=1))
                        half = t[len(v) - 2] * s["std"] / np.sqrt(len(v))
                        s["ci95_low"], s["ci95_high"] = s["mean"] - half, s["mean"] + half
                    out[depth][name] = s
            print(json.dumps(out))
            """
        let run = try runProcess(
            ["-c", script], executable: URL(fileURLWithPath: python), stdin: String(decoding: input, as: UTF8.self),
            timeout: 300)
        try #require(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        return try #require(object as? [String: [String: [String: Double]]])
    }
}

/// A small seeded generator (SplitMix64), so the tests' data are the same in every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
