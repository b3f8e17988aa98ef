import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// Several metrics, chosen statistics, percentiles, pivots, sorting, limits and `--where` with
/// IN/OR: every figure checked against a recomputation from the values the test itself wrote.
@Suite struct QueryStatisticsTests {
    /// A store of depths 2…4 × alphas × 7 seeds; some tasks failed, some never ran.
    /// Returns every task with its result (nil when it has none).
    private func populated() throws -> (TemporaryDirectory, SummaryStore, [(SweepTask, SimulationResult?)]) {
        let (dir, store) = try Fixtures.store()
        let tasks = Fixtures.grid(depths: [2, 3, 4], alphas: [0.01, 0.03, 0.1], seeds: 7)
        try store.registerSweep(name: "main", spec: "", tasks: tasks)
        var rows: [(SweepTask, SimulationResult?)] = []
        var batch: [CompletedTask] = []
        var failures: [TaskFailure] = []
        for (i, task) in tasks.enumerated() {
            if i % 11 == 5 {
                failures.append(TaskFailure(key: task.key, error: "boom"))
                rows.append((task, nil))
            } else if i % 13 == 7 {
                rows.append((task, nil))
            } else {
                let r = Fixtures.result(seed: i * 7 % 23, status: i % 4 == 1 ? .diverged : .finished)
                batch.append(CompletedTask(key: task.key, result: r))
                rows.append((task, r))
            }
        }
        try store.recordResults(batch)
        try store.markFailed(failures)
        return (dir, store, rows)
    }

    /// The p-th percentile in R's type-7 form (1-based: j = ⌊np + 1 − p⌋, γ = np + 1 − p − j),
    /// written apart from the store's (0-based h = (n − 1)p) formula.
    private func rPercentile(_ values: [Double], _ percent: Double) -> Double {
        let x = values.sorted()
        let n = Double(x.count)
        let p = percent / 100
        let position = n * p + 1 - p
        let j = Int(position.rounded(.down))
        let gamma = position - Double(j)
        let lower = x[max(1, min(j, x.count)) - 1]
        let upper = x[max(1, min(j + 1, x.count)) - 1]
        return (1 - gamma) * lower + gamma * upper
    }

    private func close(_ a: DatabaseValue, _ b: Double?, _ tol: Double = 1e-9) -> Bool {
        guard let b else { return a.isNull }
        guard let a = a.doubleValue else { return false }
        return abs(a - b) <= tol * max(1, abs(b))
    }

    @Test func percentilesAreNumpysLinearInterpolation() {
        // numpy.percentile(…, [0, 25, 50, 90, 99.9, 100]) printed these (numpy 2.4).
        let four = [4.0, 2, 1, 3].sorted()
        let expected: [(Double, Double)] = [(0, 1), (25, 1.75), (50, 2.5), (90, 3.7), (99.9, 3.997), (100, 4)]
        for (p, v) in expected { #expect(abs(Statistic.percentileCont(p / 100, ofSorted: four) - v) < 1e-12, "p\(p)") }
        let eleven = [3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5].sorted()
        for (p, v) in [(10.0, 1.0), (50, 4), (90, 6), (99.9, 8.97)] {
            #expect(abs(Statistic.percentileCont(p / 100, ofSorted: eleven) - v) < 1e-12, "p\(p)")
        }
        #expect(Statistic.percentileCont(0.9, ofSorted: [7.0]) == 7)
    }

    /// `--metric interval.length,final_loss,seconds --stats count,mean,median,p10,p90,min,max,std
    /// --rank 2 --group-by depth`: each metric's own values (a task without a result has no
    /// final_loss but may have no interval either), each statistic recomputed.
    @Test func severalMetricsAndStatisticsMatchBruteForce() throws {
        let (_, store, rows) = try populated()
        let stats = try ["count", "mean", "median", "p10", "p90", "min", "max", "std"].map(Statistic.init(parsing:))
        let metrics = try ["interval.length", "final_loss", "seconds"].map(Metric.init(parsing:))
        let query = try AggregateQuery(groupBy: ["depth"], metrics: metrics, statistics: stats, rank: 2)
        let table = try store.aggregate(query)
        #expect(
            table.columns == ["depth"]
                + ["interval.length", "final_loss", "seconds"].flatMap { m in
                    ["count", "mean", "median", "p10", "p90", "min", "max", "std"].map { "\(m).\($0)" }
                })
        let cells = table.cells
        #expect(cells.map { $0[0] } == [.integer(2), .integer(3), .integer(4)])
        for row in cells {
            let depth = row[0].intValue!
            let done = rows.filter { $0.0.config.depth == depth }.compactMap(\.1)
            let columns: [[Double]] = [
                done.map { Double($0.intervals[1].length) }, done.compactMap(\.finalLoss), done.map(\.seconds),
            ]
            for (m, values) in columns.enumerated() {
                let at = 1 + m * stats.count
                let n = Double(values.count)
                let mean = values.reduce(0, +) / n
                let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
                #expect(row[at] == .integer(values.count))
                #expect(close(row[at + 1], mean))
                #expect(close(row[at + 2], rPercentile(values, 50)))
                #expect(close(row[at + 3], rPercentile(values, 10)))
                #expect(close(row[at + 4], rPercentile(values, 90)))
                #expect(close(row[at + 5], values.min()))
                #expect(close(row[at + 6], values.max()))
                #expect(close(row[at + 7], std))
            }
        }
    }

