import Foundation
import TestSupport
import Testing

/// Issue 11, schema evolution: a store written by an earlier dmfsweep opens with every command that
/// reads a store. It is upgraded in place when the command may write it (one line on stderr naming
/// the backup and what changed, the same upgrade as `store upgrade`), and refused with exit status
/// 2 and one line naming `dmfsweep store upgrade --store S` when it may not.
@Suite(.serialized) struct OldStoreCLITests {
    /// Every reading command, with the arguments it needs; `out` is a writable directory.
    static func readers(store: String, out: String) -> [[String]] {
        [
            ["query", "--store", store, "--group-by", "depth", "--metric", "final_loss"],
            ["query", "--store", store, "--raw", "--format", "csv"],
            ["status", "--store", store],
            ["sweeps", "--store", store],
            ["export", "--store", store, "--what", "results", "--out", "-"],
            ["report", "--store", store, "--out", out + "/report.html"],
            ["plot", "--store", store, "--sweep", "fixture-estimation", "--kind", "status", "--out", out + "/p.svg"],
            ["store", "info", "--store", store],
        ]
    }

    /// A copy of the release-0.1 fixture (schema 1) at `path`.
    static func copyFixture(to path: String) throws {
        try FileManager.default.copyItem(
            atPath: TestPaths.repositoryRoot.appendingPathComponent(
                "Tests/SummaryStoreTests/Fixtures/release-0.1.sqlite"
            ).path, toPath: path)
    }

    static func sqlite3(_ path: String, _ sql: String) throws -> String {
        let out = try runProcess([path, sql], executable: URL(fileURLWithPath: "/usr/bin/sqlite3"))
        try #require(out.status == 0, "sqlite3: \(out.stderr)")
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The lines a command printed on stderr about the store (upgrades are announced so).
    static func storeLines(_ stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter { $0.hasPrefix("dmfsweep: store ") }
    }

    @Test(arguments: 0..<8) func everyReaderUpgradesAWritableOldStore(reader: Int) throws {
        let dir = try TemporaryDirectory(prefix: "old-store")
        let path = dir.path("old.sqlite")
        try Self.copyFixture(to: path)
        // The answer the upgraded store must give: the same command on a copy `store upgrade` upgraded.
        let reference = dir.path("reference.sqlite")
        try Self.copyFixture(to: reference)
        let upgrade = try runProcess(["store", "upgrade", "--store", reference])
        try #require(upgrade.status == 0, "\(upgrade.stderr)")

        let command = Self.readers(store: path, out: dir.url.path)[reader]
        let first = try runProcess(command)
        #expect(first.status == 0, "\(command): \(first.stderr)")
        let lines = Self.storeLines(first.stderr)
        #expect(lines.count == 1, "\(command): \(first.stderr)")
        let line = String(lines.first ?? "")
        #expect(line.contains("backed up to \(path).v1.bak"), "\(line)")
        #expect(line.contains("upgraded from schema version 1 to "), "\(line)")
        #expect(line.contains("added parameter column(s) "), "\(line)")
        #expect(try Self.sqlite3(path + ".v1.bak", "PRAGMA user_version") == "1")
        #expect(try Self.sqlite3(path + ".v1.bak", "SELECT count(*) FROM results") == "12")
        let version = try Self.sqlite3(reference, "PRAGMA user_version")
        #expect(version != "1")
        #expect(try Self.sqlite3(path, "PRAGMA user_version") == version)
        #expect(try Self.sqlite3(path, "PRAGMA integrity_check") == "ok")

        // Once upgraded, nothing more to announce, and the answer is the reference store's.
        let again = try runProcess(command)
        #expect(again.status == 0, "\(command): \(again.stderr)")
        #expect(Self.storeLines(again.stderr).isEmpty, "\(again.stderr)")
        if ["query", "sweeps", "export"].contains(command[0]) {
            let expected = try runProcess(Self.readers(store: reference, out: dir.url.path)[reader])
            #expect(again.stdout == expected.stdout.replacingOccurrences(of: reference, with: path))
            #expect(first.stdout == again.stdout)
        }
    }

    /// A read-only file system (a real tmpfs remounted read-only, as root): every reader stops with
    /// exit status 2 and one line naming `dmfsweep store upgrade`; the file is left as it was. Both
    /// with the store's WAL files (readable then) and without (a WAL store is then unreadable: its
    /// header says it needs the upgrade first).
    @Test func everyReaderRefusesAnOldStoreItCannotWrite() throws {
        guard LifecycleCLITests.canMount else { return }
        let dir = try TemporaryDirectory(prefix: "old-store-ro")
        let mountPoint = try #require(try LifecycleCLITests.tinyFilesystem(dir, megabytes: 4))
        defer { LifecycleCLITests.unmount(mountPoint) }
        let path = mountPoint + "/old.sqlite"
        try Self.copyFixture(to: path)
        // Keep the WAL files (a WAL store is readable from a read-only medium only with them).
        let persist = try runProcess(
            [path, ".filectrl persist_wal 1", "SELECT count(*) FROM tasks"],
            executable: URL(fileURLWithPath: "/usr/bin/sqlite3"))
        try #require(persist.status == 0 && FileManager.default.fileExists(atPath: path + "-shm"), "\(persist.stderr)")
        let bare = mountPoint + "/bare.sqlite"
        try Self.copyFixture(to: bare)
        let before = try runProcess([path, bare], executable: URL(fileURLWithPath: "/usr/bin/sha256sum"))
        let remount = try runProcess(
            ["-o", "remount,ro", mountPoint], executable: URL(fileURLWithPath: "/bin/mount"), timeout: 20)
        try #require(remount.status == 0, "\(remount.stderr)")
        #expect(try Self.sqlite3(path, "PRAGMA user_version") == "1")

        for store in [path, bare] {
            for command in Self.readers(store: store, out: dir.url.path) {
                let out = try runProcess(command)
                #expect(out.status == 2, "\(command): \(out.stdout) \(out.stderr)")
                let lines = out.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(command): \(out.stderr)")
                #expect(
                    lines.first?.contains("(schema version 1, this dmfsweep reads version ") == true
                        && lines.first?.contains("cannot be upgraded here") == true
                        && lines.first?.contains("'dmfsweep store upgrade --store \(store)'") == true,
                    "\(command): \(out.stderr)")
            }
        }
        let after = try runProcess([path, bare], executable: URL(fileURLWithPath: "/usr/bin/sha256sum"))
        #expect(after.stdout == before.stdout)
        #expect(!FileManager.default.fileExists(atPath: path + ".v1.bak"))
    }

