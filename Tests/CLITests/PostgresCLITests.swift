import Foundation
import TestSupport
import Testing

/// dmfsweep end to end on a PostgreSQL store (the tests' own server, `TestPostgres`).
@Suite struct PostgresCLITests {
    static let sweep = """
        name: pg-e2e
        method: grid
        parameters:
          problem:      {value: estimation}
          n:            {value: 6}
          spectrum:     {value: [10, 5, 2]}
          init:         {value: identity}
          depth:        {values: [2, 3]}
          alpha:        {values: [0.05, 0.1]}
          eta:          {value: 0.01}
          steps:        {value: 5000}
          record_every: {value: 100}
          tolerance:    {value: 0.1}
          seed:         {values: [0, 1, 2]}
        """

    /// The URI of `db` with a password in it (the server trusts local logins, so it is not
    /// checked, but dmfsweep must never print it).
    static func uriWithPassword(_ db: TestDatabase) throws -> String {
        var parts = try #require(URLComponents(string: db.uri))
        parts.password = "hunter2secret"
        return try #require(parts.string)
    }

    /// `run` with 2 workers into PostgreSQL equals `run --inline` into SQLite: the same `query`
    /// output in every format and the same `--raw` rows (but for the measured `seconds`).
    @Test func workersIntoPostgresEqualInlineIntoSQLite() throws {
        let dir = try TemporaryDirectory(prefix: "pg-e2e")
        let db = try TestPostgres.freshDatabase()
        let uri = try Self.uriWithPassword(db)
        let sweep = dir.path("sweep.yaml")
        try Self.sweep.write(toFile: sweep, atomically: true, encoding: .utf8)
        let sqlite = dir.path("s.sqlite")
        let pg = try runProcess(["run", sweep, "--store", uri, "--workers", "2"], timeout: 300)
        #expect(pg.status == 0, "\(pg.stderr)")
        #expect(!pg.stdoutAndStderr.contains("hunter2secret"))
        #expect(pg.stdout.contains("--store postgresql://postgres:***@127.0.0.1"))
        let inline = try runProcess(["run", sweep, "--store", sqlite, "--inline", "--quiet"], timeout: 300)
        #expect(inline.status == 0, "\(inline.stderr)")
        #expect(try TestPostgres.psql(db.uri, "SELECT count(*) FROM results") == "12")

        for format in ["table", "csv", "json"] {
            for query in [
                ["--group-by", "depth,alpha", "--metric", "final_loss"],
                ["--group-by", "depth", "--metric", "interval.length", "--rank", "2", "--where", "alpha=0.05"],
                ["--group-by", "r", "--metric", "interval.start"],
                // Multi-metric with percentiles, pivot, sort and limit, IN/OR, monotonicity.
                [
                    "--group-by", "depth", "--metric", "final_loss,interval.length", "--rank", "1", "--stats",
                    "count,mean,median,p90,min,max",
                ],
                ["--group-by", "depth", "--pivot", "alpha", "--metric", "final_loss", "--stats", "median"],
                ["--group-by", "depth,alpha", "--metric", "final_loss", "--sort", "mean:desc", "--limit", "3"],
                [
                    "--group-by", "seed", "--metric", "final_loss", "--where",
                    "depth IN (2, 3) AND (seed = 0 OR alpha = 0.1)",
                ],
                ["--group-by", "depth", "--metric", "rank_drops,monotone"],
            ] {
                let a = try runProcess(["query", "--store", uri] + query + ["--format", format])
                let b = try runProcess(["query", "--store", sqlite] + query + ["--format", format])
                #expect(a.status == 0, "\(a.stderr)")
                #expect(a.stdout == b.stdout, "\(query) \(format)")
                #expect(!a.stdout.isEmpty)
            }
        }
        let rawA = try runProcess(["query", "--store", uri, "--raw", "--format", "csv"])
        let rawB = try runProcess(["query", "--store", sqlite, "--raw", "--format", "csv"])
        #expect(rawA.status == 0, "\(rawA.stderr)")
        let (a, b) = (Self.table(rawA.stdout), Self.table(rawB.stdout))
        let seconds = try #require(a.first?.firstIndex(of: "seconds"))
        #expect(a.count == 13)
        let differing = zip(a, b).filter { Self.dropping(seconds, $0) != Self.dropping(seconds, $1) }
        #expect(
            differing.isEmpty, "\(differing.count) raw rows differ, first: \(differing.first.map { "\($0)" } ?? "")")
        #expect(a.count == b.count)

        for what in ["results", "intervals", "trajectories"] {
            let a = try runProcess(["export", "--store", uri, "--what", what, "--format", "csv", "--out", "-"])
            let b = try runProcess(["export", "--store", sqlite, "--what", what, "--format", "csv", "--out", "-"])
            #expect(a.status == 0 && b.status == 0, "\(what): \(a.stderr) \(b.stderr)")
            let (ta, tb) = (Self.table(a.stdout), Self.table(b.stdout))
            #expect(ta.count > 1 && ta.count == tb.count, "\(what)")
            // Results carry the measured `seconds`; every other column must agree.
            let skip = ta.first?.firstIndex(of: "seconds") ?? -1
            #expect(zip(ta, tb).allSatisfy { Self.dropping(skip, $0) == Self.dropping(skip, $1) }, "\(what)")
        }