    /// `--group-by depth --pivot alpha --metric interval.length --rank 2 --stats median`: one
    /// row per depth, one column per alpha, each the median of that cell's values.
    @Test func pivotIsTheTextHeatmap() throws {
        let (_, store, rows) = try populated()
        let query = try AggregateQuery(
            groupBy: ["depth"], metrics: [Metric(parsing: "interval.length")], statistics: [.median], rank: 2,
            pivot: "alpha")
        let table = try store.aggregate(query)
        #expect(table.columns == ["depth", "alpha=0.01", "alpha=0.03", "alpha=0.1"])
        let cells = table.cells
        #expect(cells.count == 3)
        for row in cells {
            for (k, alpha) in [0.01, 0.03, 0.1].enumerated() {
                let values = rows.filter { $0.0.config.depth == row[0].intValue! && $0.0.config.alpha == alpha }
                    .compactMap(\.1).map { Double($0.intervals[1].length) }
                #expect(close(row[1 + k], rPercentile(values, 50)), "depth \(row[0]) alpha \(alpha)")
            }
        }
        // Pivoting on the interval's rank: columns r=1, r=2, r=3.
        let byRank = try store.aggregate(
            AggregateQuery(
                groupBy: ["alpha"], metrics: [Metric(parsing: "interval.target")], statistics: [.max], pivot: "r"))
        #expect(byRank.columns == ["alpha", "r=1", "r=2", "r=3"])
        #expect(byRank.cells.allSatisfy { close($0[2], 1.8) && close($0[3], 2.7) })
    }

    /// `--sort mean:desc --limit 4` over depth × alpha groups: the four largest means, largest first.
    @Test func sortAndLimitPickTheTopRows() throws {
        let (_, store, rows) = try populated()
        let query = try AggregateQuery(
            groupBy: ["depth", "alpha"], metrics: [Metric(parsing: "final_loss")], statistics: [.mean, .count],
            sort: AggregateQuery.Sort(parsing: "mean:desc"), limit: 4)
        let cells = try store.aggregate(query).cells
        var means: [(Int, Double, Double)] = []
        for d in [2, 3, 4] {
            for a in [0.01, 0.03, 0.1] {
                let v = rows.filter { $0.0.config.depth == d && $0.0.config.alpha == a }.compactMap(\.1?.finalLoss)
                means.append((d, a, v.reduce(0, +) / Double(v.count)))
            }
        }
        let top = means.sorted { $0.2 > $1.2 }.prefix(4)
        #expect(cells.count == 4)
        for (row, want) in zip(cells, top) {
            #expect(row[0] == .integer(want.0) && row[1] == .real(want.1))
            #expect(close(row[2], want.2))
        }
        let ascending = try store.aggregate(
            AggregateQuery(
                groupBy: ["depth"], metrics: [Metric(parsing: "final_loss")], statistics: [.max],
                sort: AggregateQuery.Sort(parsing: "max"))
        ).cells.map { $0[1].doubleValue! }
        #expect(ascending == ascending.sorted() && ascending.count == 3)
    }

