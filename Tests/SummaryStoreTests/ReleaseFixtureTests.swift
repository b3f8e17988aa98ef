import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// A store written by the release before the store-engine work (Fixtures/release-0.1.sqlite, see
/// Fixtures/README.md) opens with the current code and answers the same questions as the file
/// itself, read by the `sqlite3` command-line shell (an independent reader).
@Suite struct ReleaseFixtureTests {
    /// A copy of the fixture in a temporary directory (opening may upgrade the file in place).
    static func copy() throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory(prefix: "release-fixture")
        let source = TestPaths.repositoryRoot.appendingPathComponent(
            "Tests/SummaryStoreTests/Fixtures/release-0.1.sqlite")
        let path = dir.path("release-0.1.sqlite")
        try FileManager.default.copyItem(atPath: source.path, toPath: path)
        return (dir, path)
    }

    /// Runs one query with the `sqlite3` shell; one line per row, `|` between columns.
    static func sqlite3(_ path: String, _ sql: String) throws -> [String] {
        let out = try runProcess([path, sql], executable: URL(fileURLWithPath: "/usr/bin/sqlite3"))
        try #require(out.status == 0, "sqlite3: \(out.stderr)")
        return out.stdout.split(separator: "\n").map(String.init)
    }

    /// A copy of the fixture, upgraded in place to this build's schema.
    static func upgraded() throws -> (TemporaryDirectory, String) {
        let (dir, path) = try copy()
        _ = try SummaryStore(path: path, migrate: true)
        return (dir, path)
    }

    @Test func opensReadWriteAndKeepsEveryRow() throws {
        let (dir, path) = try Self.copy()
        defer { withExtendedLifetime(dir) {} }
        #expect(try Self.sqlite3(path, "PRAGMA user_version") == ["1"])
        let store = try SummaryStore(path: path, migrate: true)
        #expect(try Self.sqlite3(path, "PRAGMA user_version") == ["\(SummaryStore.schemaVersion)"])
        #expect(try store.integrityCheck() == ["ok"])
        let sweeps = try store.sweeps()
        #expect(sweeps.map(\.name) == ["fixture-estimation", "fixture-completion"])
        #expect(sweeps.map(\.counts.done) == [8, 4])
        let live = try store.liveStates()
        #expect(Array(live.keys) == ["fixture-estimation"])
        #expect(try Self.sqlite3(path, "SELECT count(*) FROM intervals") == ["32"])
    }

    /// Every stored result is rebuilt with the trajectory length and final loss the file holds.
    @Test func resultsMatchTheFile() throws {
        let (dir, path) = try Self.upgraded()
        defer { withExtendedLifetime(dir) {} }
        let rows = try Self.sqlite3(
            path,
            """
            SELECT t.key, r.status, r.steps, printf('%.17g', r.final_loss), j.points
            FROM tasks t JOIN results r ON r.task_id = t.id JOIN trajectories j ON j.task_id = t.id ORDER BY t.key
            """)
        #expect(rows.count == 12)
        let store = try SummaryStore(path: path, readOnly: true)
        for row in rows {
            let f = row.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let result = try #require(try store.result(for: TaskKey(hex: f[0])))
            #expect(result.status.rawValue == f[1])
            #expect(result.steps == Int(f[2]))
            // sqlite3's printf is good to about 15 significant digits, not to the last bit.
            if let loss = Double(f[3]) {
                #expect(abs(result.finalLoss - loss) <= 1e-14 * abs(loss))
            } else {
                #expect(!result.finalLoss.isFinite)
            }
            #expect(result.trajectory.count == Int(f[4]))
        }
    }

    /// A grouped aggregate equals the same aggregate computed by sqlite3 over the raw rows.
    @Test func aggregateMatchesTheFile() throws {
        let (dir, path) = try Self.upgraded()
        defer { withExtendedLifetime(dir) {} }
        let store = try SummaryStore(path: path, readOnly: true)
        let table = try store.aggregate(
            AggregateQuery(sweep: "fixture-estimation", groupBy: ["depth"], metric: Metric(parsing: "final_loss")))
        let expected = try Self.sqlite3(
            path,
            """
            SELECT t.p_depth, count(r.final_loss), printf('%.17g', avg(r.final_loss))
            FROM sweeps s JOIN sweep_tasks m ON m.sweep_id = s.id JOIN tasks t ON t.id = m.task_id
            JOIN results r ON r.task_id = t.id WHERE s.name = 'fixture-estimation' GROUP BY t.p_depth ORDER BY 1
            """)
        #expect(table.rows.count == expected.count)
        for (row, line) in zip(table.rows, expected) {
            let f = line.split(separator: "|").map(String.init)
            #expect(row.group == [.integer(Int(f[0])!)])
            #expect(row.count == Int(f[1]))
            let mean = try #require(row.mean)
            #expect(abs(mean - Double(f[2])!) <= 1e-12 * abs(mean))
        }
    }
}
