import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

extension Fixtures {
    /// A fresh, empty store on `engine` (the first value keeps its file or database alive).
    static func store(engine: StoreEngine) throws -> (AnyObject, SummaryStore) {
        switch engine {
        case .sqlite:
            let (dir, store) = try store()
            return (dir, store)
        case .postgresql:
            let db = try TestPostgres.freshDatabase()
            return (db, try SummaryStore(location: StoreLocation(db.uri), create: true))
        }
    }

    /// Two sweeps of tasks with results, failures and never-run tasks, written into `store`.
    static func populate(_ store: SummaryStore) throws -> [SweepTask] {
        let tasks = grid(depths: [2, 3, 4], alphas: [0.01, 0.1], seeds: 4)
        try store.registerSweep(name: "main", spec: "name: main", tasks: tasks)
        let other = grid(depths: [5], alphas: [0.01], seeds: 3, base: 1000)
        try store.registerSweep(name: "other", spec: "name: other", tasks: other)
        var completed: [CompletedTask] = []
        var failed: [TaskFailure] = []
        for (i, task) in (tasks + other).enumerated() {
            if i % 11 == 5 {
                failed.append(TaskFailure(key: task.key, error: "boom \(i)"))
            } else if i % 13 != 7 {
                let status: RunStatus = i % 4 == 1 ? .diverged : (i % 5 == 2 ? .converged : .finished)
                completed.append(
                    CompletedTask(
                        key: task.key, result: result(seed: i, status: status, noisy: i % 3 == 0), worker: "w\(i % 3)"))
            }
        }
        try store.record(completed: completed, failed: failed)
        return tasks + other
    }
}

