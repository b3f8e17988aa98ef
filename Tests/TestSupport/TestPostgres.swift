import Foundation
import Synchronization

/// The PostgreSQL server the tests use: a real, throwaway server, never one installed by hand.
///
/// `scripts/test.sh` starts one with `scripts/pg-server.sh` and exports its URI as
/// `DMFSWEEP_TEST_POSTGRES`. When that variable is not set (`swift test` run by hand), the first
/// test that asks starts a server of its own through the same script; it is stopped when the test
/// process exits, and a watchdog started by the script stops it if the process dies first. If no
/// server can be started (no `postgresql` package), `serverURI()` throws one line saying how to get one,
/// so PostgreSQL tests fail instead of being skipped.
public enum TestPostgres {
    /// The environment variable holding the URI of a server the tests may use freely.
    public static let environmentVariable = "DMFSWEEP_TEST_POSTGRES"

    private struct State {
        var uri: String?
        var failure: String?
    }

    private static let state = Mutex(State())

    /// The directory of the server this process started (stopped at exit), if it started one.
    private nonisolated(unsafe) static var ownServer: String?

    /// The server's URI (`postgresql://postgres@127.0.0.1:PORT/postgres`).
    /// - Throws: `TestPostgresError` when no server is given and none can be started.
    public static func serverURI() throws -> String {
        try state.withLock { state in
            if let uri = state.uri { return uri }
            if let failure = state.failure { throw TestPostgresError(message: failure) }
            if let given = ProcessInfo.processInfo.environment[environmentVariable], !given.isEmpty {
                state.uri = given
                return given
            }
            do {
                let uri = try startServer()
                state.uri = uri
                return uri
            } catch let error as TestPostgresError {
                state.failure = error.message
                throw error
            }
        }
    }

    /// A new, empty database on the test server, dropped when the value is released.
    /// - Throws: `TestPostgresError` when there is no server or `CREATE DATABASE` fails.
    public static func freshDatabase() throws -> TestDatabase {
        let server = try serverURI()
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        _ = try psql(server, "CREATE DATABASE \(name)")
        return TestDatabase(server: server, name: name)
    }

    /// Runs SQL with `psql` (an independent client: tests check the database through it).
    /// - Parameters:
    ///   - uri: the database.
    ///   - sql: one or more statements.
    /// - Returns: the unaligned, tuples-only output (`|` between columns, one row per line).
    /// - Throws: `TestPostgresError` with psql's message when it fails.
    @discardableResult
    public static func psql(_ uri: String, _ sql: String) throws -> String {
        let out = try runProcess(
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql],
            executable: URL(fileURLWithPath: "/usr/bin/psql"), timeout: 60)
        guard out.status == 0, !out.signaled else {
            throw TestPostgresError(
                message: "psql failed: \(out.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func startServer() throws -> String {
        let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/pg-server.sh").path
        let hint =
            "no PostgreSQL server for the tests: run them with 'bash scripts/test.sh', set \(environmentVariable), "
            + "or install Debian's postgresql package so they can start one"
        guard FileManager.default.fileExists(atPath: "/usr/bin/psql") else { throw TestPostgresError(message: hint) }
        let out = try runProcess(
            [script, "start", "--owner", "\(getpid())"], executable: URL(fileURLWithPath: "/bin/bash"), timeout: 120)
        let dir = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard out.status == 0, !dir.isEmpty,
            let uri = try? String(contentsOfFile: dir + "/uri", encoding: .utf8)
        else {
            throw TestPostgresError(message: hint + " (\(out.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        ownServer = dir
        atexit {
            guard let dir = TestPostgres.ownServer else { return }
            let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/pg-server.sh").path
            _ = try? runProcess([script, "stop", dir], executable: URL(fileURLWithPath: "/bin/bash"), timeout: 60)
        }
        return uri.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A database of its own on the test server; dropped (with `FORCE`) when released.
public final class TestDatabase: Sendable {
    /// The server's URI (its maintenance database).
    public let server: String
    /// The database's name.
    public let name: String

    init(server: String, name: String) {
        self.server = server
        self.name = name
    }

    /// The URI of this database (the server's URI with the database name replaced).
    public var uri: String {
        guard var parts = URLComponents(string: server) else { return server }
        parts.path = "/" + name
        return parts.string ?? server
    }

    deinit { _ = try? TestPostgres.psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
}

/// Why the tests have no PostgreSQL server (one line, with what to do).
public struct TestPostgresError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
