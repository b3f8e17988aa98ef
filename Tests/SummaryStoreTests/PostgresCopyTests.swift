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

    static func md5(_ text: String) -> String {
        let out = try? runProcess(
            ["-c", "printf '%s' \"$1\" | md5sum", "md5", text], executable: URL(fileURLWithPath: "/bin/sh"))
        return String(out?.stdout.prefix(32) ?? "")
    }
}
