import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// Aggregates checked against a brute-force computation over the values the test itself wrote.
@Suite struct QueryTests {
    /// A store with 2 sweeps; returns every task with its result (nil for failed / not run).
    private func populated() throws -> (TemporaryDirectory, SummaryStore, [(SweepTask, SimulationResult?, Bool)]) {
        let (dir, store) = try Fixtures.store()
        let tasks = Fixtures.grid(depths: [2, 3, 4], alphas: [0.01, 0.1], seeds: 5)
        try store.registerSweep(name: "main", spec: "", tasks: tasks)
        let other = Fixtures.grid(depths: [5], alphas: [0.01], seeds: 3, base: 1000)
        try store.registerSweep(name: "other", spec: "", tasks: other)
        var rows: [(SweepTask, SimulationResult?, Bool)] = []
        var batch: [CompletedTask] = []
        var failures: [TaskFailure] = []
        for (i, task) in (tasks + other).enumerated() {
            if i % 11 == 5 {
                failures.append(TaskFailure(key: task.key, error: "boom"))
                rows.append((task, nil, true))
            } else if i % 13 == 7 {
                rows.append((task, nil, false))  // never ran
            } else {
                let status: RunStatus = i % 4 == 1 ? .diverged : (i % 5 == 2 ? .converged : .finished)
                let r = Fixtures.result(seed: i, status: status)
                batch.append(CompletedTask(key: task.key, result: r))
                rows.append((task, r, false))
            }
        }
        try store.recordResults(batch)
        try store.markFailed(failures)
        return (dir, store, rows)
    }

    /// count, mean, two-pass sample std, min, max.
    private func stats(_ values: [Double]) -> (Int, Double, Double?, Double, Double) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let std =
            values.count > 1 ? (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot() : nil
        return (values.count, mean, std, values.min()!, values.max()!)
    }

