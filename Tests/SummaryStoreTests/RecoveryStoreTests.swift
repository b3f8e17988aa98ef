import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// The recovery errors of a result (`final_error`, `final_unobserved_error`, per-point `error`…)
/// are stored, read back, queryable, and a store written before them gets their table on its
/// first read-write open — on SQLite and on PostgreSQL.
@Suite struct RecoveryStoreTests {
    static func result(seed: Int) -> SimulationResult {
        var r = Fixtures.result(seed: seed)
        for i in r.trajectory.indices {
            r.trajectory[i].error = 1 / Double(i + seed + 2)
            r.trajectory[i].unobservedError = i == 1 ? nil : 2 / Double(i + seed + 2)
        }
        r.finalError = r.trajectory.last?.error
        r.finalUnobservedError = r.trajectory.last?.unobservedError
        r.finalCleanError = 0.25 * Double(seed + 1)
        r.bestRecoveryError = r.finalError
        r.bestRecoveryStep = r.trajectory.last?.step
        r.bestCleanError = 0.3 + Double(seed)
        r.bestStep = r.trajectory.last?.step
        return r
    }

    @Test(arguments: StoreEngine.allCases) func recoveryErrorsRoundTripAndAreQueryable(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        let tasks = (0..<4).map { Fixtures.task($0) }
        _ = try store.registerSweep(name: "s", spec: "", tasks: tasks)
        let results = tasks.indices.map { Self.result(seed: $0) }
        try store.recordResults(zip(tasks, results).map { CompletedTask(key: $0.key, result: $1) })
        for (task, expected) in zip(tasks, results) {
            let back = try #require(try store.result(for: task.key))
            #expect(back.trajectory == expected.trajectory)
            #expect(back.finalError == expected.finalError)
            #expect(back.finalUnobservedError == expected.finalUnobservedError)
            #expect(back.finalCleanError == expected.finalCleanError)
            #expect(back.bestRecoveryError == expected.bestRecoveryError)
            #expect(back.bestRecoveryStep == expected.bestRecoveryStep)
        }
        // The sweep readers (reports) give the same: final errors, and every per-point series.
        let contents = try store.sweepContents("s", trajectories: true)
        let some = try store.trajectories(for: tasks.map(\.key))
        for (item, expected) in zip(contents, results) {
            let back = try #require(item.result)
            #expect(back.trajectory == expected.trajectory && some[item.task.key] == expected.trajectory)
            #expect(back.trajectory.contains { $0.error != nil && $0.unobservedError != nil })
            #expect(
                back.finalError == expected.finalError && back.finalUnobservedError == expected.finalUnobservedError)
            #expect(back.finalCleanError == expected.finalCleanError)
            #expect(back.bestRecoveryError == expected.bestRecoveryError)
            #expect(back.bestRecoveryStep == expected.bestRecoveryStep)
        }
        let table = try store.aggregate(AggregateQuery(sweep: "s", groupBy: [], metric: Metric(parsing: "final_error")))
        let values = results.compactMap(\.finalError)
        #expect(table.rows.count == 1 && table.rows[0].count == values.count)
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs((table.rows[0].mean ?? .nan) - mean) <= 1e-12 * mean)
        // best_error is the smallest relative recovery error (best_recovery_error its alias);
        // best_clean_error the absolute early-stopping error of the results table.
        for (name, values) in [
            ("best_error", results.compactMap(\.bestRecoveryError)),
            ("best_recovery_error", results.compactMap(\.bestRecoveryError)),
            ("best_clean_error", results.compactMap(\.bestCleanError)),
        ] {
            let t = try store.aggregate(AggregateQuery(sweep: "s", groupBy: [], metric: Metric(parsing: name)))
            try #require(!values.isEmpty && t.rows.count == 1, "\(name)")
            let want = values.reduce(0, +) / Double(values.count)
            #expect(t.rows[0].count == values.count && abs((t.rows[0].mean ?? .nan) - want) <= 1e-12 * want, "\(name)")
        }
        // Recording again replaces the row (no duplicate, the new values win).
        let again = Self.result(seed: 7)
        try store.recordResults([CompletedTask(key: tasks[0].key, result: again)])
        #expect(try store.result(for: tasks[0].key)?.finalError == again.finalError)
        #expect(try store.database.scalar("SELECT count(*) FROM recovery")?.intValue == tasks.count)
    }

    /// The same on PostgreSQL, with the database checked by `psql` (an independent client): a
    /// store whose recovery table is dropped (written before it) reads as "not recorded" and gets
    /// the table back on a read-write open.
    @Test func postgresStoreWithoutTheRecoveryTableGetsIt() throws {
        let db = try TestPostgres.freshDatabase()
        let tasks = (0..<2).map { Fixtures.task($0) }
        do {
            let store = try SummaryStore(location: StoreLocation(db.uri), create: true)
            _ = try store.registerSweep(name: "s", spec: "", tasks: tasks)
            try store.recordResults([CompletedTask(key: tasks[0].key, result: Self.result(seed: 0))])
        }
        #expect(try TestPostgres.psql(db.uri, "SELECT count(*) FROM recovery") == "1")
        try TestPostgres.psql(db.uri, "DROP TABLE recovery")
        let old = try SummaryStore(location: StoreLocation(db.uri), readOnly: true)
        let before = try #require(try old.result(for: tasks[0].key))
        #expect(before.finalError == nil && before.trajectory.count == 5)
        let contents = try #require(try old.sweepContents("s", trajectories: true).first?.result)
        #expect(contents.finalError == nil && contents.trajectory == before.trajectory)
        #expect(try old.trajectories(for: [tasks[0].key])[tasks[0].key] == before.trajectory)
        let writer = try SummaryStore(location: StoreLocation(db.uri))
        try writer.recordResults([CompletedTask(key: tasks[1].key, result: Self.result(seed: 1))])
        #expect(try writer.result(for: tasks[1].key)?.finalError == Self.result(seed: 1).finalError)
        #expect(try writer.result(for: tasks[0].key)?.finalError == nil)
        let stored = try TestPostgres.psql(
            db.uri,
            "SELECT r.final_error, octet_length(r.error) FROM recovery r JOIN tasks t ON t.id = r.task_id "
                + "WHERE t.key = '\(tasks[1].key.hex)'")
        let fields = stored.split(separator: "|").map(String.init)
        #expect(fields.count == 2 && Double(fields[0]) == Self.result(seed: 1).finalError)
        #expect(fields.last == "\(8 * Self.result(seed: 1).trajectory.count)")
    }

    @Test func aStoreWithoutTheRecoveryTableGetsItOnAReadWriteOpen() throws {
        let dir = try TemporaryDirectory(prefix: "store-recovery")
        let path = dir.path("s.sqlite")
        let tasks = (0..<2).map { Fixtures.task($0) }
        do {
            let store = try SummaryStore(path: path, create: true)
            _ = try store.registerSweep(name: "s", spec: "", tasks: tasks)
            try store.recordResults([CompletedTask(key: tasks[0].key, result: Fixtures.result(seed: 0))])
        }
        // A store written before the recovery table existed.
        try Connection(path: path, mode: .readWrite).execute("DROP TABLE recovery")
        let old = try SummaryStore(path: path, readOnly: true)
        let before = try #require(try old.result(for: tasks[0].key))
        #expect(before.finalError == nil && before.trajectory.count == 5)
        let contents = try #require(try old.sweepContents("s", trajectories: true).first?.result)
        #expect(contents.finalError == nil && contents.trajectory == before.trajectory)
        #expect(try old.trajectories(for: [tasks[0].key])[tasks[0].key] == before.trajectory)
        let writer = try SummaryStore(path: path)
        try writer.recordResults([CompletedTask(key: tasks[1].key, result: Self.result(seed: 1))])
        #expect(try writer.result(for: tasks[1].key)?.finalError == Self.result(seed: 1).finalError)
        #expect(try writer.result(for: tasks[0].key)?.finalError == nil)
        #expect(try writer.integrityCheck() == ["ok"])
    }

    /// A task with a matrix parameter (`target`, `mask`) is rebuilt from its BLOB columns with the
    /// same matrix, hence the same key — so it can be dispatched from the store alone.
    @Test(arguments: StoreEngine.allCases) func matrixParametersAreRebuiltFromTheStore(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        var config = SimulationConfig()
        config.problem = .completion
        config.symmetric = false
        config.target = MatrixFile.value(Matrix(rowMajor: [[0, 1, 2], [1, 0, 0.5]]))
        config.mask = MatrixFile.value(Matrix(rowMajor: [[0, 1, 1], [1, 1, 0]]))
        config.steps = 50
        try config.validate()
        let task = SweepTask(config: config)
        _ = try store.registerSweep(name: "m", spec: "", tasks: [task])
        let back = try #require(try store.unfinishedTasks(sweep: "m").first)
        #expect(back.config.target?.matrix == config.target?.matrix)
        #expect(back.config.mask?.matrix == config.mask?.matrix)
        #expect(SweepTask(config: back.config).key == task.key)
        // The rebuilt configuration runs: with a target file the columns hold no spectrum (the
        // canonical form's `spectrum` is null), which `validate()` would refuse next to the file.
        #expect(CanonicalForm.json(for: config).contains("\"spectrum\":null"))
        try back.config.validate()
        let result = try Simulation.run(back.config)
        #expect(result.observedEntries == 4 && result.trajectory.last?.error != nil)
    }

    /// Every metric name is one quantity: no name twice, and no two names read the same column
    /// except `best_recovery_error`, the documented alias of `best_error`.
    @Test func metricNamesAreUnambiguous() throws {
        #expect(Set(Metric.names).count == Metric.names.count)
        var byColumn: [String: [String]] = [:]
        for name in Metric.names {
            let m = try Metric(parsing: name)
            byColumn[m.expression.sql + m.expression.values.map { "\($0)" }.joined(), default: []].append(name)
        }
        let shared = byColumn.values.filter { $0.count > 1 }
        #expect(shared == [["best_error", "best_recovery_error"]])
        #expect(try Metric(parsing: "best_error").expression.sql.contains("e.best_recovery_error"))
        #expect(try Metric(parsing: "best_clean_error").expression.sql.contains("r.best_error"))
    }
}
