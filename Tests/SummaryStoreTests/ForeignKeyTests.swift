import Foundation
import TestSupport
import Testing

@testable import SummaryStore

/// The result tables' foreign keys to `tasks`: kept on SQLite, absent on PostgreSQL (and dropped
/// from stores that had them), and `orphanRows()` finding what they would have refused.
@Suite struct ForeignKeyTests {
    /// The result tables with a foreign key to `tasks`, read from PostgreSQL's catalog.
    static func postgresForeignKeys(_ uri: String) throws -> [String] {
        try TestPostgres.psql(
            uri,
            """
            SELECT DISTINCT conrelid::regclass::text FROM pg_constraint
            WHERE contype = 'f' AND confrelid = 'tasks'::regclass ORDER BY 1
            """
        ).split(separator: "\n").map(String.init)
    }

    @Test func sqliteKeepsTheResultTablesForeignKeys() throws {
        let (dir, store) = try Fixtures.store()
        defer { withExtendedLifetime(dir) {} }
        for table in ResultTable.all.map(\.name) {
            let parent = try store.connection.scalarText("SELECT \"table\" FROM pragma_foreign_key_list('\(table)')")
            #expect(parent == "tasks", "\(table)")
        }
    }

    /// `recordResults` runs its transaction without SQLite's per-row checks (the keys hold by
    /// construction, `withResultRowKeysByConstruction`) and turns them on again afterwards, also
    /// after a refused batch; inside a caller's transaction the checks stay as they are.
    @Test func sqliteRecordsWithoutPerRowChecksAndTurnsThemOnAgain() throws {
        let (dir, store, tasks) = try Fixtures.storeWithPendingTasks(3)
        defer { withExtendedLifetime(dir) {} }
        #expect(try store.connection.enforcesForeignKeys)
        var inside: [Bool] = []
        let probe = try store.connection.withoutForeignKeyChecks { () throws(StoreError) -> Bool in
            try store.connection.enforcesForeignKeys
        }
        inside.append(probe)
        try store.record(
            completed: [CompletedTask(key: tasks[0].key, result: Fixtures.result(seed: 1), worker: "w")])
        #expect(try store.connection.enforcesForeignKeys)
        // A refused batch (a cached id that names another task) turns them on again too.
        store.knownTasks[tasks[1].key] = store.knownTasks[tasks[2].key]
        #expect(throws: StoreError.self) {
            try store.recordResults([CompletedTask(key: tasks[1].key, result: Fixtures.result(seed: 2), worker: "w")])
        }
        #expect(try store.connection.enforcesForeignKeys)
        // Inside a transaction the pragma would be ignored: the checks stay on.
        let nested = try store.connection.transaction { () throws(StoreError) -> Bool in
            try store.connection.withoutForeignKeyChecks { () throws(StoreError) -> Bool in
                try store.connection.enforcesForeignKeys
            }
        }
        inside.append(nested)
        #expect(inside == [false, true])
        // So an orphan row is still refused outside `recordResults`.
        #expect(throws: StoreError.self) {
            try store.connection.execute("INSERT INTO recovery (task_id) VALUES (999999)")
        }
        #expect(try store.orphanRows().allSatisfy { $0.rows == 0 })
    }

    @Test func postgresResultTablesHaveNoForeignKeysAndOldOnesAreDroppedByAWriter() throws {
        let db = try TestPostgres.freshDatabase()
        _ = try SummaryStore(location: StoreLocation(db.uri), create: true)
        // Only the sweep memberships refer to tasks in a new store.
        #expect(try Self.postgresForeignKeys(db.uri) == ["sweep_tasks"])

        // A schema-4 store written before the change (and every store of schema 1-3) has them;
        // `intervals` kept the name of the table the 3 → 4 migration created.
        try TestPostgres.psql(
            db.uri,
            ResultTable.all.map {
                let name = $0.name == "intervals" ? "intervals_v4_task_id_fkey" : "\($0.name)_task_id_fkey"
                return "ALTER TABLE \($0.name) ADD CONSTRAINT \(name) FOREIGN KEY (task_id) REFERENCES tasks (id)"
            }.joined(separator: "; "))
        let all = (ResultTable.all.map(\.name) + ["sweep_tasks"]).sorted()
        #expect(try Self.postgresForeignKeys(db.uri) == all)

        // A reader leaves the store as it is.
        let reader = try SummaryStore(location: StoreLocation(db.uri), readOnly: true)
        #expect(reader.upgrades.isEmpty)
        #expect(try Self.postgresForeignKeys(db.uri) == all)

        let writer = try SummaryStore(location: StoreLocation(db.uri))
        #expect(try Self.postgresForeignKeys(db.uri) == ["sweep_tasks"])
        let note = "dropped the foreign keys of intervals, rank_monotonicity, recovery, results, trajectories to tasks"
        #expect(writer.upgrades == [note])
        // Once.
        #expect(try SummaryStore(location: StoreLocation(db.uri)).upgrades.isEmpty)
    }

    /// Rows planted behind the store's back (the database's own client, foreign keys off on
    /// SQLite) are counted per table; a store dmfsweep wrote has none.
    @Test(arguments: StoreEngine.allCases) func orphanRowsAreFoundPerTable(engine: StoreEngine) throws {
        let (keep, store) = try Fixtures.store(engine: engine)
        defer { withExtendedLifetime(keep) {} }
        _ = try Fixtures.populate(store)
        #expect(try store.orphanRows() == [])
        #expect(try store.info().orphans == [])
        let missing = 1 + (try store.database.scalar("SELECT max(id) FROM tasks")?.intValue ?? 0)
        let plant = """
            INSERT INTO recovery (task_id, final_error) VALUES (\(missing), 0.5);
            INSERT INTO intervals (task_id, measure, rank, measured, predicted) VALUES (\(missing), 'entropy', 1, 0, 0);
            INSERT INTO intervals (task_id, measure, rank, measured, predicted) VALUES (\(missing), 'ratio', 1, 0, 0)
            """
        switch store.location {
        case .file(let path):
            // The sqlite3 shell does not enforce foreign keys unless asked (PRAGMA foreign_keys).
            let out = try runProcess([path, plant], executable: URL(fileURLWithPath: "/usr/bin/sqlite3"))
            try #require(out.status == 0, "sqlite3: \(out.stderr)")
        case .postgres(let uri):
            try TestPostgres.psql(uri, plant)
        }
        let expected = [OrphanRows(table: "intervals", rows: 2), OrphanRows(table: "recovery", rows: 1)]
        #expect(try store.orphanRows() == expected)
        let reader = try SummaryStore(location: store.location, readOnly: true)
        #expect(try reader.info().orphans == expected)
    }
}