    private func close(_ a: Double?, _ b: Double?, _ tol: Double = 1e-9) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= tol * max(1, abs(b))
    }

    /// `status` and `path_used` filter and group like parameters: "mean final_loss without the
    /// diverged runs", "outcomes by path that ran".
    @Test func outcomeColumnsFilterAndGroup() throws {
        let (_, store, rows) = try populated()
        let notDiverged = try store.aggregate(
            AggregateQuery(
                sweep: "main", filters: [try Filter(parsing: "status!=diverged")], groupBy: ["depth"],
                metric: Metric(parsing: "final_loss")))
        var byDepth: [Int: [Double]] = [:]
        for (task, result, _) in rows where task.config.depth != 5 {
            guard let result, result.status != .diverged else { continue }
            byDepth[task.config.depth, default: []].append(result.finalLoss)
        }
        #expect(notDiverged.rows.count == 3)
        for row in notDiverged.rows {
            let values = try #require(byDepth[row.group[0].intValue!])
            let (n, mean, _, _, _) = stats(values)
            #expect(row.count == n && close(row.mean, mean))
        }
        // Grouped by outcome: one group per status, counting its tasks (failed ones included).
        let byStatus = try store.aggregate(
            AggregateQuery(groupBy: ["status"], metric: Metric(parsing: "status.failed")))
        var expected: [String: Int] = [:]
        for (_, result, failed) in rows {
            if let result {
                expected[result.status.rawValue, default: 0] += 1
            } else if failed {
                expected["failed", default: 0] += 1
            }
        }
        let got = Dictionary(
            uniqueKeysWithValues: byStatus.rows.map { row -> (String, Int) in
                guard case .text(let s) = row.group[0] else { return ("?", -1) }
                return (s, row.count)
            })
        #expect(got == expected)
        #expect(byStatus.rows.first { $0.group[0] == .text("failed") }?.mean == 1)
        // The path that ran, not the one requested (every fixture result ran spectral, asked auto).
        let spectral = try store.aggregate(
            AggregateQuery(filters: [try Filter(parsing: "path_used=spectral")], metric: Metric(parsing: "steps")))
        #expect(spectral.rows.first?.count == rows.filter { $0.1 != nil }.count)
        let full = try store.aggregate(
            AggregateQuery(filters: [try Filter(parsing: "path-used=full")], metric: Metric(parsing: "steps")))
        #expect(full.rows.first?.count == 0)
        let raw = try store.rawCount(RawQuery(filters: [try Filter(parsing: "status=diverged")]))
        #expect(raw == rows.filter { $0.1?.status == .diverged }.count)
        #expect(
            throws: QueryError.badValue(
                parameter: "status", value: "exploded",
                expected: "one of finished|converged|diverged|failed|pending|running")
        ) {
            try Filter(parsing: "status=exploded")
        }
        #expect(throws: QueryError.badOperator(parameter: "path_used", op: "<", reason: "it takes only = and !=")) {
            try Filter(parsing: "path_used<full")
        }
    }

    @Test func intervalLengthByDepthAndAlphaMatchesBruteForce() throws {
        let (_, store, rows) = try populated()
        let q = try AggregateQuery(
            sweep: "main", filters: [try Filter(parsing: "seed<4")], groupBy: ["depth", "alpha"],
            metric: Metric(parsing: "interval.length"), rank: 2)
        let table = try store.aggregate(q)
        var groups: [String: [Double]] = [:]
        for (task, result, _) in rows where task.config.depth != 5 && task.config.seed < 4 {
            guard let result, let iv = result.intervals.first(where: { $0.rank == 2 }) else { continue }
            groups["\(task.config.depth)|\(task.config.alpha)", default: []].append(Double(iv.length))
        }
        #expect(table.rows.count == groups.count)
        #expect(table.rows.count == 6)
        for row in table.rows {
            let key = "\(row.group[0].intValue!)|\(row.group[1].doubleValue!)"
            let values = try #require(groups[key])
            let (n, mean, std, lo, hi) = stats(values)
            #expect(row.count == n)
            #expect(close(row.mean, mean) && close(row.std, std) && row.min == lo && row.max == hi)
            if let std {
                let half = StudentT.quantile(0.975, degreesOfFreedom: Double(n - 1)) * std / Double(n).squareRoot()
                #expect(close(row.ciLow, mean - half) && close(row.ciHigh, mean + half))
            }
        }
        // Groups come ordered by depth, then alpha.
        #expect(table.rows.map { $0.group[0].intValue! } == [2, 2, 3, 3, 4, 4])
    }

    @Test(arguments: ["final_loss", "seconds", "steps", "interval.start", "predicted.end"])
    func wholeStoreMetricMatchesBruteForce(name: String) throws {
        let (_, store, rows) = try populated()
        let metric = try Metric(parsing: name)
        let table = try store.aggregate(try AggregateQuery(metric: metric, rank: metric.isPerRank ? 3 : nil))
        var values: [Double] = []
        for case (_, let r?, _) in rows {
            switch name {
            case "final_loss": values.append(r.finalLoss)
            case "seconds": values.append(r.seconds)
            case "steps": values.append(Double(r.steps))
            case "interval.start": if let s = r.intervals[2].start { values.append(Double(s)) }
            default: if let e = r.predicted[2].end { values.append(e) }
            }
        }
        let row = try #require(table.rows.first)
        #expect(table.rows.count == 1)
        if values.isEmpty {
            #expect(row.count == 0 && row.mean == nil)  // predicted.end of the last rank is always open
        } else {
            let (n, mean, std, lo, hi) = stats(values)
            #expect(row.count == n && close(row.mean, mean) && close(row.std, std) && row.min == lo && row.max == hi)
        }
    }

    @Test func statusFractionsCountFailedTasksAsOutcomes() throws {
        let (_, store, rows) = try populated()
        for status in ["diverged", "converged", "finished", "failed"] {
            let table = try store.aggregate(
                try AggregateQuery(groupBy: ["depth"], metric: Metric(parsing: "status." + status)))
            for row in table.rows {
                let depth = row.group[0].intValue!
                let outcomes = rows.filter { $0.0.config.depth == depth && ($0.1 != nil || $0.2) }
                let hits = outcomes.filter { $0.1?.status.rawValue == status || (status == "failed" && $0.2) }
                #expect(row.count == outcomes.count)
                #expect(close(row.mean, Double(hits.count) / Double(outcomes.count)))
            }
        }
    }

    @Test func groupByRankCoversEveryRank() throws {
        let (_, store, rows) = try populated()
        let table = try store.aggregate(
            try AggregateQuery(sweep: "other", groupBy: ["r"], metric: Metric(parsing: "interval.target")))
        #expect(table.columns.first == "r")
        #expect(table.rows.map { $0.group[0].intValue! } == [1, 2, 3])
        // `rank` is the parameter (rank of a generated spectrum): unset here, one NULL group.
        let byParameter = try store.aggregate(try AggregateQuery(groupBy: ["rank"], metric: Metric(parsing: "steps")))
        #expect(byParameter.rows.map(\.group) == [[.null]])
        #expect(byParameter.rows.first?.count == rows.filter { $0.1 != nil }.count)
        let done = rows.filter { $0.0.config.depth == 5 && $0.1 != nil }.count
        for row in table.rows {
            #expect(row.count == done)
            #expect(close(row.mean, Double(row.group[0].intValue!) * 0.9))
        }
    }

    @Test func filtersAreTypedAndBound() throws {
        let (_, store, rows) = try populated()
        func count(_ wheres: [String]) throws -> Int {
            let q = try AggregateQuery(
                filters: wheres.map { try Filter(parsing: $0) }, metric: Metric(parsing: "steps"))
            return try store.aggregate(q).rows.first?.count ?? 0
        }
        let done = rows.filter { $0.1 != nil }
        #expect(
            try count(["depth>=3", "alpha = 0.1"])
                == done.filter { $0.0.config.depth >= 3 && $0.0.config.alpha == 0.1 }.count)
        #expect(try count(["depth!=2"]) == done.filter { $0.0.config.depth != 2 }.count)
        #expect(try count(["stop_loss=auto"]) == done.filter { $0.0.config.stopLoss == nil }.count)
        #expect(try count(["stop-loss=1e-12"]) == done.filter { $0.0.config.stopLoss == 1e-12 }.count)
        #expect(try count(["init=identity", "spectrum=10,5,2.5"]) == done.count)
        #expect(try count(["spectrum=[10, 5]"]) == 0)
        // An injection attempt is just a wrong value for a choice (OR is a keyword: the value ends before it).
        #expect(
            throws: QueryError.badValue(
                parameter: "init", value: "identity'", expected: "one of identity|orthogonal|gaussian")
        ) {
            try Filter(parsing: "init=identity' OR 1=1 --")
        }
    }

    @Test(arguments: [
        ("depth", QueryError.malformedWhere(text: "depth", reason: "no operator after 'depth'")),
        ("depth>=", QueryError.malformedWhere(text: "depth>=", reason: "no value after '>='")),
        ("depth=>3", QueryError.malformedWhere(text: "depth=>3", reason: "unknown operator '=>'")),
        (">=3", QueryError.malformedWhere(text: ">=3", reason: "no parameter name")),
        ("dpeth>=3", QueryError.unknownColumn(name: "dpeth", option: "--where", suggestion: "depth")),
        ("depth>=3.5", QueryError.badValue(parameter: "depth", value: "3.5", expected: "an integer")),
        ("alpha<small", QueryError.badValue(parameter: "alpha", value: "small", expected: "a finite number")),
        ("init<identity", QueryError.badOperator(parameter: "init", op: "<", reason: "a choice takes only = and !=")),
        ("n>auto", QueryError.badOperator(parameter: "n", op: ">", reason: "'auto' takes only = and !=")),
    ])
    func malformedWheresAreRejected(text: String, expected: QueryError) {
        #expect(throws: expected) { try Filter(parsing: text) }
    }

    @Test func badQueriesAreRejected() throws {
        #expect(throws: QueryError.unknownMetric(name: "interval.lenght", suggestion: "interval.length")) {
            try Metric(parsing: "interval.lenght")
        }
        #expect(throws: QueryError.unknownMetric(name: "loss", suggestion: nil)) { try Metric(parsing: "loss") }
        let length = try Metric(parsing: "interval.length")
        #expect(throws: QueryError.needsRank(metric: "interval.length")) { try AggregateQuery(metric: length) }
        #expect(throws: QueryError.rankNotApplicable(metric: "final_loss")) {
            try AggregateQuery(metric: Metric(parsing: "final_loss"), rank: 1)
        }
        #expect(throws: QueryError.self) { try AggregateQuery(groupBy: ["r"], metric: Metric(parsing: "steps")) }
        #expect(throws: QueryError.unknownColumn(name: "alhpa", option: "--group-by", suggestion: "alpha")) {
            try AggregateQuery(groupBy: ["alhpa"], metric: length, rank: 1)
        }
    }

    @Test func studentQuantilesMatchPublishedTables() {
        // Two-sided 95% critical values from standard t tables.
        let table: [(Double, Double)] = [
            (1, 12.7062), (2, 4.3027), (3, 3.1824), (5, 2.5706), (10, 2.2281), (30, 2.0423),
            (100, 1.9840), (1e7, 1.9600),
        ]
        for (df, t) in table {
            #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: df) - t) < 1e-4, "df \(df)")
        }
        #expect(abs(StudentT.quantile(0.025, degreesOfFreedom: 4) + 2.7764) < 1e-4)
        #expect(abs(StudentT.cdf(0, degreesOfFreedom: 3) - 0.5) < 1e-15)
    }
}

extension SummaryStore {
    /// The number of rows `raw` streams.
    fileprivate func rawCount(_ query: RawQuery) throws -> Int {
        var n = 0
        try raw(query, header: { _ in }, row: { _ in n += 1 })
        return n
    }
}
