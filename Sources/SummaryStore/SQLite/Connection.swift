import CSQLite
import Foundation

/// One open SQLite database: the single owner of an `sqlite3*` handle.
///
/// A connection is used from one thread at a time (it is deliberately not `Sendable`); open one
/// per thread or process. Read/write connections use WAL journaling with `synchronous=NORMAL`,
/// so readers in other connections or processes never block the writer and never see a
/// transaction half-done.
public final class Connection {
    /// How to open the file.
    public enum Mode: Sendable {
        /// Read only; the file must exist.
        case readOnly
        /// Read and write; the file must exist.
        case readWrite
        /// Read and write; the file is created when missing.
        case create
    }

    /// How a transaction takes its lock.
    public enum TransactionKind: String, Sendable {
        /// Takes the lock on first access.
        case deferred = "DEFERRED"
        /// Takes the write lock at once (no lock upgrade deadlocks between writers).
        case immediate = "IMMEDIATE"
    }

    /// The path the connection was opened with.
    public let path: String
    /// The open mode.
    public let mode: Mode
    let db: OpaquePointer
    private var cache: [String: Statement] = [:]
    private var transactionDepth = 0

    /// Opens (or creates) a database file.
    /// - Parameters:
    ///   - path: the file.
    ///   - mode: read-only, read-write, or create when missing.
    ///   - busyTimeout: seconds to wait for another connection's lock before failing with `SQLITE_BUSY`.
    /// - Throws: `StoreError.notAStore` when `path` is a directory; `.missingDirectory` when its
    ///   directory does not exist; `.missingStore` when the file is missing and `mode` is not
    ///   `.create`; `.sqlite` when SQLite cannot open it.
    public init(path: String, mode: Mode, busyTimeout: Double = 10) throws(StoreError) {
        self.path = path
        self.mode = mode
        try Self.checkLocation(path)
        if mode != .create && !FileManager.default.fileExists(atPath: path) {
            throw StoreError.missingStore(path: path)
        }
        var flags: Int32 = SQLITE_OPEN_NOMUTEX  // one thread per connection: no per-call mutex needed
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let handle { sqlite3_close_v2(handle) }
            throw StoreError.sqlite(code: rc, operation: "opening '\(path)'", message: message)
        }
        db = handle
        sqlite3_extended_result_codes(db, 1)
        try check(sqlite3_busy_timeout(db, Int32(busyTimeout * 1000)), "setting the busy timeout", db: db)
        try execute("PRAGMA foreign_keys = ON")
        try registerAggregates()
        if mode != .readOnly {
            // WAL: readers never block the writer and see only committed transactions.
            // synchronous=NORMAL: in WAL mode a power loss may drop the last commits but never
            // corrupts the file (https://sqlite.org/pragma.html#pragma_synchronous).
            let journal = try scalarText("PRAGMA journal_mode = WAL")
            if journal?.lowercased() != "wal" && path != ":memory:" {
                throw StoreError.sqlite(
                    code: SQLITE_ERROR, operation: "enabling WAL on '\(path)'",
                    message: "journal_mode is \(journal ?? "unknown")")
            }
            try execute("PRAGMA synchronous = NORMAL")
            // Bounds the -wal file a checkpoint leaves behind: SQLite truncates it to this size
            // whenever a checkpoint resets it (https://sqlite.org/pragma.html#pragma_journal_size_limit).
            try execute("PRAGMA journal_size_limit = \(Self.journalSizeLimit)")
        }
    }

    /// Bytes the `-wal` file is truncated to after a checkpoint resets it (`journal_size_limit`).
    public static let journalSizeLimit = 16 << 20

    deinit {
        cache.removeAll()
        // close_v2: if a caller still holds a Statement, the handle is freed once it is finalized.
        sqlite3_close_v2(db)
    }

    /// Runs one or more SQL statements that take no parameters and return no rows of interest.
    /// - Throws: `StoreError.sqlite`.
    public func execute(_ sql: String) throws(StoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(errorMessage)
            throw StoreError.sqlite(code: rc, operation: "executing \(Self.abbreviate(sql))", message: message)
        }
    }

    /// Compiles a statement (not cached).
    /// - Throws: `StoreError.sqlite` for a syntax error or unknown table/column.
    public func prepare(_ sql: String) throws(StoreError) -> Statement {
        try Statement(db: db, sql: sql)
    }

    /// A compiled statement kept for reuse by this connection (reset and unbound before it is returned).
    /// - Throws: `StoreError.sqlite` when it does not compile.
    public func cached(_ sql: String) throws(StoreError) -> Statement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        let s = try prepare(sql)
        cache[sql] = s
        return s
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Nested calls join the outer transaction.
    /// - Parameters:
    ///   - kind: `.immediate` (default) takes the write lock up front.
    ///   - body: the work.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws, or `StoreError.sqlite` when BEGIN/COMMIT fails.
    public func transaction<T>(
        _ kind: TransactionKind = .immediate, _ body: () throws(StoreError) -> T
    ) throws(StoreError) -> T {
        if transactionDepth > 0 {
            transactionDepth += 1
            defer { transactionDepth -= 1 }
            return try body()
        }
        try execute("BEGIN \(kind.rawValue)")
        transactionDepth = 1
        defer {
            transactionDepth = 0
            releaseStatements()
        }
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if sqlite3_get_autocommit(db) == 0 { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` with foreign-key enforcement off (`PRAGMA foreign_keys = OFF`) and turns it on
    /// again afterwards, also when `body` throws. SQLite ignores the pragma inside a transaction
    /// (https://sqlite.org/pragma.html#pragma_foreign_keys), so inside one `body` runs with the
    /// checks as they are.
    ///
    /// For writers that guarantee the keys by construction (`SummaryStore.recordResults`): each
    /// inserted row's parent probe costs SQLite a cursor open, seek and close.
    /// - Throws: what `body` throws, or `StoreError.sqlite` from the pragma.
    public func withoutForeignKeyChecks<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        guard !isInTransaction && transactionDepth == 0 else { return try body() }
        try execute("PRAGMA foreign_keys = OFF")
        defer { try? execute("PRAGMA foreign_keys = ON") }
        return try body()
    }

    /// Whether foreign keys are enforced on this connection now (`PRAGMA foreign_keys`).
    public var enforcesForeignKeys: Bool {
        get throws(StoreError) { try scalarInt("PRAGMA foreign_keys") == 1 }
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    public var changes: Int { Int(sqlite3_changes(db)) }

    /// The rowid of the last successful INSERT.
    public var lastInsertRowID: Int { Int(sqlite3_last_insert_rowid(db)) }

    /// The first column of the first row of a query, as text.
    /// - Throws: `StoreError.sqlite`.
    public func scalarText(_ sql: String, _ values: [DatabaseValue] = []) throws(StoreError) -> String? {
        try prepare(sql).first(values) { $0.string(at: 0) } ?? nil
    }

    /// The first column of the first row of a query, as an integer.
    /// - Throws: `StoreError.sqlite`.
    public func scalarInt(_ sql: String, _ values: [DatabaseValue] = []) throws(StoreError) -> Int? {
        try prepare(sql).first(values) { $0.int(at: 0) } ?? nil
    }

    /// Resets every cached statement of this connection that is still active (stepped, but not to
    /// its end), so that the connection holds no read transaction between uses. Run after every
    /// top-level transaction. (Uncached statements belong to their caller, who may still be
    /// iterating them; they are reset at their end and finalized when released.)
    /// - Returns: how many statements were still active.
    @discardableResult
    public func releaseStatements() -> Int {
        guard sqlite3_get_autocommit(db) != 0 else { return 0 }  // inside BEGIN … COMMIT: not ours to end
        var count = 0
        for statement in cache.values where statement.isActive {
            statement.reset()
            count += 1
        }
        return count
    }

    /// Statements of this connection that are active (holding a read transaction) right now.
    public var activeStatementCount: Int {
        var count = 0
        var stmt = sqlite3_next_stmt(db, nil)
        while let s = stmt {
            if sqlite3_stmt_busy(s) != 0 { count += 1 }
            stmt = sqlite3_next_stmt(db, s)
        }
        return count
    }

    /// Whether the connection is inside an explicit transaction.
    public var isInTransaction: Bool { sqlite3_get_autocommit(db) == 0 }

    /// How a checkpoint copies the `-wal` file into the database (https://sqlite.org/c3ref/wal_checkpoint_v2.html).
    public enum CheckpointMode: Int32, Sendable {
        /// Copies what no reader still needs, without waiting for anyone.
        case passive = 0
        /// Like `.passive`, then waits for readers and truncates the `-wal` file to zero bytes.
        case truncate = 3
    }

    /// What a checkpoint did: frames in the `-wal` file and frames copied into the database.
    public struct CheckpointResult: Sendable, Equatable {
        /// Frames in the log (-1 when the database is not in WAL mode).
        public var logFrames: Int
        /// Frames copied into the database.
        public var checkpointedFrames: Int
        /// Whether a reader or writer kept it from finishing (`SQLITE_BUSY`).
        public var busy: Bool
    }

    /// Checkpoints the `-wal` file into the database.
    /// - Parameter mode: `.passive` (never waits) or `.truncate` (waits for readers, up to the busy timeout).
    /// - Returns: the log and checkpointed frame counts.
    /// - Throws: `StoreError.sqlite` for errors other than `SQLITE_BUSY`.
    @discardableResult
    public func checkpoint(_ mode: CheckpointMode) throws(StoreError) -> CheckpointResult {
        var log: Int32 = 0
        var done: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(db, nil, mode.rawValue, &log, &done)
        try check(rc, "checkpointing '\(path)'", db: db, accepted: [SQLITE_OK, SQLITE_BUSY])
        return CheckpointResult(logFrames: Int(log), checkpointedFrames: Int(done), busy: rc == SQLITE_BUSY)
    }

    static func abbreviate(_ sql: String) -> String {
        let flat = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return flat.count > 80 ? String(flat.prefix(77)) + "…" : flat
    }
}

extension Connection {
    /// Rejects a path SQLite would fail on with a bare "disk I/O error" / "unable to open":
    /// a directory, or a file in a directory that does not exist.
    static func checkLocation(_ path: String) throws(StoreError) {
        guard path != ":memory:", !path.hasPrefix("file:") else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw StoreError.notAStore(path: path, reason: "it is a directory") }
            return
        }
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw StoreError.missingDirectory(path: path, directory: directory)
        }
    }
}
