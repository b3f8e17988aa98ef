import CSQLite
import Foundation

/// `SQLITE_TRANSIENT`: SQLite copies bound text/blobs before the bind call returns. The C macro
/// (a cast of -1 to a function pointer) is not imported into Swift.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A compiled SQL statement: the single owner of an `sqlite3_stmt*`.
///
/// Bind parameters (1-based, as in SQLite) with typed values, `step()` through the rows, read
/// columns (0-based) with typed accessors. Values are never spliced into SQL text.
///
/// A statement that is not reset holds a read transaction open: in WAL mode that pins a snapshot
/// and no checkpoint can move past it, so the `-wal` file grows for as long as the connection
/// lives (https://sqlite.org/wal.html#avoiding_excessively_large_wal_files). So the wrapper resets
/// a statement as soon as it is done with it: `step()` resets when it reaches the end or fails,
/// `first(_:_:)` reads one row and resets, and `Connection` resets whatever is still active at the
/// end of each top-level transaction (`Connection.releaseStatements()`).
public final class Statement {
    /// The SQL the statement was compiled from.
    public let sql: String
    private let handle: OpaquePointer
    private let db: OpaquePointer

    init(db: OpaquePointer, sql: String) throws(StoreError) {
        self.db = db
        self.sql = sql
        var stmt: OpaquePointer?
        try check(
            sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil),
            "preparing \(Connection.abbreviate(sql))", db: db)
        guard let stmt else {
            throw StoreError.sqlite(code: SQLITE_MISUSE, operation: "preparing", message: "empty statement")
        }
        handle = stmt
    }

    deinit { sqlite3_finalize(handle) }

    /// Number of `?` parameters.
    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    /// Number of result columns.
    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// The name of result column `index` (0-based).
    public func columnName(at index: Int) -> String {
        sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? ""
    }

    /// Rewinds the statement and clears its bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds one value to parameter `index` (1-based).
    /// - Throws: `StoreError.sqlite` for an index out of range.
    public func bind(_ value: DatabaseValue, at index: Int) throws(StoreError) {
        let i = Int32(index)
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, i)
        case .integer(let v): rc = sqlite3_bind_int64(handle, i, Int64(v))
        case .real(let v): rc = sqlite3_bind_double(handle, i, v)
        case .text(let v): rc = sqlite3_bind_text(handle, i, v, -1, transient)
        case .blob(let v):
            rc = v.withUnsafeBytes { raw in
                // A zero-length blob must not be bound as NULL: use zeroblob(0).
                raw.baseAddress.map { sqlite3_bind_blob(handle, i, $0, Int32(raw.count), transient) }
                    ?? sqlite3_bind_zeroblob(handle, i, 0)
            }
        }
        try check(rc, "binding parameter \(index) of \(Connection.abbreviate(sql))", db: db)
    }

    /// Binds `values` to parameters 1, 2, … after a reset.
    /// - Throws: `StoreError.sqlite` when the count does not match the statement's parameters.
    public func bind(_ values: [DatabaseValue]) throws(StoreError) {
        reset()
        guard values.count == parameterCount else {
            throw StoreError.sqlite(
                code: SQLITE_RANGE, operation: "binding \(Connection.abbreviate(sql))",
                message: "\(values.count) values for \(parameterCount) parameters")
        }
        for (offset, v) in values.enumerated() { try bind(v, at: offset + 1) }
    }

    /// Advances to the next row.
    ///
    /// At the end (and after an error) the statement is reset, so it holds no read transaction;
    /// stepping it again starts it over with the same bindings.
    /// - Returns: `true` when a row is available, `false` when the statement is done.
    /// - Throws: `StoreError.sqlite` (e.g. `SQLITE_BUSY` after the busy timeout, a constraint violation).
    @discardableResult
    public func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE {
            sqlite3_reset(handle)
            return false
        }
        let code = rc
        sqlite3_reset(handle)
        throw StoreError.sqlite(
            code: code, operation: "running \(Connection.abbreviate(sql))", message: String(cString: sqlite3_errmsg(db))
        )
    }

    /// Binds `values`, reads the first row (if any) with `read` and resets the statement, so that
    /// a single-row query never leaves a read transaction open.
    /// - Parameters:
    ///   - values: the parameters, bound after a reset.
    ///   - read: reads the columns of the row (the statement is positioned on it).
    /// - Returns: what `read` returned, or `nil` when the query has no row.
    /// - Throws: `StoreError.sqlite`, or what `read` throws.
    public func first<T>(
        _ values: [DatabaseValue] = [], _ read: (Statement) throws(StoreError) -> T
    ) throws(StoreError) -> T? {
        try bind(values)
        defer { sqlite3_reset(handle) }
        return try step() ? try read(self) : nil
    }

    /// Whether the statement has started and not yet been reset (it then holds a read transaction).
    public var isActive: Bool { sqlite3_stmt_busy(handle) != 0 }

    /// Binds `values` and runs the statement to completion (INSERT/UPDATE/DELETE).
    /// - Throws: `StoreError.sqlite`.
    public func execute(_ values: [DatabaseValue] = []) throws(StoreError) {
        try bind(values)
        while try step() {}
    }

    /// Whether column `index` of the current row is NULL.
    public func isNull(at index: Int) -> Bool { sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL }

    /// Column `index` as an integer, `nil` when NULL.
    public func int(at index: Int) -> Int? {
        isNull(at: index) ? nil : Int(sqlite3_column_int64(handle, Int32(index)))
    }

    /// Column `index` as a real, `nil` when NULL.
    public func double(at index: Int) -> Double? {
        isNull(at: index) ? nil : sqlite3_column_double(handle, Int32(index))
    }

    /// Column `index` as text, `nil` when NULL.
    public func string(at index: Int) -> String? {
        guard !isNull(at: index), let p = sqlite3_column_text(handle, Int32(index)) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
    }

    /// Column `index` as bytes, `nil` when NULL.
    public func data(at index: Int) -> Data? {
        guard !isNull(at: index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        guard count > 0, let p = sqlite3_column_blob(handle, Int32(index)) else { return Data() }
        return Data(bytes: p, count: count)
    }

    /// Column `index` as whatever SQLite holds.
    public func value(at index: Int) -> DatabaseValue {
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER: return .integer(Int(sqlite3_column_int64(handle, Int32(index))))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, Int32(index)))
        case SQLITE_TEXT: return .text(string(at: index) ?? "")
        case SQLITE_BLOB: return .blob(data(at: index) ?? Data())
        default: return .null
        }
    }
}
