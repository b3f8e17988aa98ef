import CSQLite
import Foundation
import TestSupport
import Testing

@testable import SummaryStore

@Suite struct SchemaTests {
    @Test func newStoreHasVersionWALAndIntegrity() throws {
        let (dir, store) = try Fixtures.store()
        #expect(try store.connection.scalarInt("PRAGMA user_version") == SummaryStore.schemaVersion)
        #expect(try store.connection.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try store.connection.scalarInt("PRAGMA synchronous") == 1)  // NORMAL
        #expect(try store.connection.scalarInt("PRAGMA foreign_keys") == 1)
        #expect(try store.integrityCheck() == ["ok"])
        // Reopening a store of the right version works, read-only too.
        _ = try SummaryStore(path: dir.path("s.sqlite"))
        _ = try SummaryStore(path: dir.path("s.sqlite"), readOnly: true)
    }

    @Test(arguments: [0, 5, 99])
    func otherSchemaVersionIsRefusedNamingBothVersions(version: Int) throws {
        let dir = try TemporaryDirectory(prefix: "store-version")
        let path = dir.path("s.sqlite")
        do {
            let store = try SummaryStore(path: path, create: true)
            try store.connection.execute("PRAGMA user_version = \(version)")
        }
        for migrate in [false, true] {
            let error = #expect(throws: StoreError.self) { try SummaryStore(path: path, migrate: migrate) }
            #expect(error == .schemaVersion(path: path, found: version, expected: SummaryStore.schemaVersion))
            let text = error?.description ?? ""
            #expect(
                text.contains("schema version \(version)")
                    && text.contains("reads version \(SummaryStore.schemaVersion)"))
        }
        // Refusing must not have changed the file.
        let raw = try Connection(path: path, mode: .readOnly)
        #expect(try raw.scalarInt("PRAGMA user_version") == version)
    }

    /// A version-2 store (no `tasks.host`) is refused by readers, naming the way to migrate it,
    /// and migrated in place by a writer that may migrate; its data stays.
    @Test func aVersionTwoStoreIsMigratedByAWriterOnly() throws {
        let dir = try TemporaryDirectory(prefix: "store-v1")
        let path = dir.path("s.sqlite")
        let tasks = (0..<2).map { Fixtures.task($0) }
        do {
            let store = try SummaryStore(path: path, create: true)
            try store.registerSweep(name: "s", spec: "", tasks: tasks)
            try store.recordResults([CompletedTask(key: tasks[0].key, result: Fixtures.result(seed: 0), worker: "w")])
            try Fixtures.downgradeToVersion3(store)
            try store.connection.execute("ALTER TABLE tasks DROP COLUMN host")
            try store.connection.execute("PRAGMA user_version = 2")
        }
        let refused = #expect(throws: StoreError.self) { try SummaryStore(path: path, readOnly: true) }
        #expect(
            refused?.description.contains("'dmfsweep store upgrade --store \(path)' upgrades it in place")
                == true)
        let store = try SummaryStore(path: path, migrate: true)
        #expect(try store.connection.scalarInt("PRAGMA user_version") == SummaryStore.schemaVersion)
        #expect(try store.task(tasks[0].key)?.state == .done && store.task(tasks[0].key)?.host == nil)
        try store.markRunning([TaskStart(key: tasks[1].key, worker: "w", host: "node2", started: Date())])
        #expect(try store.task(tasks[1].key)?.host == "node2")
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test func foreignSQLiteFileIsNotAStore() throws {
        let dir = try TemporaryDirectory(prefix: "store-foreign")
        let path = dir.path("other.sqlite")
        do {
            let c = try Connection(path: path, mode: .create)
            try c.execute("CREATE TABLE x (a)")
        }
        let error = #expect(throws: StoreError.self) { try SummaryStore(path: path) }
        guard case .notAStore = error else {
            Issue.record("expected notAStore, got \(String(describing: error))")
            return
        }
    }

    @Test func textFileIsNotAStoreAndIsLeftAlone() throws {
        let dir = try TemporaryDirectory(prefix: "store-text")
        let path = dir.path("notes.txt")
        let text = String(repeating: "not a database\n", count: 100)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        for create in [false, true] {
            #expect(throws: StoreError.notAStore(path: path, reason: "the file is not an SQLite database")) {
                try SummaryStore(path: path, create: create)
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }

    @Test func missingStoreIsReportedAndNotCreated() throws {
        let dir = try TemporaryDirectory(prefix: "store-missing")
        let path = dir.path("nope.sqlite")
        #expect(throws: StoreError.missingStore(path: path)) { try SummaryStore(path: path) }
        #expect(throws: StoreError.missingStore(path: path)) { try SummaryStore(path: path, readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func changedParameterColumnsAreRefused() throws {
        let dir = try TemporaryDirectory(prefix: "store-columns")
        let path = dir.path("s.sqlite")
        do {
            let store = try SummaryStore(path: path, create: true)
            try store.connection.execute("ALTER TABLE tasks ADD COLUMN p_warp REAL")
        }
        #expect(throws: StoreError.parameterColumns(path: path, missing: [], extra: ["warp"])) {
            try SummaryStore(path: path)
        }
    }

    @Test func sqliteErrorsCarryCodeOperationAndMessage() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let error = #expect(throws: StoreError.self) { try store.connection.prepare("SELECT nope FROM tasks") }
        #expect(error?.sqliteCode == SQLITE_ERROR)
        #expect(error?.description.contains("no such column: nope") == true)
        #expect(error?.description.contains("preparing SELECT nope FROM tasks") == true)
        // A constraint violation inside a transaction rolls the whole transaction back.
        #expect(throws: StoreError.self) {
            try store.connection.transaction { () throws(StoreError) in
                try store.connection.execute("INSERT INTO sweeps (name, spec, created, updated) VALUES ('x', '', 0, 0)")
                try store.connection.execute("INSERT INTO sweeps (name, spec, created, updated) VALUES ('x', '', 0, 0)")
            }
        }
        #expect(try store.connection.scalarInt("SELECT count(*) FROM sweeps") == 0)
    }

    /// A version-1 store (before the completion-mask columns) is refused unless migration is asked
    /// for; migrating adds the two columns, keeps every row, and results recorded afterwards store
    /// the mask's counts, which read back and aggregate.
    @Test func versionOneMigratesToTheMaskColumns() throws {
        let (dir, store) = try Fixtures.store()
        let path = dir.path("s.sqlite")
        let tasks = Fixtures.grid(depths: [2, 3], alphas: [0.1], seeds: 1)
        try store.registerSweep(name: "a", spec: "name: a", tasks: tasks)
        try store.recordResults([CompletedTask(key: tasks[0].key, result: Fixtures.result(seed: 0))])
        try Fixtures.downgradeToVersion3(store)
        try store.connection.execute(
            "ALTER TABLE results DROP COLUMN observed_entries; ALTER TABLE results DROP COLUMN unobserved_lines; "
                + "ALTER TABLE tasks DROP COLUMN host; PRAGMA user_version = 1")
        let refused = #expect(throws: StoreError.self) { try SummaryStore(path: path) }
        #expect(refused == .schemaVersion(path: path, found: 1, expected: SummaryStore.schemaVersion))
        #expect(refused?.description.contains("upgrades it in place") == true)

        let migrated = try SummaryStore(path: path, migrate: true)
        #expect(try migrated.connection.scalarInt("PRAGMA user_version") == SummaryStore.schemaVersion)
        #expect(try migrated.connection.scalarInt("SELECT count(*) FROM results WHERE observed_entries IS NULL") == 1)
        var result = Fixtures.result(seed: 1)
        result.observedEntries = 13
        result.unobservedLines = 2
        try migrated.recordResults([CompletedTask(key: tasks[1].key, result: result)])
        let back = try #require(try migrated.result(for: tasks[1].key))
        #expect(back.observedEntries == 13 && back.unobservedLines == 2)
        #expect(try migrated.result(for: tasks[0].key)?.observedEntries == nil)
        let table = try migrated.aggregate(AggregateQuery(sweep: "a", metric: Metric(parsing: "observed_entries")))
        // Only the result that has a mask counts.
        #expect(table.rows.count == 1 && table.rows[0].count == 1 && table.rows[0].mean == 13)
        #expect(try migrated.integrityCheck() == ["ok"])
    }
}