        for command in [["sweeps"], ["status"], ["status", "--format", "json"]] {
            let out = try runProcess(command + ["--store", uri])
            #expect(out.status == 0, "\(command): \(out.stderr)")
            #expect(out.stdout.contains("pg-e2e"))
            #expect(!out.stdoutAndStderr.contains("hunter2secret"))
        }
        let report = try runProcess(["report", "--store", uri, "--out", dir.path("r.html")])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: dir.path("r.html"), encoding: .utf8)
        #expect(html.contains("postgresql://postgres:***@127.0.0.1"))
        #expect(!html.contains("hunter2secret"))
        let plot = try runProcess(["plot", "--store", uri, "--kind", "staircase", "--out", dir.path("p.svg")])
        #expect(plot.status == 0, "\(plot.stderr)")
        let plan = try runProcess(["plan", sweep, "--store", uri])
        #expect(plan.stdout.contains("12 of 12 already done"), "\(plan.stdoutAndStderr)")
    }

    /// An unreachable server is one line naming the store with its password masked, exit 1; an
    /// empty database has no store for readers (exit 2) and gets one from `run`.
    @Test func unreachableAndEmptyDatabases() throws {
        let closed = "postgresql://someone:hunter2secret@127.0.0.1:1/nodb?connect_timeout=5"
        let out = try runProcess(["sweeps", "--store", closed])
        #expect(out.status == 1)
        #expect(
            out.stderr.hasPrefix(
                "dmfsweep: error: cannot connect to the summary store postgresql://someone:***@127.0.0.1:1/nodb"))
        #expect(out.stderr.split(separator: "\n").count == 1)
        #expect(!out.stdoutAndStderr.contains("hunter2secret"))
        let db = try TestPostgres.freshDatabase()
        let empty = try runProcess(["query", "--store", db.uri, "--metric", "final_loss"])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("no summary store at"))
    }

    /// A PostgreSQL store that cannot be written (a read-only database: SQLSTATE 25006, as on a hot
    /// standby) ends `run` with exit status 4 and one line saying what was kept, as a full disk does
    /// for SQLite (`StoreError.isWriteFailure`).
    @Test(arguments: [["--inline"], ["--workers", "1"]])
    func aReadOnlyDatabaseEndsTheRunWithExitFour(mode: [String]) throws {
        let dir = try TemporaryDirectory(prefix: "pg-readonly")
        let db = try TestPostgres.freshDatabase()
        let sweep = dir.path("sweep.yaml")
        try Self.sweep.write(toFile: sweep, atomically: true, encoding: .utf8)
        // A store with another sweep in it first, written while the database could be written.
        let first = dir.path("first.yaml")
        try Self.sweep.replacingOccurrences(of: "name: pg-e2e", with: "name: first")
            .replacingOccurrences(of: "seed:         {values: [0, 1, 2]}", with: "seed:         {value: 0}")
            .write(toFile: first, atomically: true, encoding: .utf8)
        let written = try runProcess(["run", first, "--store", db.uri, "--inline", "--quiet"], timeout: 120)
        #expect(written.status == 0, "\(written.stderr)")
        try TestPostgres.psql(db.uri, "ALTER DATABASE \(db.name) SET default_transaction_read_only = on")
        let run = try runProcess(["run", sweep, "--store", db.uri, "--quiet"] + mode, timeout: 120)
        #expect(run.status == 4, "\(mode): \(run.stdout) \(run.stderr)")
        #expect(try TestPostgres.psql(db.uri, "SELECT count(*) FROM results") == "4")
        let lines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("dmfsweep: error:") }
        #expect(lines.count == 1 && lines.first?.contains("25006") == true, "\(run.stderr)")
        #expect(lines.first?.contains("run the same command again to resume") == true, "\(run.stderr)")
    }

    /// A coordinator writing into PostgreSQL is killed with SIGKILL mid-sweep: nothing committed
    /// is lost, no task is half-written, and a restarted coordinator (same host: the dead one's
    /// claim is taken over at once) finishes the sweep with the same worker.
    @Test func coordinatorKilledMidSweepIsResumed() throws {
        let dir = try TemporaryDirectory(prefix: "pg-kill")
        let db = try TestPostgres.freshDatabase()
        let sweep = dir.path("slow.yaml")
        try InlineRunCLITests.slowSweep.write(toFile: sweep, atomically: true, encoding: .utf8)
        let endpoint = "tcp://127.0.0.1:\(RuntimeCLITests.freePort())"
        let command = ["coordinator", sweep, "--store", db.uri, "--bind", endpoint]
        let first = try ChildProcess(command)
        defer { first.send(signal: SIGKILL) }
        #expect(eventually(timeout: 60) { first.output.contains("listening on") }, "\(first.output)")
        let worker = try ChildProcess(["worker", "--connect", endpoint, "--jobs", "1", "--give-up-after", "120"])
        defer { worker.send(signal: SIGKILL) }
        func done() -> Int { Int((try? TestPostgres.psql(db.uri, "SELECT count(*) FROM results")) ?? "") ?? 0 }
        #expect(eventually(timeout: 120) { done() >= 3 }, "\(first.output)")
        first.send(signal: SIGKILL)
        #expect(first.wait(timeout: 30) == .init(status: SIGKILL, signaled: true))
        let counts = try TestPostgres.psql(
            db.uri,
            """
            SELECT (SELECT count(*) FROM tasks WHERE status = 'done'), (SELECT count(*) FROM results),
                (SELECT count(*) FROM trajectories), (SELECT count(*) FROM intervals i JOIN tasks t ON t.id = i.task_id
                WHERE t.status <> 'done')
            """
        ).split(separator: "|").map { Int($0) ?? -1 }
        #expect(counts[0] == counts[1] && counts[1] == counts[2] && counts[3] == 0, "\(counts)")
        let second = try ChildProcess(command)
        defer { second.send(signal: SIGKILL) }
        #expect(second.exitStatus(timeout: 240) == 0, "\(second.output)")
        #expect(done() == 30)
        #expect(try TestPostgres.psql(db.uri, "SELECT count(*) FROM coordinators") == "0")
    }

    /// A sweep of `count` seeds at one α (sweeps with different α share no task).
    static func noopSweep(_ dir: TemporaryDirectory, name: String, count: Int, alpha: Double) throws -> String {
        let path = dir.path("\(name).yaml")
        let seeds = (0..<count).map(String.init).joined(separator: ", ")
        try "name: \(name)\nmethod: grid\nparameters:\n  alpha: {value: \(alpha)}\n  seed: {values: [\(seeds)]}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A second coordinator on the same sweep is refused (the claim in the database); two
    /// coordinators on two sweeps share one database at once, each seeing only its own tasks.
    @Test func coordinatorsShareOneDatabaseOneSweepEach() throws {
        let dir = try TemporaryDirectory(prefix: "pg-coord")
        let db = try TestPostgres.freshDatabase()
        let a = try Self.noopSweep(dir, name: "sweep-a", count: 40, alpha: 0.1)
        let b = try Self.noopSweep(dir, name: "sweep-b", count: 60, alpha: 0.2)
        let endpoints = (0..<3).map { _ in "tcp://127.0.0.1:\(RuntimeCLITests.freePort())" }
        let first = try ChildProcess(["coordinator", a, "--store", db.uri, "--bind", endpoints[0], "--noop"])
        defer { first.send(signal: SIGKILL) }
        #expect(eventually(timeout: 60) { first.output.contains("listening on") }, "\(first.output)")
        let second = try runProcess(
            ["coordinator", a, "--store", db.uri, "--bind", endpoints[1], "--noop"], timeout: 60)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another coordinator (pid \(first.pid)"), "\(second.stderr)")
        let other = try ChildProcess(["coordinator", b, "--store", db.uri, "--bind", endpoints[2], "--noop"])
        defer { other.send(signal: SIGKILL) }
        #expect(eventually(timeout: 60) { other.output.contains("listening on") }, "\(other.output)")
        let workers = try [
            ChildProcess(["worker", "--connect", endpoints[0]]), ChildProcess(["worker", "--connect", endpoints[2]]),
        ]
        defer { for w in workers { w.send(signal: SIGKILL) } }
        #expect(first.exitStatus(timeout: 120) == 0, "\(first.output)")
        #expect(other.exitStatus(timeout: 120) == 0, "\(other.output)")
        let counts = try TestPostgres.psql(
            db.uri,
            """
            SELECT s.name, count(*), sum(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END)
            FROM sweeps s JOIN sweep_tasks m ON m.sweep_id = s.id JOIN tasks t ON t.id = m.task_id
            GROUP BY s.name ORDER BY s.name
            """)
        #expect(counts == "sweep-a|40|40\nsweep-b|60|60")
        #expect(try TestPostgres.psql(db.uri, "SELECT count(*) FROM results") == "100")
        #expect(try TestPostgres.psql(db.uri, "SELECT count(*) FROM coordinators") == "0")  // released
    }

    /// The cells of a CSV text (RFC 4180 quoting; no newlines inside cells in our output).
    static func table(_ csv: String) -> [[String]] {
        csv.split(separator: "\n").map { line in
            var cells: [String] = []
            var cell = ""
            var quoted = false
            for c in line {
                if c == "\"" {
                    quoted.toggle()
                } else if c == "," && !quoted {
                    cells.append(cell)
                    cell = ""
                } else {
                    cell.append(c)
                }
            }
            cells.append(cell)
            return cells
        }
    }

    static func dropping(_ index: Int, _ row: [String]) -> [String] {
        var row = row
        if row.indices.contains(index) { row.remove(at: index) }
        return row
    }
}

extension ProcessOutput {
    /// Everything the process wrote.
    var stdoutAndStderr: String { stdout + stderr }
}
