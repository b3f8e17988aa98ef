import Foundation
import TestSupport
import Testing

/// scripts/pg-server.sh: a real throwaway PostgreSQL server, reachable on 127.0.0.1 and on its Unix
/// socket, and nothing left behind after `stop` — or after its owner process dies.
@Suite(.serialized) struct PostgresServerScriptTests {
    static let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/pg-server.sh").path

    static func bash(_ arguments: [String]) throws -> ProcessOutput {
        try runProcess([script] + arguments, executable: URL(fileURLWithPath: "/bin/bash"), timeout: 120)
    }

    @Test func startServesQueriesAndStopRemovesEverything() throws {
        let start = try Self.bash(["start"])
        try #require(start.status == 0, "\(start.stderr)")
        let dir = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Self.bash(["stop", dir]) }
        let uri = try String(contentsOfFile: dir + "/uri", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(uri.hasPrefix("postgresql://postgres@127.0.0.1:"))
        #expect(try TestPostgres.psql(uri, "SELECT 6 * 7") == "42")
        // The Unix socket in the directory serves the same server.
        let port = try String(contentsOfFile: dir + "/port", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try TestPostgres.psql("postgresql://postgres@/postgres?host=\(dir)&port=\(port)", "SELECT 1") == "1")
        #expect(try TestPostgres.psql(uri, "SHOW server_version_num").hasPrefix("1"))
        let stop = try Self.bash(["stop", dir])
        #expect(stop.status == 0)
        #expect(!FileManager.default.fileExists(atPath: dir))
        #expect(throws: TestPostgresError.self) { try TestPostgres.psql(uri, "SELECT 1") }
    }

    /// `--owner PID`: the watchdog stops the server once that process is gone.
    @Test func watchdogStopsTheServerWhenItsOwnerDies() throws {
        let owner = try ChildProcess(["300"], executable: URL(fileURLWithPath: "/bin/sleep"))
        let start = try Self.bash(["start", "--owner", "\(owner.pid)"])
        try #require(start.status == 0, "\(start.stderr)")
        let dir = start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Self.bash(["stop", dir]) }
        #expect(FileManager.default.fileExists(atPath: dir + "/uri"))
        owner.send(signal: SIGKILL)
        _ = owner.wait(timeout: 10)
        let deadline = Date().addingTimeInterval(60)
        while FileManager.default.fileExists(atPath: dir) && Date() < deadline { usleep(200_000) }
        #expect(!FileManager.default.fileExists(atPath: dir))
    }

    @Test func stopRefusesADirectoryItDidNotMake() throws {
        let dir = try TemporaryDirectory(prefix: "not-pg")
        let out = try Self.bash(["stop", dir.url.path])
        #expect(out.status != 0)
        #expect(out.stderr.contains("not a directory made by pg-server.sh start"))
        #expect(FileManager.default.fileExists(atPath: dir.url.path))
    }

    /// The tests' own server (TestPostgres): a fresh database per use, dropped afterwards.
    @Test func freshDatabasesAreIsolated() throws {
        var a: TestDatabase? = try TestPostgres.freshDatabase()
        let b = try TestPostgres.freshDatabase()
        try TestPostgres.psql(a!.uri, "CREATE TABLE x (v int); INSERT INTO x VALUES (1)")
        #expect(try TestPostgres.psql(a!.uri, "SELECT count(*) FROM x") == "1")
        #expect(throws: TestPostgresError.self) { try TestPostgres.psql(b.uri, "SELECT count(*) FROM x") }
        let name = a!.name
        a = nil
        #expect(try TestPostgres.psql(b.server, "SELECT count(*) FROM pg_database WHERE datname = '\(name)'") == "0")
    }
}
