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

/// One table's rows for `PostgresConnection.copy(stages:after:)`, produced item by item (an item
/// is, e.g., one task, giving any number of rows), so they can be built and encoded in slices
/// while the server works.
struct CopyStage {
    /// The table.
    let table: String
    /// The columns written, in the order of each row's values.
    let columns: [String]
    /// Each column's type; an integer value for a `float8` column is converted.
    let types: [CopyType]
    /// How many items there are.
    let count: Int
    /// The rows of item `i` (`0..<count`), each `columns.count` values.
    let rows: (Int) -> [[DatabaseValue]]
}

extension PostgresConnection {
    /// Binary COPY (https://www.postgresql.org/docs/15/sql-copy.html, "Binary Format"; libpq:
    /// `PQputCopyData`/`PQputCopyEnd`, https://www.postgresql.org/docs/15/libpq-copy.html): the
    /// values go to the server as the binary tuples it stores, with no SQL text, no parameter
    /// parsing and one round trip per table.
    ///
    /// One binary `COPY` per stage, in order, with the client's work overlapped with the server's:
    /// whenever the server is still working — on the statement sent before (`after`, e.g. the
    /// batch's task updates, sent with `send`), or on a stage's rows — this encodes the next
    /// stages' rows (building them from their items, 64 items at a time, then checking the server
    /// again) instead of waiting. A stage whose rows are not all encoded when its turn comes is
    /// streamed: each slice goes out as soon as it is encoded, while the server reads the previous
    /// ones. The connection is nonblocking meanwhile (`PQsetnonblocking`), so queuing COPY data
    /// never waits for the server to read it.
    ///
    /// On two cores the server and this process then work at the same time instead of taking
    /// turns (docs/summary-store.md, "Overlapping the writer with the server").
    ///
    /// Runs inside the caller's transaction. Stages with no rows are skipped. The statement sent
    /// before fails this call as its own failure would. After a failure the server answered, the
    /// connection is idle (ready for the caller's `ROLLBACK`); after a broken connection it is
    /// not, and the `ROLLBACK` fails too — either way nothing of the transaction is committed.
    /// - Parameters:
    ///   - stages: the tables and their rows.
    ///   - after: what the statement sent before does (for its error message), or `nil` when
    ///     nothing was sent.
    /// - Throws: `StoreError.postgres` (SQLSTATE, operation, server message).
    func copy(stages allStages: [CopyStage], after: String? = nil) throws(StoreError) {
        let stages = allStages.filter { $0.count > 0 }
        PQsetnonblocking(conn, 1)
        defer { PQsetnonblocking(conn, 0) }
        var encoder = StageEncoder(stages: stages)
        if let after {
            while !encoder.done && isBusy { encoder.step() }
            try finishStatement(after)
        }
        for (k, stage) in stages.enumerated() {
            let operation = "copying into \(stage.table)"
            let sql =
                "COPY \(stage.table) ("
                + stage.columns.map { "\"\($0)\"" }.joined(separator: ", ") + ") FROM STDIN (FORMAT binary)"
            let start = PQexec(conn, sql)
            let status = start.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
            guard status == PGRES_COPY_IN else {
                defer { PQclear(start) }
                try check(start, operation)
                throw StoreError.postgres(sqlState: "", operation: operation, message: "the server did not start COPY")
            }
            PQclear(start)
            // This stage's encoded bytes (all of them, or what is encoded so far), then the rest
            // as it is encoded.
            var sent = put(encoder.take(k))
            while sent && encoder.stage == k {
                encoder.step()
                sent = put(encoder.take(k))
            }
            // A failed send is reported by ending the COPY with an error message; the server then
            // answers with the COPY's failure, which `finishStatement` turns into the error.
            while true {
                let ended = PQputCopyEnd(conn, sent ? nil : "sending the rows failed")
                if ended == 1 { break }
                guard ended == 0, flush() else {
                    throw StoreError.postgres(
                        sqlState: "", operation: operation, message: Self.oneLine(String(cString: PQerrorMessage(conn)))
                    )
                }
            }
            while !encoder.done && isBusy { encoder.step() }
            try finishStatement(operation)
        }
    }

    /// Queues COPY data (`PQputCopyData`), waiting for the socket only when libpq cannot queue
    /// more; `false` when libpq failed, or still could not queue once everything was sent (libpq
    /// returns 0 in nonblocking mode when its buffer cannot grow).
    private func put(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        var flushed = false
        while true {
            let queued = bytes.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) }
            }
            if queued == 1 { return true }
            guard queued == 0, !flushed, flush() else { return false }
            flushed = true
        }
    }

    /// Sends everything queued, waiting for the socket as needed; `false` when libpq failed.
    private func flush() -> Bool {
        while true {
            let left = PQflush(conn)
            if left == 0 { return true }
            guard left == 1 else { return false }
            var fd = pollfd(fd: PQsocket(conn), events: Int16(POLLOUT), revents: 0)
            _ = poll(&fd, 1, 1000)
        }
    }
}

/// Encodes `CopyStage`s in order, a slice of items per `step`, into one binary COPY stream each.
private struct StageEncoder {
    let stages: [CopyStage]
    /// The stage being encoded; `stages.count` when all are.
    private(set) var stage = 0
    /// The next item of `stage`.
    private var item = 0
    /// Each stage's bytes not yet taken.
    private var buffers: [CopyBuffer]
    /// Items per step: small enough to check the server often (64 tasks take well under a
    /// millisecond to build and encode).
    static let slice = 64

    init(stages: [CopyStage]) {
        self.stages = stages
        buffers = stages.map { _ in CopyBuffer() }
        if !stages.isEmpty { buffers[0].header() }
    }

    var done: Bool { stage == stages.count }

    /// Encodes the next slice of items.
    mutating func step() {
        guard !done else { return }
        let s = stages[stage]
        let end = min(item + Self.slice, s.count)
        for i in item..<end {
            for row in s.rows(i) { buffers[stage].tuple(row, types: s.types) }
        }
        item = end
        guard item == s.count else { return }
        buffers[stage].trailer()
        stage += 1
        item = 0
        if stage < stages.count { buffers[stage].header() }
    }

    /// Stage `k`'s bytes encoded since the last `take`.
    mutating func take(_ k: Int) -> [UInt8] {
        defer { buffers[k] = CopyBuffer(reserving: 0) }
        return buffers[k].bytes
    }
}

/// The bytes of a binary COPY stream: signature, tuples, trailer.
struct CopyBuffer {
    var bytes: [UInt8] = []

    init(reserving capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

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
