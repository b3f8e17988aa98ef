import CPostgres
import Foundation

/// The PostgreSQL type of a column written by `COPY … (FORMAT binary)`, which must match the
/// column exactly (the server reads each field with the column type's binary input function).
enum CopyType: Sendable {
    /// `BIGINT`: 8 bytes, big-endian two's complement.
    case int8
    /// `DOUBLE PRECISION`: 8 bytes, big-endian IEEE 754.
    case float8
    /// `TEXT`: the UTF-8 bytes.
    case text
    /// `BYTEA`: the bytes.
    case bytea
}

extension PostgresConnection {
    /// Appends rows to a table with one `COPY … FROM STDIN (FORMAT binary)`: the values go to the
    /// server as the binary tuples it stores, with no SQL text, no parameter parsing and one
    /// round trip for the whole set (https://www.postgresql.org/docs/15/sql-copy.html, "Binary
    /// Format"; libpq: `PQputCopyData`/`PQputCopyEnd`, https://www.postgresql.org/docs/15/libpq-copy.html).
    ///
    /// Runs inside the caller's transaction: a failure (a constraint, a lost connection) aborts
    /// it, as any statement's would.
    /// - Parameters:
    ///   - table: the table.
    ///   - columns: the columns written, in the order of each row's values.
    ///   - types: each column's type; an integer value for a `float8` column is converted.
    ///   - rows: the rows, each `columns.count` values.
    /// - Throws: `StoreError.postgres` (SQLSTATE, operation, server message).
    func copy(into table: String, columns: [String], types: [CopyType], rows: [[DatabaseValue]]) throws(StoreError) {
        guard !rows.isEmpty else { return }
        let operation = "copying \(rows.count) rows into \(table)"
        let sql =
            "COPY \(table) (" + columns.map { "\"\($0)\"" }.joined(separator: ", ") + ") FROM STDIN (FORMAT binary)"
        let start = PQexec(conn, sql)
        let status = start.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        guard status == PGRES_COPY_IN else {
            defer { PQclear(start) }
            try check(start, operation)
            throw StoreError.postgres(sqlState: "", operation: operation, message: "the server did not start COPY")
        }
        PQclear(start)
        var buffer = CopyBuffer()
        buffer.header()
        var failure: String? = nil
        for row in rows {
            buffer.tuple(row, types: types)
            if buffer.bytes.count >= 1 << 20, !send(&buffer) {
                failure = "sending the rows failed"
                break
            }
        }
        if failure == nil {
            buffer.trailer()
            if !send(&buffer) { failure = "sending the rows failed" }
        }
        // A failed send is reported by ending the COPY with an error message; the server then
        // answers with the COPY's failure, which `check` turns into the error.
        guard PQputCopyEnd(conn, failure) == 1 else {
            throw StoreError.postgres(
                sqlState: "", operation: operation, message: Self.oneLine(String(cString: PQerrorMessage(conn))))
        }
        var last: OpaquePointer? = nil
        while let result = PQgetResult(conn) {
            if let previous = last { PQclear(previous) }
            last = result
        }
        defer { PQclear(last) }
        try check(last, operation)
    }

    /// Sends the buffer's bytes as COPY data and empties it; `false` when libpq could not.
    private func send(_ buffer: inout CopyBuffer) -> Bool {
        let ok = buffer.bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) == 1 }
        }
        buffer.bytes.removeAll(keepingCapacity: true)
        return ok
    }
}

/// The bytes of a binary COPY stream: signature, tuples, trailer.
struct CopyBuffer {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 20 + 4096) }

    /// The 11-byte signature `PGCOPY\n\377\r\n\0`, the flags (0: no OIDs) and the header
    /// extension's length (0).
    mutating func header() {
        bytes.append(contentsOf: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00])
        int32(0)
        int32(0)
    }

    /// The end of the data: a field count of -1.
    mutating func trailer() { int16(-1) }

    /// One tuple: the field count, then each field's length (-1 for NULL) and bytes.
    mutating func tuple(_ row: [DatabaseValue], types: [CopyType]) {
        int16(Int16(row.count))
        for (value, type) in zip(row, types) {
            switch (value, type) {
            case (.null, _):
                int32(-1)
            case (.integer(let v), .float8):
                int32(8)
                int64(Int64(bitPattern: Double(v).bitPattern))
            case (.integer(let v), _):
                int32(8)
                int64(Int64(v))
            case (.real(let v), .int8):
                int32(8)
                int64(Int64(v))
            case (.real(let v), _):
                int32(8)
                int64(Int64(bitPattern: v.bitPattern))
            case (.text(let v), _):
                var v = v
                v.withUTF8 { utf8 in
                    int32(Int32(utf8.count))
                    bytes.append(contentsOf: utf8)
                }
            case (.blob(let v), _):
                int32(Int32(v.count))
                bytes.append(contentsOf: v)
            }
        }
    }

    private mutating func int16(_ v: Int16) {
        let u = UInt16(bitPattern: v)
        bytes.append(UInt8(u >> 8))
        bytes.append(UInt8(u & 0xFF))
    }

    private mutating func int32(_ v: Int32) {
        let u = UInt32(bitPattern: v)
        bytes.append(contentsOf: [UInt8(u >> 24), UInt8((u >> 16) & 0xFF), UInt8((u >> 8) & 0xFF), UInt8(u & 0xFF)])
    }

    private mutating func int64(_ v: Int64) {
        withUnsafeBytes(of: UInt64(bitPattern: v).bigEndian) { bytes.append(contentsOf: $0) }
    }
}
