import CPostgres
import Foundation

/// One open PostgreSQL session: the single owner of a libpq `PGconn*`.
///
/// Used from one thread at a time (deliberately not `Sendable`); open one per thread or process,
/// as with `Connection`. Statements are prepared once per session (`PQprepare`) and run with
/// `PQexecPrepared`; values are sent as text (bytea as binary) and results are read in text
/// format, decoded by column type. Errors keep the SQLSTATE, the operation and libpq's message.
/// See https://www.postgresql.org/docs/15/libpq-exec.html.
final class PostgresConnection {
    /// The URI the connection was opened with (may hold a password: print `location` instead).
    let uri: String
    /// The libpq connection (owned: closed in `deinit`).
    let conn: OpaquePointer
    private var prepared: [String: String] = [:]
    private var transactionDepth = 0

    /// Where the connection goes, password masked (for messages).
    var location: String { StoreLocation.maskingPassword(in: uri) }

    /// Connects.
    /// - Parameter uri: a libpq URI (`postgresql://…`); libpq's environment variables and password
    ///   file apply as usual.
    /// - Throws: `StoreError.unreachable` when the server cannot be reached or refuses the login.
    init(uri: String) throws(StoreError) {
        self.uri = uri
        guard let handle = PQconnectdb(uri) else {
            throw StoreError.unreachable(store: StoreLocation.maskingPassword(in: uri), message: "out of memory")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.oneLine(String(cString: PQerrorMessage(handle)))
            PQfinish(handle)
            throw StoreError.unreachable(store: StoreLocation.maskingPassword(in: uri), message: message)
        }
        conn = handle
        // NOTICEs (e.g. "relation already exists, skipping") would go to stderr by default.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        try run("SET client_min_messages = warning", [])
        // Shortest round-trip text for float8 (the default since PostgreSQL 12; explicit for older servers).
        try run("SET extra_float_digits = 3", [])
    }

    deinit { PQfinish(conn) }

    /// The server's version number (`150020` for 15.20).
    var serverVersion: Int { Int(PQserverVersion(conn)) }

    /// Runs SQL text without parameters (several statements allowed; DDL).
    /// - Throws: `StoreError.postgres`.
    func execute(_ sql: String) throws(StoreError) {
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        try check(result, "executing \(Connection.abbreviate(sql))")
    }

