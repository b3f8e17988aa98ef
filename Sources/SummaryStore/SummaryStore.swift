import CSQLite
import Foundation
import Sweeps

/// The summary store: sweeps, tasks, results, intervals and trajectories, in one SQLite file or
/// in a PostgreSQL database (`StoreLocation`). Every part of dmfsweep reads and writes the store
/// through this type; its SQL is written once over `DatabaseDriver` (docs/summary-store.md).
///
/// Open it once per thread or process (it owns one connection and is not `Sendable`).
/// Writes are idempotent by task key and batched in transactions; readers in other processes see
/// each batch entirely or not at all. Queries live in `StoreQuery`.
///
/// ```swift
/// let store = try SummaryStore(path: "results.sqlite", create: true)
/// let reg = try store.registerSweep(name: spec.name, spec: text, tasks: tasks)
/// for task in try store.unfinishedTasks(sweep: spec.name) { … }
/// try store.recordResults(batch)
/// ```
public final class SummaryStore {
    /// Where the store lives.
    public let location: StoreLocation
    /// The connection every statement goes through.
    let database: any DatabaseDriver
    /// The SQLite connection of a file store (`nil` on PostgreSQL), for what only SQLite has
    /// (integrity check, WAL checkpoints).
    let sqlite: Connection?

    /// What opening the store upgraded (backup, schema version, parameter columns), one line each;
    /// empty when nothing was. Commands announce it on stderr.
    public internal(set) var upgrades: [String] = []

    /// The id and `p_tolerance` of each pending task this connection has read (`unfinishedTasks`),
    /// by key, until its result is recorded: neither ever changes and tasks are never deleted, so
    /// recording their results needs no lookup by key (SQLite only; `recordResults` checks each key
    /// again in its update and refuses the batch if one does not match). About 100–150 bytes per
    /// pending task; recorded tasks leave it. Read and written on the store's one thread.
    var knownTasks: [TaskKey: KnownTask] = [:]

    /// A task's row id and tolerance (`knownTasks`).
    struct KnownTask {
        let id: Int
        let tolerance: Double?
    }

    /// The store for messages: the file path, or the URI with its password masked.
    public var path: String { location.description }

    /// The engine holding the store.
    public var engine: StoreEngine { location.engine }

    /// The SQLite connection (tests only; `StoreError` would be the answer on PostgreSQL).
    var connection: Connection {
        guard let sqlite else { preconditionFailure("not an SQLite store: \(location)") }
        return sqlite
    }

    /// Opens a store given as a `--store` argument: a file path or a libpq URI.
    /// - Parameters:
    ///   - location: the file or database.
    ///   - create: create the file (SQLite) or the tables (PostgreSQL: the database itself must exist).
    ///   - readOnly: open without write access (queries).
    ///   - migrate: allow migrating an older schema in place (never done otherwise).
    /// - Throws: `StoreError.missingStore`, `.notAStore`, `.schemaVersion`, `.parameterColumns`,
    ///   `.unreachable`, `.sqlite`, `.postgres`.
    public convenience init(
        location: StoreLocation, create: Bool = false, readOnly: Bool = false, migrate: Bool = false
    ) throws(StoreError) {
        switch location {
        case .file(let path):
            try self.init(path: path, create: create, readOnly: readOnly, migrate: migrate)
        case .postgres(let uri):
            let db = try PostgresConnection(uri: uri)
            let notes = try Schema.prepare(
                postgres: db, readOnly: readOnly, migrate: migrate, location: location.description)
            if readOnly { try db.execute("SET default_transaction_read_only = on") }
            self.init(location: location, database: db, sqlite: nil)
            upgrades = notes
        }
    }

    private init(location: StoreLocation, database: any DatabaseDriver, sqlite: Connection?) {
        self.location = location
        self.database = database
        self.sqlite = sqlite
    }

    /// Opens an SQLite store.
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - create: create the file (and schema) when missing.
    ///   - readOnly: open without write access (queries); the file must exist.
    ///   - migrate: allow migrating an older schema in place (never done otherwise).
    /// - Throws: `StoreError.missingStore`, `.notAStore`, `.schemaVersion`, `.parameterColumns`, `.sqlite`.
    public convenience init(path: String, create: Bool = false, readOnly: Bool = false, migrate: Bool = false)
        throws(StoreError)
    {
        let mode: Connection.Mode = readOnly ? .readOnly : (create ? .create : .readWrite)
        let connection: Connection
        let notes: [String]
        do {
            connection = try Connection(path: path, mode: mode)
            notes = try Schema.prepare(connection, migrate: migrate)
        } catch let error where error.sqliteCode == SQLITE_NOTADB {
            throw StoreError.notAStore(path: path, reason: "the file is not an SQLite database")
        }
        self.init(location: .file(path: path), database: connection, sqlite: connection)
        upgrades = notes
    }

    /// The schema version this build reads and writes.
    public static var schemaVersion: Int { Schema.version }

    /// Runs `PRAGMA integrity_check`.
    /// - Returns: `["ok"]` for a sound file, else SQLite's list of problems.
    /// - Throws: `StoreError.sqlite`.
    public func integrityCheck() throws(StoreError) -> [String] {
        guard let connection = sqlite else { return ["ok"] }  // PostgreSQL checks its own pages
        let s = try connection.prepare("PRAGMA integrity_check")
        var lines: [String] = []
        while try s.step() { lines.append(s.string(at: 0) ?? "") }
        return lines
    }

    /// Copies the write-ahead log into the database file, so that the `-wal` file stays bounded
    /// and the main file holds what is committed. Writers call it when idle (`.passive` never
    /// waits for anyone) and at the end of a run (`.truncate` leaves an empty `-wal` file).
    ///
    /// PostgreSQL manages its own write-ahead log; there the end of a run (`.truncate`) refreshes
    /// the planner's statistics of the tables a run writes (`ANALYZE`, `statisticsTables`), which
    /// autovacuum would gather only a minute or so later: planned without them, the group-by over
    /// 1M interval rows right after the writes took 2.4 s instead of 1.0 s (docs/summary-store.md).
    /// - Parameter mode: the checkpoint mode.
    /// - Returns: the log's frames and the frames copied (none on PostgreSQL).
    /// - Throws: `StoreError.sqlite` (not for a checkpoint that a reader kept from finishing),
    ///   `.postgres`.
    @discardableResult
    public func checkpoint(_ mode: Connection.CheckpointMode = .passive) throws(StoreError)
        -> Connection.CheckpointResult
    {
        guard let connection = sqlite else {
            // A role that does not own a table gets a warning, not an error, and the table is skipped.
            if mode == .truncate { try database.run("ANALYZE " + Self.statisticsTables.joined(separator: ", "), []) }
            return Connection.CheckpointResult(logFrames: 0, checkpointedFrames: 0, busy: false)
        }
        return try connection.checkpoint(mode)
    }

    /// The tables a run writes in bulk, whose planner statistics the end of a run refreshes on
    /// PostgreSQL: the tasks, their sweeps, and the result tables.
    static let statisticsTables = ["tasks", "sweep_tasks"] + ResultTable.all.map(\.name)

    /// Seconds since the Unix epoch, the store's time format.
    static var now: Double { Date().timeIntervalSince1970 }
}

extension SummaryStore {
    /// The SQLite library version in use (`3.40.1`), for benchmark and report headers.
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
}
