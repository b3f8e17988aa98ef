import Foundation

/// What `dmfsweep store info` shows about a store.
public struct StoreInfo: Sendable, Equatable {
    /// The engine.
    public var engine: StoreEngine
    /// The store, password masked.
    public var location: String
    /// The schema version of the store (this build's, once opened read-write).
    public var schemaVersion: Int
    /// The engine's version (`3.40.1`, `15.20`).
    public var engineVersion: String
    /// Sweeps, tasks, and tasks with a result.
    public var sweeps: Int
    public var tasks: Int
    public var results: Int
    /// Bytes on disk: the file with its `-wal` file, or the PostgreSQL database's size.
    public var bytes: Int
    /// Rows of the result tables whose task is not in `tasks` (`SummaryStore.orphanRows()`).
    public var orphans: [OrphanRows] = []
}

/// Rows of one result table that name a task the store does not have.
public struct OrphanRows: Sendable, Equatable {
    /// The table (`results`, `intervals`, `trajectories`, `recovery`, `rank_monotonicity`).
    public var table: String
    /// How many of its rows have a `task_id` with no row in `tasks`.
    public var rows: Int
}

extension SummaryStore {
    /// The store's engine, version, contents and size.
    /// - Throws: `StoreError`.
    public func info() throws(StoreError) -> StoreInfo {
        let counts = try database.rows(
            "SELECT (SELECT count(*) FROM sweeps), (SELECT count(*) FROM tasks), (SELECT count(*) FROM results)"
        ).first
        var info = StoreInfo(
            engine: engine, location: location.description, schemaVersion: 0, engineVersion: "",
            sweeps: counts?.int(at: 0) ?? 0, tasks: counts?.int(at: 1) ?? 0, results: counts?.int(at: 2) ?? 0,
            bytes: 0)
        switch location {
        case .file(let path):
            info.schemaVersion = try connection.scalarInt("PRAGMA user_version") ?? 0
            info.engineVersion = Self.sqliteVersion
            for file in [path, path + "-wal"] {
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue
                info.bytes += size ?? 0
            }
        case .postgres:
            info.schemaVersion =
                Int(try database.scalar("SELECT value FROM meta WHERE key = 'schema_version'")?.stringValue ?? "") ?? 0
            info.engineVersion = try database.scalar("SHOW server_version")?.stringValue ?? ""
            info.bytes = try database.scalar("SELECT pg_database_size(current_database())")?.intValue ?? 0
        }
        info.orphans = try orphanRows()
        return info
    }

    /// The result tables' rows whose task is missing, per table with any (empty: none). One
    /// anti-join per table (a scan of the table, the tasks by their primary key).
    ///
    /// dmfsweep never writes such a row: `recordResults` takes each task id from the task's row in
    /// the same transaction, and no statement deletes a task. SQLite also enforces it with foreign
    /// keys; PostgreSQL does not (`Schema.resultTables`), so this is the check that finds a store
    /// changed by hand or by another program. Tables an older store lacks are skipped.
    /// - Throws: `StoreError`.
    public func orphanRows() throws(StoreError) -> [OrphanRows] {
        var found: [OrphanRows] = []
        for table in ResultTable.all where try Schema.hasTable(table.name, database) {
            let rows =
                try database.scalar(
                    """
                    SELECT count(*) FROM \(table.name) AS r
                    WHERE NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.id = r.task_id)
                    """)?.intValue ?? 0
            if rows > 0 { found.append(OrphanRows(table: table.name, rows: rows)) }
        }
        return found
    }
}