    /// A PostgreSQL database with the fixture's schema (schema 1: the fixture's tables and columns,
    /// read from the fixture itself): `query` by its owner upgrades it (one line on stderr) and
    /// answers as before the downgrade; a role that may only read it gets exit status 2 and one
    /// line naming `dmfsweep store upgrade`, and the database stays at version 1.
    @Test func postgresOldSchemaIsUpgradedByItsOwnerAndRefusedToAReader() throws {
        let dir = try TemporaryDirectory(prefix: "old-store-pg")
        let db = try TestPostgres.freshDatabase()
        let sweep = dir.path("sweep.yaml")
        try PostgresCLITests.sweep.write(toFile: sweep, atomically: true, encoding: .utf8)
        let run = try runProcess(["run", sweep, "--store", db.uri, "--inline", "--quiet"], timeout: 300)
        try #require(run.status == 0, "\(run.stderr)")
        let query = ["query", "--store", db.uri, "--group-by", "depth,alpha", "--metric", "final_loss,steps"]
        let current = try runProcess(query)
        try #require(current.status == 0, "\(current.stderr)")

        try Self.restoreFixtureSchema(db.uri, dir: dir)
        #expect(try TestPostgres.psql(db.uri, "SELECT value FROM meta WHERE key = 'schema_version'") == "1")

        // A role that may read every table but not alter them.
        let role = "reader_" + db.name
        try TestPostgres.psql(
            db.uri, "CREATE ROLE \(role) LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(role)")
        defer { _ = try? TestPostgres.psql(db.server, "DROP OWNED BY \(role) CASCADE; DROP ROLE IF EXISTS \(role)") }
        var parts = try #require(URLComponents(string: db.uri))
        parts.user = role
        let readerURI = try #require(parts.string)
        for command in [
            ["query", "--store", readerURI, "--group-by", "depth", "--metric", "final_loss"],
            ["status", "--store", readerURI], ["sweeps", "--store", readerURI],
        ] {
            let refused = try runProcess(command)
            #expect(refused.status == 2, "\(command): \(refused.stdout) \(refused.stderr)")
            let lines = refused.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(refused.stderr)")
            #expect(lines.first?.contains("'dmfsweep store upgrade --store \(readerURI)'") == true, "\(refused.stderr)")
        }
        #expect(try TestPostgres.psql(db.uri, "SELECT value FROM meta WHERE key = 'schema_version'") == "1")

        let upgraded = try runProcess(query)
        #expect(upgraded.status == 0, "\(upgraded.stderr)")
        let lines = Self.storeLines(upgraded.stderr)
        #expect(lines.count == 1, "\(upgraded.stderr)")
        #expect(lines.first?.contains("upgraded from schema version 1 to ") == true, "\(upgraded.stderr)")
        #expect(lines.first?.contains("added parameter column(s) ") == true, "\(upgraded.stderr)")
        #expect(upgraded.stdout == current.stdout)
        #expect(try TestPostgres.psql(db.uri, "SELECT value FROM meta WHERE key = 'schema_version'") != "1")
        let references =
            "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
            + "AND confrelid = 'tasks'::regclass ORDER BY 1"
        #expect(try TestPostgres.psql(db.uri, references) == "sweep_tasks")
        let again = try runProcess(["query", "--store", readerURI, "--group-by", "depth", "--metric", "final_loss"])
        #expect(again.status == 0, "\(again.stderr)")
    }

