import Foundation
import TestSupport
import Testing

@testable import SummaryStore

/// A fresh, empty database of each engine: an SQLite file in a temporary directory, or a new
/// database on the tests' PostgreSQL server (`TestPostgres`).
final class EngineDatabase {
    let engine: StoreEngine
    let driver: any DatabaseDriver
    private let keep: AnyObject

    init(_ engine: StoreEngine) throws {
        self.engine = engine
        switch engine {
        case .sqlite:
            let dir = try TemporaryDirectory(prefix: "driver")
            keep = dir
            driver = try Connection(path: dir.path("d.sqlite"), mode: .create)
        case .postgresql:
            let db = try TestPostgres.freshDatabase()
            keep = db
            driver = try PostgresConnection(uri: db.uri)
        }
    }
}

/// The driver interface behaves the same on both engines: values round-trip exactly, change
/// counts, transactions commit or roll back, errors are typed.
@Suite struct DatabaseDriverTests {
    static func table(_ d: SQLDialect) -> String {
        """
        CREATE TABLE v (id \(d.serialKey), i \(d.integer), r \(d.real), t \(d.text), b \(d.blob),
            u \(d.integer) UNIQUE)
        """
    }

    @Test(arguments: StoreEngine.allCases) func valuesRoundTrip(engine: StoreEngine) throws {
        let db = try EngineDatabase(engine)
        let d = db.driver
        try d.run(Self.table(d.dialect), [])
        let values: [[DatabaseValue]] = [
            [.integer(Int.max), .real(0.1), .text("it's a \"test\" ? 'x'"), .blob(Data([0, 1, 254, 255]))],
            [.integer(Int.min), .real(-1.2345678901234567e-300), .text(""), .blob(Data())],
            [.integer(0), .real(Double.leastNonzeroMagnitude), .text("ünïcödé ✓"), .null],
            [.null, .null, .null, .null],
        ]
        for row in values { #expect(try d.run("INSERT INTO v (i, r, t, b) VALUES (?, ?, ?, ?)", row) == 1) }
        let back = try d.rows("SELECT i, r, t, b FROM v ORDER BY id").map(\.values)
        #expect(back == values)
        // A '?' inside a string literal is not a placeholder.
        #expect(try d.scalar("SELECT count(*) FROM v WHERE t = 'it''s a \"test\" ? ''x''' OR i = ?", [0]) == 2)
    }

    @Test(arguments: StoreEngine.allCases) func changesAndConflicts(engine: StoreEngine) throws {
        let db = try EngineDatabase(engine)
        let d = db.driver
        try d.run(Self.table(d.dialect), [])
        for k in 0..<5 { try d.run("INSERT INTO v (i, u) VALUES (?, ?)", [.integer(k), .integer(k)]) }
        #expect(try d.run("UPDATE v SET r = 1.5 WHERE i >= ?", [2]) == 3)
        #expect(try d.run("INSERT INTO v (i, u) VALUES (9, ?) ON CONFLICT (u) DO NOTHING", [3]) == 0)
        #expect(
            try d.run("INSERT INTO v (i, u) VALUES (9, ?) ON CONFLICT (u) DO UPDATE SET i = excluded.i", [3]) == 1)
        #expect(try d.scalar("SELECT i FROM v WHERE u = 3") == .integer(9))
        #expect(try d.scalar("SELECT \(d.dialect.greatest("i", "?")) FROM v WHERE u = 0", [7]) == .integer(7))
        let id = try d.scalar("INSERT INTO v (i, u) VALUES (1, 100) RETURNING id")
        #expect(id?.intValue != nil)
        let error = #expect(throws: StoreError.self) { try d.run("INSERT INTO v (u) VALUES (?)", [100]) }
        switch (engine, error) {
        case (.sqlite, .sqlite(let code, _, _)?): #expect(code & 0xff == 19)  // SQLITE_CONSTRAINT
        case (.postgresql, .postgres(let state, _, _)?): #expect(state == "23505")  // unique_violation
        default: Issue.record("unexpected error \(String(describing: error))")
        }
    }

    @Test(arguments: StoreEngine.allCases) func transactionsCommitOrRollBack(engine: StoreEngine) throws {
        let db = try EngineDatabase(engine)
        let d = db.driver
        try d.run(Self.table(d.dialect), [])
        try d.inTransaction { () throws(StoreError) in
            try d.run("INSERT INTO v (u) VALUES (1)", [])
            try d.inTransaction { () throws(StoreError) in try d.run("INSERT INTO v (u) VALUES (2)", []) }
        }
        #expect(throws: StoreError.self) {
            try d.inTransaction { () throws(StoreError) in
                try d.run("INSERT INTO v (u) VALUES (3)", [])
                try d.run("INSERT INTO v (u) VALUES (1)", [])  // conflict: the whole transaction goes
            }
        }
        #expect(try d.scalar("SELECT count(*) FROM v") == .integer(2))
        // The connection is usable after the rollback.
        try d.run("INSERT INTO v (u) VALUES (3)", [])
        #expect(try d.scalar("SELECT count(*) FROM v") == .integer(3))
    }
}

/// `--store` arguments: paths, libpq URIs, and passwords that never reach a message.
@Suite struct StoreLocationTests {
    @Test(arguments: [
        ("results.sqlite", "results.sqlite", StoreEngine.sqlite),
        ("/tmp/a b/postgres://x", "/tmp/a b/postgres://x", .sqlite),
        ("postgresql://u@h:5432/db", "postgresql://u@h:5432/db", .postgresql),
        ("POSTGRES://u:s3cr%40t@h/db?sslmode=require", "POSTGRES://u:***@h/db?sslmode=require", .postgresql),
        ("postgresql://u:pw@h1,h2:5433/db", "postgresql://u:***@h1,h2:5433/db", .postgresql),
        (
            "postgresql:///db?host=/tmp&password=pw&user=u", "postgresql:///db?host=/tmp&password=***&user=u",
            .postgresql
        ),
        ("postgresql://h/db?PassWord=x", "postgresql://h/db?PassWord=***", .postgresql),
    ])
    func parsesAndMasks(argument: String, shown: String, engine: StoreEngine) {
        let location = StoreLocation(argument)
        #expect(location.engine == engine)
        #expect(location.description == shown)
    }

    /// A failed login names the server, never the password given in the URI.
    @Test func connectionErrorsMaskThePassword() throws {
        let server = try TestPostgres.serverURI()
        var parts = try #require(URLComponents(string: server))
        parts.user = "nobody_here"
        parts.password = "hunter2secret"
        let uri = try #require(parts.string)
        let error = #expect(throws: StoreError.self) { try PostgresConnection(uri: uri) }
        let text = String(describing: error)
        #expect(text.contains("cannot connect to the summary store postgresql://nobody_here:***@127.0.0.1"))
        #expect(!text.contains("hunter2secret"))
    }
}
