import Foundation
import TestSupport
import Testing

@testable import SummaryStore

/// `PostgresConnection.copy` (binary COPY, the PostgreSQL bulk path of `recordResults`): values
/// arrive exactly, as `psql` (an independent client) reads them back; a bad row fails the whole
/// COPY with the server's SQLSTATE and leaves the session usable; a failed transaction keeps none
/// of its rows.
@Suite struct PostgresCopyTests {
    static let types: [CopyType] = [.int8, .float8, .text, .bytea, .float8]

    static func table(_ db: PostgresConnection) throws {
        try db.execute(
            "CREATE TABLE c (n BIGINT PRIMARY KEY, r DOUBLE PRECISION, t TEXT, b BYTEA, f DOUBLE PRECISION)")
    }

    @Test func valuesArriveExactly() throws {
        let database = try TestPostgres.freshDatabase()
        let db = try PostgresConnection(uri: database.uri)
        try Self.table(db)
        let rows: [[DatabaseValue]] = [
            [
                .integer(Int.max), .real(0.1), .text("it's \"quoted\", tab\there\nnewline \\ ✓"),
                .blob(Data([0, 1, 254, 255])), .integer(3),
            ],
            [.integer(Int.min), .real(-1.2345678901234567e-300), .text(""), .blob(Data()), .real(.nan)],
            [.integer(0), .real(.infinity), .null, .null, .real(-.infinity)],
            [
                .integer(-1), .real(Double.leastNonzeroMagnitude), .text("ünïcödé"),
                .blob(Data(repeating: 7, count: 3000)), .null,
            ],
        ]
        try db.inTransaction { () throws(StoreError) in
            try db.copy(into: "c", columns: ["n", "r", "t", "b", "f"], types: Self.types, rows: rows)
        }
        // psql's text output: float8 with extra_float_digits so every double reads back exactly.
        let out = try TestPostgres.psql(
            database.uri,
            "SET extra_float_digits = 3; SELECT n, r, t IS NULL, coalesce(md5(t), ''), encode(b, 'hex'), f "
                + "FROM c ORDER BY n")
        let lines = out.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false) }
        #expect(lines.count == 4)
        #expect(lines.map { Int($0[0]) } == [Int.min, -1, 0, Int.max])
        let byKey = Dictionary(uniqueKeysWithValues: lines.map { (Int($0[0])!, $0) })
        for row in rows {
            let line = try #require(byKey[row[0].intValue!])
            #expect(Double(line[1]) == row[1].doubleValue || (line[1] == "Infinity" && row[1] == .real(.infinity)))
            #expect((line[2] == "t") == row[2].isNull)
            if case .text(let t) = row[2] { #expect(String(line[3]) == Self.md5(t)) }
            if case .blob(let b) = row[3] {
                #expect(String(line[4]) == b.map { String(format: "%02x", $0) }.joined())
            } else {
                #expect(line[4].isEmpty)
            }
        }
        #expect(byKey[Int.max]?[5] == "3")
        #expect(byKey[Int.min]?[5] == "NaN")
        #expect(byKey[0]?[5] == "-Infinity")
        #expect(byKey[-1]?[5] == "")
        // The driver reads them back to the same values (NaN compared by its own rule).
        let back = try db.rows("SELECT n, r, t, b FROM c ORDER BY n").map { Array($0.values) }
        let sorted = rows.sorted { $0[0].intValue! < $1[0].intValue! }.map { Array($0[0..<4]) }
        #expect(back == sorted)
    }

    @Test func aBadRowFailsTheCopyAndItsTransaction() throws {
        let database = try TestPostgres.freshDatabase()
        let db = try PostgresConnection(uri: database.uri)
        try Self.table(db)
        let good: [[DatabaseValue]] = (0..<2000).map { [.integer($0), .real(Double($0)), .text("x"), .null, .null] }
        // A duplicate key in the middle of a stream longer than one send buffer: unique_violation.
        let bad = good + [[.integer(5), .null, .null, .null, .null]]
        let error = #expect(throws: StoreError.self) {
            try db.inTransaction { () throws(StoreError) in
                try db.copy(into: "c", columns: ["n", "r", "t", "b", "f"], types: Self.types, rows: good)
                try db.copy(into: "c", columns: ["n", "r", "t", "b", "f"], types: Self.types, rows: bad)
            }
        }
        guard case .postgres(let state, _, _) = error else {
            Issue.record("expected a PostgreSQL error, got \(String(describing: error))")
            return
        }
        #expect(state == "23505")
        #expect(try TestPostgres.psql(database.uri, "SELECT count(*) FROM c") == "0")
        // The session goes on.
        try db.inTransaction { () throws(StoreError) in
            try db.copy(into: "c", columns: ["n", "r", "t", "b", "f"], types: Self.types, rows: good)
        }
        #expect(try db.scalar("SELECT count(*) FROM c") == .integer(2000))
    }

    /// Stages of `copy(stages:after:)`: table `c` gets item n's rows (0 to 3 per item, keys
    /// 10n + j) with a blob of n % 256 repeated 20,000 + n bytes (6 MB per stage in all: more than
    /// the sockets hold, so the stream is sent while later stages are encoded); table `d` one row
    /// per item; `bad` adds a duplicate key to `d`'s last item. An empty stage between them is skipped.
    static func stages(items: Int, bad: Bool = false) -> [CopyStage] {
        let c = CopyStage(table: "c", columns: ["n", "r", "t", "b", "f"], types: types, count: items) { n in
            (0..<(n % 4)).map { j -> [DatabaseValue] in
                [
                    .integer(10 * n + j), .real(Double(n) / 7), .text("item \(n)"),
                    .blob(Data(repeating: UInt8(n % 256), count: 20_000 + n)), .integer(j),
                ]
            }
        }
        let d = CopyStage(table: "d", columns: ["n", "t"], types: [.int8, .text], count: items) { n in
            [[.integer(n), .text(String(repeating: "é", count: n % 50))]]
                + (bad && n == items - 1 ? [[.integer(0), .text("again")]] : [])
        }
        return [c, CopyStage(table: "c", columns: [], types: [], count: 0) { _ in [] }, d]
    }

    /// Every stage's rows arrive, in full, when encoding overlaps a slow statement sent before and
    /// the COPYs; the server itself checks each blob against its key.
    @Test func stagesArriveWhileTheServerWorks() throws {
        let database = try TestPostgres.freshDatabase()
        let db = try PostgresConnection(uri: database.uri)
        try Self.table(db)
        try db.execute("CREATE TABLE d (n BIGINT PRIMARY KEY, t TEXT)")
        let items = 300
        try db.inTransaction { () throws(StoreError) in
            try db.send("SELECT pg_sleep(0.3)", [])
            try db.copy(stages: Self.stages(items: items), after: "sleeping")
        }
        let expected = (0..<items).map { $0 % 4 }.reduce(0, +)
        #expect(try TestPostgres.psql(database.uri, "SELECT count(*) FROM c") == String(expected))
        #expect(
            try TestPostgres.psql(
                database.uri,
                "SELECT count(*) FROM c WHERE b <> decode(repeat(lpad(to_hex((n / 10) % 256), 2, '0'), "
                    + "20000 + (n / 10)::int), 'hex') OR t <> 'item ' || (n / 10) OR f <> n % 10") == "0")
        #expect(try TestPostgres.psql(database.uri, "SELECT count(*) FROM d") == String(items))
        #expect(
            try TestPostgres.psql(database.uri, "SELECT count(*) FROM d WHERE t <> repeat('é', (n % 50)::int)") == "0")
    }

    /// A failing statement sent before the COPYs, or a bad row in a later stage, fails the call
    /// with the server's SQLSTATE; the transaction keeps no row of any stage and the session goes on.
    @Test func aFailureBeforeOrInAStageKeepsNothing() throws {
        let database = try TestPostgres.freshDatabase()
        let db = try PostgresConnection(uri: database.uri)
        try Self.table(db)
        try db.execute("CREATE TABLE d (n BIGINT PRIMARY KEY, t TEXT)")
        for (statement, bad, state) in [("SELECT 1 / 0", false, "22012"), ("SELECT 1", true, "23505")] {
            let error = #expect(throws: StoreError.self) {
                try db.inTransaction { () throws(StoreError) in
                    try db.send(statement, [])
                    try db.copy(stages: Self.stages(items: 100, bad: bad), after: "the statement before")
                }
            }
            guard case .postgres(let found, _, _) = error else {
                Issue.record("expected a PostgreSQL error, got \(String(describing: error))")
                continue
            }
            #expect(found == state)
            #expect(
                try TestPostgres.psql(database.uri, "SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM d)") == "0"
            )
        }
        try db.inTransaction { () throws(StoreError) in try db.copy(stages: Self.stages(items: 10)) }
        #expect(try db.scalar("SELECT count(*) FROM d") == .integer(10))
    }

    static func md5(_ text: String) -> String {
        let out = try? runProcess(
            ["-c", "printf '%s' \"$1\" | md5sum", "md5", text], executable: URL(fileURLWithPath: "/bin/sh"))
        return String(out?.stdout.prefix(32) ?? "")
    }
}

extension PostgresConnection {
    /// Appends rows to a table with one `COPY … FROM STDIN (FORMAT binary)`: `copy(stages:after:)`
    /// with one stage of ready rows (the store's writes build theirs in slices).
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
        try copy(stages: [CopyStage(table: table, columns: columns, types: types, count: rows.count) { [rows[$0]] }])
    }
}