    /// Brings a PostgreSQL store down to the fixture's schema: the tables, and the columns of
    /// `tasks` and `results`, that the fixture has (read from it with sqlite3), version 1.
    static func restoreFixtureSchema(_ uri: String, dir: TemporaryDirectory) throws {
        let fixture = dir.path("fixture.sqlite")
        try copyFixture(to: fixture)
        let tables = try sqlite3(fixture, "SELECT name FROM sqlite_schema WHERE type = 'table'")
            .split(separator: "\n").map(String.init)
        var sql: [String] = []
        let stored = try TestPostgres.psql(
            uri, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).split(separator: "\n").map(String.init)
        for table in stored where !tables.contains(table) { sql.append("DROP TABLE \(table) CASCADE") }
        // Before schema 4 intervals had one row per task and rank: the entropy measure's.
        sql.append("DELETE FROM intervals WHERE measure <> 'entropy'")
        for table in ["tasks", "results", "intervals", "trajectories"] {
            let keep = try sqlite3(fixture, "SELECT name FROM pragma_table_info('\(table)')").split(separator: "\n")
            let have = try TestPostgres.psql(
                uri, "SELECT column_name FROM information_schema.columns WHERE table_name = '\(table)'"
            ).split(separator: "\n")
            for column in have where !keep.contains(column) {
                sql.append("ALTER TABLE \(table) DROP COLUMN \"\(column)\"")
            }
        }
        // Dropping `measure` dropped the key it was part of; the fixture's key is (task_id, rank).
        sql.append("ALTER TABLE intervals ADD PRIMARY KEY (task_id, rank)")
        // And its result tables refer to tasks (the upgrade drops that on PostgreSQL).
        for table in ["results", "intervals", "trajectories"] {
            sql.append("ALTER TABLE \(table) ADD FOREIGN KEY (task_id) REFERENCES tasks (id)")
        }
        let parameters = try sqlite3(fixture, "SELECT value FROM meta WHERE key = 'parameters'")
        sql.append("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        sql.append("UPDATE meta SET value = '\(parameters)' WHERE key = 'parameters'")
        try TestPostgres.psql(uri, sql.joined(separator: "; "))
    }
}
