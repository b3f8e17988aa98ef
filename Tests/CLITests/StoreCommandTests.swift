import Foundation
import TestSupport
import Testing

/// `dmfsweep store info|upgrade` on the release-0.1 fixture and on PostgreSQL.
@Suite struct StoreCommandTests {
    @Test func upgradeTheReleaseFixtureThenInfo() throws {
        let dir = try TemporaryDirectory(prefix: "store-cmd")
        let path = dir.path("old.sqlite")
        try FileManager.default.copyItem(
            atPath: TestPaths.repositoryRoot.appendingPathComponent(
                "Tests/SummaryStoreTests/Fixtures/release-0.1.sqlite"
            )
            .path, toPath: path)
        // (`store info` and the other readers upgrade an old store on their own: OldStoreCLITests.)
        let upgrade = try runProcess(["store", "upgrade", "--store", path])
        #expect(upgrade.status == 0, "\(upgrade.stderr)")
        #expect(upgrade.stdout.contains("\(path): backed up to \(path).v1.bak"))
        #expect(upgrade.stderr.isEmpty, "\(upgrade.stderr)")
        #expect(FileManager.default.fileExists(atPath: path + ".v1.bak"))
        let again = try runProcess(["store", "upgrade", "--store", path])
        #expect(again.stdout.contains("nothing to upgrade"))
        let info = try runProcess(["store", "info", "--store", path, "--format", "json"])
        #expect(info.status == 0, "\(info.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(object["engine"] as? String == "sqlite")
        #expect(object["sweeps"] as? Int == 2)
        #expect(object["tasks"] as? Int == 12)
        #expect((object["bytes"] as? Int ?? 0) > 50_000)
        let query = try runProcess(["query", "--store", path, "--group-by", "depth", "--metric", "final_loss"])
        #expect(query.status == 0, "\(query.stderr)")
        let bad = try runProcess(["store", "fix", "--store", path])
        #expect(bad.status == 2)
    }

    @Test func infoOnPostgres() throws {
        let db = try TestPostgres.freshDatabase()
        let dir = try TemporaryDirectory(prefix: "store-cmd-pg")
        let sweep = try PostgresCLITests.noopSweep(dir, name: "s", count: 3, alpha: 0.1)
        let run = try runProcess(["run", sweep, "--store", db.uri, "--inline", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let info = try runProcess(["store", "info", "--store", db.uri])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("engine          postgresql 15"))
        #expect(info.stdout.contains("tasks           3 (3 with results)"))
        #expect(info.stdout.contains("orphan rows     none"))
    }

    /// A result row whose task is not in the store (planted with the engine's own client; the
    /// PostgreSQL result tables have no foreign keys, and sqlite3 does not enforce them unless
    /// asked) is listed by `store info`, which then exits with status 1 and one line on stderr.
    @Test(arguments: ["sqlite", "postgresql"]) func infoReportsOrphanRows(engine: String) throws {
        let dir = try TemporaryDirectory(prefix: "store-orphans")
        let db = engine == "postgresql" ? try TestPostgres.freshDatabase() : nil
        let store = db?.uri ?? dir.path("s.sqlite")
        let sweep = try PostgresCLITests.noopSweep(dir, name: "s", count: 3, alpha: 0.1)
        let run = try runProcess(["run", sweep, "--store", store, "--inline", "--quiet"])
        try #require(run.status == 0, "\(run.stderr)")
        let clean = try runProcess(["store", "info", "--store", store])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("orphan rows     none"))

        let plant = """
            INSERT INTO trajectories (task_id, points, steps, loss, erank, erank_ratio)
            SELECT max(id) + 7, 0, X'', X'', X'', X'' FROM tasks;
            INSERT INTO rank_monotonicity (task_id, measure, rank_drops) SELECT max(id) + 7, 'entropy', 0 FROM tasks
            """
        if let db {
            try TestPostgres.psql(db.uri, plant.replacingOccurrences(of: "X''", with: "''::bytea"))
        } else {
            _ = try OldStoreCLITests.sqlite3(store, plant)
        }
        let info = try runProcess(["store", "info", "--store", store])
        #expect(info.status == 1, "\(info.stdout) \(info.stderr)")
        #expect(info.stdout.contains("orphan rows     trajectories 1, rank_monotonicity 1"), "\(info.stdout)")
        #expect(info.stdout.contains("tasks           3 (3 with results)"))
        let lines = info.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(info.stderr)")
        #expect(
            lines.first?.hasSuffix("result rows whose task is not in the store: trajectories 1, rank_monotonicity 1")
                == true, "\(info.stderr)")
        let json = try runProcess(["store", "info", "--store", store, "--format", "json"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["orphan_rows"] as? [String: Int] == ["trajectories": 1, "rank_monotonicity": 1])
    }
}