    /// IN, NOT IN, OR, AND and parentheses select exactly the tasks the same predicate selects in Swift.
    @Test func whereSelectsWhatThePredicateSelects() throws {
        let (_, store, rows) = try populated()
        let cases: [(String, (SimulationConfig) -> Bool)] = [
            ("depth IN (2,4)", { $0.depth == 2 || $0.depth == 4 }),
            ("depth not in (2, 4)", { $0.depth == 3 }),
            ("depth=2 OR alpha>=0.1", { $0.depth == 2 || $0.alpha >= 0.1 }),
            ("depth=2 or alpha=0.1 and seed<3", { $0.depth == 2 || ($0.alpha == 0.1 && $0.seed < 3) }),
            ("(depth=2 OR alpha=0.1) AND seed<3", { ($0.depth == 2 || $0.alpha == 0.1) && $0.seed < 3 }),
            ("init IN (identity, gaussian)", { _ in true }),
            ("stop_loss IN (auto)", { $0.stopLoss == nil }),
            ("stop_loss NOT IN (auto)", { $0.stopLoss != nil }),
            ("spectrum=10,5,2.5 OR depth=3", { _ in true }),
            ("alpha IN (0.03, 0.1) AND (seed=1 OR seed=5)", { $0.alpha >= 0.03 && ($0.seed == 1 || $0.seed == 5) }),
            ("status IN (diverged, failed) OR path_used=full", { _ in false }),
        ]
        for (text, predicate) in cases {
            let query = try AggregateQuery(
                filters: [Filter(parsing: text)], metrics: [Metric(parsing: "steps")], statistics: [.count])
            let expected = rows.filter { $0.1 != nil && predicate($0.0.config) }.count
            let diverged = rows.filter { $0.1?.status == .diverged }.count
            #expect(
                try store.aggregate(query).rows[0].count == (text.hasPrefix("status") ? diverged : expected), "\(text)")
        }
    }

    @Test(arguments: [
        ("depth IN 2,3", QueryError.malformedWhere(text: "depth IN 2,3", reason: "expected '(' after IN")),
        ("depth IN (2,", QueryError.malformedWhere(text: "depth IN (2,", reason: "missing ')' after IN (")),
        ("depth IN (2,,3)", QueryError.malformedWhere(text: "depth IN (2,,3)", reason: "empty value in IN (…)")),
        ("(depth=2", QueryError.malformedWhere(text: "(depth=2", reason: "missing ')'")),
        (
            "depth=2) OR depth=3",
            QueryError.malformedWhere(text: "depth=2) OR depth=3", reason: "unexpected ') OR depth=3'")
        ),
        ("depth NOT 3", QueryError.malformedWhere(text: "depth NOT 3", reason: "expected IN after NOT")),
        ("depth IN (2, x)", QueryError.badValue(parameter: "depth", value: "x", expected: "an integer")),
        ("depth=2 OR", QueryError.malformedWhere(text: "depth=2 OR", reason: "no parameter name")),
        (
            "init IN (identity, eye)",
            QueryError.badValue(
                parameter: "init", value: "eye", expected: "one of identity|orthogonal|gaussian")
        ),
        (
            "spectrum IN (1,2)",
            QueryError.badOperator(
                parameter: "spectrum", op: "IN", reason: "a list takes only = and !=")
        ),
    ])
    func malformedInAndOrAreRejected(text: String, expected: QueryError) {
        #expect(throws: expected) { try Filter(parsing: text) }
    }

    @Test func badStatisticsPivotsAndSortsAreRejected() throws {
        #expect(throws: QueryError.unknownStatistic("p101")) { try Statistic(parsing: "p101") }
        #expect(throws: QueryError.unknownStatistic("average")) { try Statistic(parsing: "average") }
        #expect(throws: QueryError.unknownStatistic("p1e1")) { try Statistic(parsing: "p1e1") }
        #expect(try Statistic(parsing: "p99.9").columns == ["p99.9"])
        #expect(try Statistic(parsing: "P5").columns == ["p5"])
        let loss = try Metric(parsing: "final_loss")
        #expect(throws: QueryError.self) {
            try AggregateQuery(groupBy: ["depth"], metrics: [loss], statistics: [.mean, .median], pivot: "alpha")
        }
        #expect(throws: QueryError.self) {
            try AggregateQuery(groupBy: ["depth"], metrics: [loss], statistics: [.ci95], pivot: "alpha")
        }
        #expect(throws: QueryError.self) {
            try AggregateQuery(groupBy: ["alpha"], metrics: [loss], statistics: [.mean], pivot: "alpha")
        }
        #expect(throws: QueryError.unknownColumn(name: "alhpa", option: "--pivot", suggestion: "alpha")) {
            try AggregateQuery(metrics: [loss], statistics: [.mean], pivot: "alhpa")
        }
        #expect(throws: QueryError.unknownSortColumn(name: "median", columns: ["depth", "mean", "p90"])) {
            try AggregateQuery(
                groupBy: ["depth"], metrics: [loss], statistics: [.mean, .percentile(90)],
                sort: AggregateQuery.Sort(column: "median"))
        }
        #expect(throws: QueryError.self) { try AggregateQuery.Sort(parsing: "mean:down") }
        #expect(throws: QueryError.self) { try AggregateQuery(metrics: [loss, loss]) }
        #expect(throws: QueryError.needsRank(metric: "interval.length")) {
            try AggregateQuery(metrics: [loss, Metric(parsing: "interval.length")])
        }
    }
}
