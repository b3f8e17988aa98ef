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
        // The release's 32 interval rows are the entropy measure's; the upgrade adds the ratio ones.
        #expect(
            try Self.sqlite3(path, "SELECT measure, count(*) FROM intervals GROUP BY measure ORDER BY measure")
                == ["entropy|32", "ratio|32"])
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

    /// The parameters added after the release (`rows`, `symmetric`, `width`, `alpha_scope`,
    /// `target`, `clean`, `mask`) get their columns on the upgrade, holding what every release task
    /// ran with (checked with sqlite3): unset (NULL) for rows, width and the matrix files, `true`
    /// for symmetric, `factor` for alpha_scope. Every task rebuilt from its columns keeps its stored
    /// key; queries group and filter by the new parameters; the release's results have no recovery
    /// row, and a result recorded after the upgrade has one and is queried.
    @Test func newParametersGetTheirColumnsAndAreQueried() throws {
        let (dir, path) = try Self.copy()
        defer { withExtendedLifetime(dir) {} }
        let added = ["rows", "symmetric", "width", "alpha_scope", "target", "clean", "mask"]
        let before = try Self.sqlite3(path, "SELECT name FROM pragma_table_info('tasks')")
        #expect(added.allSatisfy { !before.contains("p_" + $0) })
        #expect(try Self.sqlite3(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'recovery'") == ["0"])

        let store = try SummaryStore(path: path, migrate: true)
        #expect(store.upgrades.contains("added parameter column(s) " + added.joined(separator: ", ")))
        #expect(
            try Self.sqlite3(
                path,
                """
                SELECT DISTINCT p_symmetric, p_alpha_scope, p_rows IS NULL, p_width IS NULL, p_target IS NULL,
                    p_clean IS NULL, p_mask IS NULL, count(*) OVER ()
                FROM tasks
                """) == ["true|factor|1|1|1|1|1|12"])
        #expect(try Self.sqlite3(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'recovery'") == ["1"])

        // Every task, rebuilt from its parameter columns, has the key it was stored under.
        let columns = ParameterColumns.all.map { "\"" + $0 + "\"" }.joined(separator: ", ")
        let rows = try store.database.rows("SELECT key, \(columns) FROM tasks ORDER BY id")
        #expect(rows.count == 12)
        for row in rows {
            let config = try ParameterColumns.config(from: Array(row.values.dropFirst()))
            #expect(SweepTask(config: config).key.hex == row.string(at: 0))
        }

        let bySymmetric = try store.aggregate(
            AggregateQuery(sweep: "fixture-estimation", groupBy: ["symmetric"], metric: Metric(parsing: "final_loss")))
        #expect(bySymmetric.rows.map(\.group) == [[.text("true")]] && bySymmetric.rows.map(\.count) == [8])
        let factor = try store.aggregate(
            AggregateQuery(
                sweep: "fixture-completion", filters: [Filter(parsing: "alpha_scope=factor")],
                metric: Metric(parsing: "final_loss")))
        #expect(factor.rows.map(\.count) == [4])
        let product = try store.aggregate(
            AggregateQuery(
                sweep: "fixture-completion", filters: [Filter(parsing: "alpha_scope=product")],
                metric: Metric(parsing: "final_loss")))
        #expect(product.rows.map(\.count).reduce(0, +) == 0)

        // No recovery rows for the release's results; one after a result is recorded again.
        let finalError = try Metric(parsing: "final_error")
        let empty = try store.aggregate(AggregateQuery(sweep: "fixture-estimation", metric: finalError))
        #expect(empty.rows.map(\.count).reduce(0, +) == 0)
        let key = try TaskKey(hex: #require(rows.first?.string(at: 0)))
        var result = try #require(try store.result(for: key))
        result.finalError = 0.125
        try store.recordResults([CompletedTask(key: key, result: result)])
        let one = try store.aggregate(AggregateQuery(sweep: "fixture-estimation", metric: finalError))
        #expect(one.rows.map(\.count) == [1] && one.rows.first?.mean == 0.125)
        #expect(try store.integrityCheck() == ["ok"])
    }
}