    /// `?` placeholders → `$1, $2, …`, outside string literals, quoted identifiers and comments.
    static func numberPlaceholders(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quote: Character? = nil
        for c in sql {
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// The name of the session's prepared statement for `sql`, prepared on first use.
    private func statementName(_ sql: String) throws(StoreError) -> String {
        if let known = prepared[sql] { return known }
        let name = "s\(prepared.count + 1)"
        let result = PQprepare(conn, name, Self.numberPlaceholders(sql), 0, nil)
        defer { PQclear(result) }
        try check(result, "preparing \(Connection.abbreviate(sql))")
        prepared[sql] = name
        return name
    }

    /// Runs one statement (prepared on first use) and returns its result; the caller clears it.
    private func exec(_ sql: String, _ values: [DatabaseValue]) throws(StoreError) -> OpaquePointer {
        let name = try statementName(sql)
        let result = Self.withParameters(values) { count, pointers, lengths, formats in
            PQexecPrepared(conn, name, count, pointers, lengths, formats, 0)
        }
        guard let result else {
            throw StoreError.postgres(
                sqlState: "", operation: "running \(Connection.abbreviate(sql))",
                message: Self.oneLine(String(cString: PQerrorMessage(conn))))
        }
        do {
            try check(result, "running \(Connection.abbreviate(sql))")
        } catch {
            PQclear(result)
            throw error
        }
        return result
    }

    /// Sends one statement (prepared on first use) without waiting for its result
    /// (`PQsendQueryPrepared`): the server runs it while the caller works on; `finishStatement`
    /// then collects the result. Nothing else may be sent on the connection in between.
    /// - Throws: `StoreError.postgres` when it cannot be sent.
    func send(_ sql: String, _ values: [DatabaseValue]) throws(StoreError) {
        let name = try statementName(sql)
        let sent = Self.withParameters(values) { count, pointers, lengths, formats in
            PQsendQueryPrepared(conn, name, count, pointers, lengths, formats, 0)
        }
        guard sent == 1 else {
            throw StoreError.postgres(
                sqlState: "", operation: "sending \(Connection.abbreviate(sql))",
                message: Self.oneLine(String(cString: PQerrorMessage(conn))))
        }
    }

    /// Waits for the statement sent last (`send`, or a COPY ended with `PQputCopyEnd`) and reads
    /// all its results, so the connection is free again.
    /// - Throws: `StoreError.postgres` when the statement failed.
    func finishStatement(_ operation: @autoclosure () -> String) throws(StoreError) {
        var last: OpaquePointer? = nil
        var failed: OpaquePointer? = nil
        while let result = PQgetResult(conn) {
            let status = PQresultStatus(result)
            if status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE, failed == nil {
                failed = result
            } else {
                PQclear(last)
                last = result
            }
        }
        defer {
            PQclear(last)
            PQclear(failed)
        }
        try check(failed ?? last, operation())
    }

    /// Whether the server has not yet answered the statement sent last: flushes what is queued
    /// for it (nonblocking connections) and reads what has arrived, without waiting.
    var isBusy: Bool {
        _ = PQflush(conn)
        guard PQconsumeInput(conn) == 1 else { return false }
        return PQisBusy(conn) == 1
    }

    /// Calls `body` with the values as libpq parameters: count, values, lengths, formats (text,
    /// bytea as binary).
    private static func withParameters<T>(
        _ values: [DatabaseValue],
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, [Int32], [Int32]) -> T
    ) -> T {
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        buffers.reserveCapacity(values.count)
        defer { for b in buffers { free(b) } }
        for value in values {
            switch value {
            case .null:
                buffers.append(nil)
                lengths.append(0)
                formats.append(0)
            case .blob(let data):
                let p = malloc(max(data.count, 1))!.assumingMemoryBound(to: CChar.self)
                data.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { memcpy(p, base, raw.count) }
                }
                buffers.append(p)
                lengths.append(Int32(data.count))
                formats.append(1)
            default:
                buffers.append(strdup(Self.text(value)))
                lengths.append(0)
                formats.append(0)
            }
        }
        return buffers.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: UnsafePointer<CChar>?.self) { pointers in
                body(Int32(values.count), pointers.baseAddress, lengths, formats)
            }
        }
    }

    /// The text form PostgreSQL parses back to the same value.
    static func text(_ value: DatabaseValue) -> String {
        switch value {
        case .null: return ""
        case .integer(let v): return String(v)
        case .real(let v):
            if v.isNaN { return "NaN" }
            if v.isInfinite { return v < 0 ? "-Infinity" : "Infinity" }
            return String(v)
        case .text(let v): return v
        case .blob(let v): return "\\x" + v.map { String(format: "%02x", $0) }.joined()
        }
    }

    /// Turns a failed result into `StoreError.postgres` (SQLSTATE, operation, message).
    func check(_ result: OpaquePointer?, _ operation: @autoclosure () -> String) throws(StoreError) {
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY { return }
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        let message =
            result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "M"))) }.map { String(cString: $0) }
            ?? String(cString: PQerrorMessage(conn))
        // A connection lost mid-session carries no SQLSTATE from the server; libpq knows it is gone:
        // report it as connection_failure (08006), as a server-side one would be.
        let lost = (state ?? "").isEmpty && PQstatus(conn) == CONNECTION_BAD
        throw StoreError.postgres(
            sqlState: lost ? "08006" : state ?? "", operation: operation(), message: Self.oneLine(message))
    }

    /// Decodes field (`row`, `column`) of a text-format result by the column's type.
    static func value(_ result: OpaquePointer, row: Int32, column: Int32) -> DatabaseValue {
        if PQgetisnull(result, row, column) == 1 { return .null }
        let raw = PQgetvalue(result, row, column)!
        let count = Int(PQgetlength(result, row, column))
        let type = PQftype(result, column)
        // Numbers straight from libpq's NUL-terminated text (no String on the way: the group-by
        // reads a million of them); anything not consumed whole falls through to the checks below.
        if type == 20 || type == 21 || type == 23 || type == 26 || type == 701 || type == 700, count > 0 {
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            if type == 701 || type == 700 {
                let v = strtod(raw, &end)
                if end == raw + count { return .real(v) }
            } else {
                let v = strtoll(raw, &end, 10)
                if end == raw + count && errno == 0 { return .integer(Int(v)) }
            }
        }
        let text = String(decoding: UnsafeRawBufferPointer(start: raw, count: count), as: UTF8.self)
        switch type {
        case 20, 21, 23, 26:  // int8, int2, int4, oid
            return Int(text).map(DatabaseValue.integer) ?? .text(text)
        case 700, 701, 1700:  // float4, float8, numeric
            switch text {
            case "NaN": return .real(.nan)
            case "Infinity": return .real(.infinity)
            case "-Infinity": return .real(-.infinity)
            default: return Double(text).map(DatabaseValue.real) ?? .text(text)
            }
        case 16:  // bool, as SQLite's 0/1
            return .integer(text == "t" ? 1 : 0)
        case 17:  // bytea, hex output ("\x0a1b…")
            return .blob(decodeHex(text.utf8.dropFirst(2)))
        default:
            return .text(text)
        }
    }

    private static func decodeHex(_ digits: Substring.UTF8View) -> Data {
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return c &- UInt8(ascii: "A") &+ 10
            }
        }
        var out = Data(capacity: digits.count / 2)
        var high: UInt8? = nil
        for c in digits {
            if let h = high {
                out.append(h << 4 | nibble(c))
                high = nil
            } else {
                high = nibble(c)
            }
        }
        return out
    }

    static func oneLine(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }
}

extension PostgresConnection: DatabaseDriver {
    var dialect: SQLDialect { SQLDialect(engine: .postgresql) }

    @discardableResult
    func run(_ sql: String, _ values: [DatabaseValue]) throws(StoreError) -> Int {
        let result = try exec(sql, values)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func forEachRow(
        _ sql: String, _ values: [DatabaseValue], _ body: (Row) throws(StoreError) -> Void
    ) throws(StoreError) {
        let result = try exec(sql, values)
        defer { PQclear(result) }
        let rows = PQntuples(result)
        let columns = PQnfields(result)
        for r in 0..<rows {
            try body(Row(values: (0..<columns).map { Self.value(result, row: r, column: $0) }))
        }
    }

    @discardableResult
    func inTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if transactionDepth > 0 {
            transactionDepth += 1
            defer { transactionDepth -= 1 }
            return try body()
        }
        try execute("BEGIN")
        transactionDepth = 1
        defer { transactionDepth = 0 }
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
