import CSQLite
import Foundation

/// The summary store: one SQLite file holding sweeps, tasks, results, intervals and trajectories.
///
/// Open it once per thread or process (it owns one `Connection` and is not `Sendable`).
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
    /// The underlying connection (for queries and tests).
    public let connection: Connection
    /// The store file.
    public var path: String { connection.path }

    /// Opens a store.
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - create: create the file (and schema) when missing.
    ///   - readOnly: open without write access (queries); the file must exist.
    ///   - migrate: allow migrating an older schema in place (never done otherwise).
    /// - Throws: `StoreError.missingStore`, `.notAStore`, `.schemaVersion`, `.parameterColumns`, `.sqlite`.
    public init(path: String, create: Bool = false, readOnly: Bool = false, migrate: Bool = false) throws(StoreError) {
        let mode: Connection.Mode = readOnly ? .readOnly : (create ? .create : .readWrite)
        do {
            connection = try Connection(path: path, mode: mode)
            try Schema.prepare(connection, migrate: migrate)
        } catch let error where error.sqliteCode == SQLITE_NOTADB {
            throw StoreError.notAStore(path: path, reason: "the file is not an SQLite database")
        }
    }

    /// The schema version this build reads and writes.
    public static var schemaVersion: Int { Schema.version }

    /// Runs `PRAGMA integrity_check`.
    /// - Returns: `["ok"]` for a sound file, else SQLite's list of problems.
    /// - Throws: `StoreError.sqlite`.
    public func integrityCheck() throws(StoreError) -> [String] {
        let s = try connection.prepare("PRAGMA integrity_check")
        var lines: [String] = []
        while try s.step() { lines.append(s.string(at: 0) ?? "") }
        return lines
    }

    /// Copies the write-ahead log into the database file, so that the `-wal` file stays bounded
    /// and the main file holds what is committed. Writers call it when idle (`.passive` never
    /// waits for anyone) and at the end of a run (`.truncate` leaves an empty `-wal` file).
    /// - Parameter mode: the checkpoint mode.
    /// - Returns: the log's frames and the frames copied.
    /// - Throws: `StoreError.sqlite` (not for a checkpoint that a reader kept from finishing).
    @discardableResult
    public func checkpoint(_ mode: Connection.CheckpointMode = .passive) throws(StoreError) -> Connection.CheckpointResult {
        try connection.checkpoint(mode)
    }

    /// Seconds since the Unix epoch, the store's time format.
    static var now: Double { Date().timeIntervalSince1970 }
}

extension SummaryStore {
    /// The SQLite library version in use (`3.40.1`), for benchmark and report headers.
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
}