/// The store's behaviour on both engines: every test runs on SQLite and on PostgreSQL.
@Suite struct EngineTests {
    @Test(arguments: StoreEngine.allCases) func registrationCountsNewExistingAndDone(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        #expect(store.engine == engine)
        let a = Fixtures.grid(depths: [2, 3], alphas: [0.1], seeds: 3)
        #expect(
            try store.registerSweep(name: "a", spec: "name: a", tasks: a + [a[0]])
                == SweepRegistration(total: 6, new: 6, existing: 0, done: 0))
        try store.recordResults([CompletedTask(key: a[1].key, result: Fixtures.result(seed: 1))])
        let b = Array(a[4...]) + [Fixtures.task(100), Fixtures.task(101)]
        #expect(
            try store.registerSweep(name: "b", spec: "name: b", tasks: b)
                == SweepRegistration(total: 4, new: 2, existing: 2, done: 0))
        #expect(
            try store.registerSweep(name: "a", spec: "name: a", tasks: a)
                == SweepRegistration(total: 6, new: 0, existing: 6, done: 1))
        #expect(throws: StoreError.self) { try store.registerSweep(name: "a", spec: "", tasks: Array(a.prefix(2))) }
        #expect(try store.statusCounts(sweep: "a") == StatusCounts(pending: 5, done: 1))
        #expect(try store.statusCounts() == StatusCounts(pending: 7, done: 1))
        #expect(try store.sweeps().map(\.name) == ["a", "b"])
        #expect(try store.sweepSpec("b") == "name: b")
    }

    @Test(arguments: StoreEngine.allCases) func resultsRoundTripExactly(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        let tasks = try Fixtures.populate(store)
        var seen = 0
        for (i, task) in tasks.enumerated() where i % 11 != 5 && i % 13 != 7 {
            let status: RunStatus = i % 4 == 1 ? .diverged : (i % 5 == 2 ? .converged : .finished)
            #expect(try store.result(for: task.key) == Fixtures.result(seed: i, status: status, noisy: i % 3 == 0))
            #expect(try store.task(task.key)?.worker == "w\(i % 3)")
            seen += 1
        }
        #expect(seen > 20)
        // Recording again replaces, never duplicates; fewer ranks drop the old rows.
        let changed = Fixtures.result(seed: 99, ranks: 2)
        try store.recordResults([CompletedTask(key: tasks[0].key, result: changed)])
        #expect(try store.result(for: tasks[0].key) == changed)
        #expect(try store.task(tasks[5].key)?.state == .failed)
        #expect(try store.task(tasks[5].key)?.error == "boom 5")
        #expect(try store.resetFailed(sweep: "main") == 2)
        #expect(try store.unfinishedTasks(sweep: "main").count == 2 + 2)
        #expect(try store.unfinishedTasks(sweep: "main", limit: 1).count == 1)
    }

    /// The lifecycle values `recordResults` writes (PostgreSQL: as array literals, one `UPDATE … FROM
    /// unnest(…)` per batch) arrive exactly, whatever the worker and host names hold; a start in the
    /// batch counts once per start, an adopted one not at all, a key twice in one batch keeps the
    /// later result.
    @Test(arguments: StoreEngine.allCases) func recordedLifecycleValuesArriveExactly(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        let tasks = Fixtures.grid(depths: [2, 3], alphas: [0.1], seeds: 4)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        let names = [
            #"w"quoted""#, #"back\slash\"#, "comma,{brace}", "NULL", "", "ünïcödé ✓", "tab\there", " spaced ",
        ]
        let started = Date(timeIntervalSince1970: 1_700_000_000.5)
        // Every fourth task was started before (attempts 1, its worker's host and start kept
        // where the batch brings none).
        let early = Date(timeIntervalSince1970: 1000)
        try store.record(
            marks: tasks.indices.filter { $0 % 4 == 1 }.map {
                .started(TaskStart(key: tasks[$0].key, worker: "early", host: "early-host", started: early))
            })
        var batch: [CompletedTask] = []
        for (i, task) in tasks.enumerated() {
            let start =
                i % 3 == 0
                ? nil
                : TaskStart(
                    key: task.key, worker: names[i % names.count], host: names[(i + 3) % names.count],
                    started: started.addingTimeInterval(Double(i)), adopted: i % 3 == 2)
            batch.append(
                CompletedTask(
                    key: task.key, result: Fixtures.result(seed: i), worker: i % 3 == 0 ? names[i % names.count] : nil,
                    start: start))
        }
        // The first task twice: the later result wins, both starts count.
        let again = TaskStart(key: tasks[0].key, worker: "x", host: "y", started: started)
        batch.append(CompletedTask(key: tasks[0].key, result: Fixtures.result(seed: 77), start: again))
        let summary = try store.recordResults(batch)
        #expect(summary.recorded == tasks.count)
        for (i, task) in tasks.enumerated() {
            let stored = try #require(try store.task(task.key))
            #expect(stored.state == .done)
            if i == 0 {
                #expect(stored.worker == "x" && stored.host == "y")
                #expect(stored.attempts == 1)
                #expect(stored.started == started)
                #expect(try store.result(for: task.key) == Fixtures.result(seed: 77))
                continue
            }
            let before = i % 4 == 1
            #expect(stored.worker == names[i % names.count])
            #expect(stored.host == (i % 3 == 0 ? (before ? "early-host" : nil) : names[(i + 3) % names.count]))
            #expect(stored.attempts == max((before ? 1 : 0) + (i % 3 == 1 ? 1 : 0), 1))
            #expect(stored.started == (i % 3 == 1 ? started.addingTimeInterval(Double(i)) : (before ? early : nil)))
            #expect(stored.finished != nil)
            #expect(try store.result(for: task.key) == Fixtures.result(seed: i))
        }
    }

    @Test(arguments: StoreEngine.allCases) func liveStateAndLifecycle(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        let tasks = Fixtures.grid(depths: [2], alphas: [0.1], seeds: 3)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        let start = TaskStart(key: tasks[0].key, worker: "w", host: "h", started: Date(timeIntervalSince1970: 1000))
        try store.record(marks: [.started(start), .released(tasks[0].key), .started(start)])
        #expect(try store.task(tasks[0].key)?.attempts == 2)
        #expect(try store.task(tasks[0].key)?.state == .running)
        #expect(try store.tasks(in: .running, sweep: "s").map(\.host) == ["h"])
        #expect(try store.resetRunning(sweep: "s") == 1)
        try store.publishLiveState(sweep: "s", updated: 5, json: "{\"a\":1}")
        try store.publishLiveState(sweep: "s", updated: 6, json: "{\"a\":2}")
        #expect(try store.liveStates() == ["s": LiveStateRecord(sweep: "s", updated: 6, json: "{\"a\":2}")])
    }

    /// The same writes into both engines give identical aggregates, raw rows and report contents.
    @Test func bothEnginesAnswerIdentically() throws {
        let (keepA, sqlite) = try Fixtures.store(engine: .sqlite)
        let (keepB, postgres) = try Fixtures.store(engine: .postgresql)
        defer { withExtendedLifetime((keepA, keepB)) {} }
        _ = try Fixtures.populate(sqlite)
        _ = try Fixtures.populate(postgres)
        let queries = try [
            AggregateQuery(sweep: "main", groupBy: ["depth"], metric: Metric(parsing: "final_loss")),
            AggregateQuery(
                sweep: nil, groupBy: ["depth", "alpha", "r"], metric: Metric(parsing: "interval.length")),
            AggregateQuery(
                sweep: "main", filters: [try Filter(parsing: "status!=diverged")], groupBy: ["alpha"],
                metric: Metric(parsing: "interval.start"), rank: 2),
            AggregateQuery(sweep: "main", groupBy: ["depth"], metric: Metric(parsing: "status.failed")),
            // No grouping; outcome columns; a pivot on the interval's rank; every statistic.
            AggregateQuery(
                metrics: [Metric(parsing: "final_loss"), Metric(parsing: "interval.length")],
                statistics: [.count, .mean, .std, .min, .max, .median, .percentile(10), .ci95], rank: 2),
            AggregateQuery(
                groupBy: ["status", "path_used"], metrics: [Metric(parsing: "steps")],
                statistics: [.median, .percentile(90), .ci95]),
            AggregateQuery(
                groupBy: ["alpha"], metrics: [Metric(parsing: "interval.middle_error")], statistics: [.median],
                pivot: "r"),
        ]
        for query in queries {
            let a = try sqlite.aggregate(query)
            let b = try postgres.aggregate(query)
            #expect(a == b, "\(query)")
            #expect(!a.rows.isEmpty)
        }
        for query in [RawQuery(sweep: "main"), RawQuery(sweep: nil, rank: 2)] {
            var headers: [[String]] = [[], []]
            var rows: [[[DatabaseValue]]] = [[], []]
            for (i, store) in [sqlite, postgres].enumerated() {
                try store.raw(query, header: { headers[i] = $0 }, row: { rows[i].append($0) })
            }
            #expect(headers[0] == headers[1])
            #expect(rows[0] == rows[1])
            #expect(rows[0].count > 10)
        }
        let a = try sqlite.sweepContents("main", trajectories: true)
        let b = try postgres.sweepContents("main", trajectories: true)
        #expect(a.map(\.result) == b.map(\.result))
        #expect(a.map(\.task.config) == b.map(\.task.config))
        #expect(try sqlite.statusCounts() == postgres.statusCounts())
    }

    /// On PostgreSQL the updates of `tasks` are HOT (heap-only: no index entry written), counted
    /// by the server itself (`pg_stat_user_tables.n_tup_hot_upd`): a fresh store has no
    /// `tasks_status` index and `fillfactor = 50`; a store of the former layout is converted by the
    /// first read-write open (announced), not by a read-only one; SQLite keeps its index.
    @Test func postgresTaskUpdatesAreHOT() throws {
        let db = try TestPostgres.freshDatabase()
        let layout =
            "SELECT to_regclass('tasks_status') IS NULL, coalesce('fillfactor=50' = ANY (reloptions), false) "
            + "FROM pg_class WHERE oid = to_regclass('tasks')"
        do {
            let store = try SummaryStore(location: StoreLocation(db.uri), create: true)
            #expect(store.upgrades.isEmpty)
            _ = try Fixtures.populate(store)
        }
        #expect(try TestPostgres.psql(db.uri, layout) == "t|t")
        // The closed session's counters reach the statistics as its backend exits.
        var counts: [Int] = []
        for _ in 0..<50 {
            counts = try TestPostgres.psql(
                db.uri, "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'tasks'"
            ).split(separator: "|").compactMap { Int($0) }
            if counts.count == 2 && counts[0] > 0 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(counts.count == 2 && counts[0] >= 20, "\(counts)")
        #expect(counts.count == 2 && counts[1] * 10 >= counts[0] * 9, "updates, HOT updates: \(counts)")
        // The former layout: converted by a read-write open only.
        try TestPostgres.psql(
            db.uri, "CREATE INDEX tasks_status ON tasks (status); ALTER TABLE tasks RESET (fillfactor)")
        let reader = try SummaryStore(location: StoreLocation(db.uri), readOnly: true)
        #expect(reader.upgrades.isEmpty)
        #expect(try TestPostgres.psql(db.uri, layout) == "f|f")
        // While another session holds a lock on `tasks` (a long export), a read-write open goes on
        // without converting, after at most the lock timeout, instead of queueing every writer.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        holder.arguments = [
            "-X", "-q", "-d", db.uri, "-c",
            "BEGIN; LOCK TABLE tasks IN ACCESS SHARE MODE; SELECT pg_sleep(60); COMMIT;",
        ]
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer { if holder.isRunning { holder.terminate() } }
        let held =
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            + "WHERE c.relname = 'tasks' AND l.granted AND l.pid <> pg_backend_pid()"
        for _ in 0..<100 where try TestPostgres.psql(db.uri, held) == "0" { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try TestPostgres.psql(db.uri, held) != "0")
        let opened = Date()
        let blocked = try SummaryStore(location: StoreLocation(db.uri))
        #expect(blocked.upgrades.isEmpty)
        #expect(Date().timeIntervalSince(opened) < 30)
        #expect(try TestPostgres.psql(db.uri, layout) == "f|f")
        // Its backend sleeps on after the client is gone; end it on the server.
        let holders =
            "SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            + "WHERE c.relname = 'tasks' AND l.pid <> pg_backend_pid()"
        _ = try TestPostgres.psql(db.uri, holders)
        holder.waitUntilExit()
        let writer = try SummaryStore(location: StoreLocation(db.uri))
        #expect(writer.upgrades == ["tasks: dropped the index tasks_status and set fillfactor 50 (HOT updates)"])
        #expect(try TestPostgres.psql(db.uri, layout) == "t|t")
        #expect(try SummaryStore(location: StoreLocation(db.uri)).upgrades.isEmpty)
        // SQLite keeps the index.
        let (keep, sqlite) = try Fixtures.store(engine: .sqlite)
        defer { withExtendedLifetime(keep) {} }
        #expect(
            try sqlite.connection.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'tasks_status'")
                == .integer(1))
    }

    /// The end of a run (`checkpoint(.truncate)`) gives PostgreSQL's planner its statistics of the
    /// tables the run wrote (`pg_stat_user_tables.last_analyze`: set only by ANALYZE, not by
    /// autovacuum, which sets `last_autoanalyze`); a checkpoint while the run goes on does not.
    @Test func postgresEndOfRunAnalyzesTheWrittenTables() throws {
        let db = try TestPostgres.freshDatabase()
        let store = try SummaryStore(location: StoreLocation(db.uri), create: true)
        _ = try Fixtures.populate(store)
        let analyzed =
            "SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL AND relname IN ("
            + SummaryStore.statisticsTables.map { "'\($0)'" }.joined(separator: ", ") + ")"
        try store.checkpoint(.passive)
        #expect(try TestPostgres.psql(db.uri, analyzed) == "0")
        try store.checkpoint(.truncate)
        #expect(try TestPostgres.psql(db.uri, analyzed) == String(SummaryStore.statisticsTables.count))
        #expect(
            try TestPostgres.psql(db.uri, "SELECT reltuples > 0 FROM pg_class WHERE relname = 'intervals'") == "t")
    }

    /// PostgreSQL: a read-only store refuses writes; an empty database is not a store for readers;
    /// the schema is versioned in `meta`.
    @Test func postgresOpeningRules() throws {
        let db = try TestPostgres.freshDatabase()
        let location = StoreLocation(db.uri)
        #expect(throws: StoreError.self) { try SummaryStore(location: location, readOnly: true) }
        let store = try SummaryStore(location: location, create: true)
        try store.registerSweep(name: "s", spec: "", tasks: Fixtures.grid(depths: [2], alphas: [0.1], seeds: 1))
        #expect(
            try TestPostgres.psql(db.uri, "SELECT value FROM meta WHERE key = 'schema_version'")
                == "\(SummaryStore.schemaVersion)")
        let reader = try SummaryStore(location: location, readOnly: true)
        #expect(try reader.statusCounts().pending == 1)
        let error = #expect(throws: StoreError.self) {
            try reader.registerSweep(name: "t", spec: "", tasks: [Fixtures.task(7)])
        }
        if case .postgres(let state, _, _)? = error { #expect(state == "25006") } else { Issue.record("\(error!)") }
        // Another application's database is not taken over.
        let other = try TestPostgres.freshDatabase()
        try TestPostgres.psql(other.uri, "CREATE TABLE meta (key text primary key, value text)")
        #expect(throws: StoreError.self) { try SummaryStore(location: StoreLocation(other.uri), create: true) }
    }
}
