import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// End-to-end tests of `run`, `coordinator`, `worker` and `status` with real processes, sockets
/// and store files. Tasks are no-ops with an injected delay (`--noop`, `DMFSWEEP_FAULT_TASK_SLEEP_MS`)
/// so they exercise the runtime, not the numerics.
@Suite(.serialized) struct RuntimeCLITests {
    /// A grid of `count` tasks (seeds 0..<count).
    static func sweep(_ dir: TemporaryDirectory, count: Int, name: String = "rt") throws -> String {
        let path = dir.path("\(name).yaml")
        let seeds = (0..<count).map(String.init).joined(separator: ", ")
        try "name: \(name)\nmethod: grid\nparameters:\n  seed: {values: [\(seeds)]}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `SELECT …` on a store with the sqlite3 shell, one row per line.
    static func sql(_ store: String, _ query: String) throws -> [String] {
        let out = try runProcess([store, query], executable: URL(fileURLWithPath: "/usr/bin/sqlite3"), timeout: 20)
        return out.stdout.split(separator: "\n").map(String.init)
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Every stored number of every result, exactly (reals as %.17g, arrays as hex), by task key.
    static let resultsDump = """
        SELECT t.key, r.status, r.path, r.steps, printf('%.17g|%.17g|%.17g', r.final_loss, r.final_erank, r.best_error),
          r.best_step, r.best_inside, hex(r.targets), hex(r.ratio_targets),
          (SELECT group_concat(measure || ':' || rank || ':' || printf('%.17g', coalesce(target, 0)) || ':' || coalesce(start, '') || ':'
             || coalesce("end", '') || ':' || coalesce(length, '') || ':' || printf('%.17g', coalesce(middle_error, 0))
             || ':' || printf('%.17g|%.17g', coalesce(predicted_start, 0), coalesce(predicted_end, 0)), ';')
           FROM (SELECT * FROM intervals i WHERE i.task_id = t.id ORDER BY measure, rank)),
          (SELECT hex(steps) || hex(loss) || hex(erank) || hex(erank_ratio) || coalesce(hex(clean_error), '')
           FROM trajectories j WHERE j.task_id = t.id)
        FROM tasks t JOIN results r ON r.task_id = t.id ORDER BY t.key
        """

    @Test func distributedRunEqualsInlineRunResultForResult() throws {
        let dir = try TemporaryDirectory()
        let sweep = dir.path("mixed.yaml")
        try """
        name: mixed
        method: grid
        parameters:
          depth: {values: [2, 3, 4]}
          alpha: {values: [0.02, 0.05]}
          path: {values: [auto, full]}
          problem: {values: [estimation, completion]}
          init: {values: [identity, gaussian]}
          seed: {values: [0, 1, 2, 3, 4, 5]}
          steps: {value: 600}
          noise: {value: 0.01}
        """.write(toFile: sweep, atomically: true, encoding: .utf8)
        let distributed = dir.path("d.sqlite")
        let inline = dir.path("i.sqlite")
        let d = try runProcess(["run", sweep, "--store", distributed, "--workers", "2"], timeout: 120)
        #expect(d.status == 0, "\(d.stderr)")
        #expect(d.stdout.contains("288/288 done, 0 failed"))
        // Workers run with one BLAS thread each; the same threading makes results bit-for-bit equal
        // (a multi-threaded BLAS sums in another order and differs in the last digits).
        let i = try runProcess(
            ["run", sweep, "--store", inline, "--inline"], environment: ["OPENBLAS_NUM_THREADS": "1"], timeout: 120)
        #expect(i.status == 0, "\(i.stderr)")
        #expect(try Self.sql(distributed, "SELECT count(*), count(DISTINCT task_id) FROM results") == ["288|288"])
        let a = try Self.sql(distributed, Self.resultsDump)
        let b = try Self.sql(inline, Self.resultsDump)
        #expect(a.count == 288 && b.count == 288)
        let firstDifference = a.indices.first { $0 >= b.count || a[$0] != b[$0] }
        #expect(firstDifference == nil, "first difference: \(firstDifference.map { a[$0].prefix(300) } ?? "")")
        #expect(try Self.sql(distributed, "SELECT count(DISTINCT worker) FROM tasks") == ["2"])
        // Both measures crossed the wire (protocol 5) and the inline runner: every result has its
        // ratio targets and as many ratio rows as entropy rows.
        for store in [distributed, inline] {
            #expect(try Self.sql(store, "SELECT count(*) FROM results WHERE ratio_targets IS NULL") == ["0"])
            #expect(
                try Self.sql(store, "SELECT measure, count(*) FROM intervals GROUP BY measure ORDER BY measure")
                    == ["entropy|1440", "ratio|1440"])
        }
    }

    @Test func runWithTwoWorkersStoresEveryTaskOnce() throws {
        let dir = try TemporaryDirectory()
        let sweep = try Self.sweep(dir, count: 300)
        let store = dir.path("s.sqlite")
        let r = try runProcess(["run", sweep, "--store", store, "--workers", "2", "--noop"], timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("300/300 done, 0 failed"))
        #expect(try Self.sql(store, "SELECT count(*), count(DISTINCT task_id) FROM results") == ["300|300"])
        #expect(try Self.sql(store, "SELECT status, count(*) FROM tasks GROUP BY status") == ["done|300"])
        let status = try runProcess(["status", "--store", store], timeout: 20)
        #expect(status.stdout.contains("rt: 300/300 done") && status.stdout.contains("coordinator: finished"))
    }

    @Test func coordinatorKilledAndRestartedFinishesWithoutRecomputingCommittedTasks() throws {
        let dir = try TemporaryDirectory()
        let sweep = try Self.sweep(dir, count: 200)
        let store = dir.path("s.sqlite")
        let endpoint = "tcp://127.0.0.1:\(Self.freePort())"
        let common = ["--store", store, "--bind", endpoint, "--heartbeat-interval", "0.2"]
        let slow = ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "10", "OPENBLAS_NUM_THREADS": "1"]
        let first = try ChildProcess(["coordinator", sweep] + common)
        let workers = try (0..<2).map { i in
            try ChildProcess(
                ["worker", "--connect", endpoint, "--name", "w\(i)", "--give-up-after", "30"], environment: slow)
        }
        #expect(
            eventually(timeout: 30) {
                ((try? Self.sql(store, "SELECT count(*) FROM results"))?.first.flatMap { Int($0) } ?? 0) >= 40
            })
        first.send(signal: SIGKILL)
        first.exitStatus(timeout: 10)
        let before = try Self.sql(store, "SELECT t.key, t.finished FROM tasks t WHERE t.status = 'done' ORDER BY t.key")
        #expect(before.count >= 40 && before.count < 200)
        let second = try ChildProcess(["coordinator", sweep] + common)
        #expect(second.exitStatus(timeout: 60) == 0, "\(second.output)")
        #expect(second.output.contains("\(200 - before.count) task(s) to run, \(before.count) already done"))
        let after = try Self.sql(store, "SELECT t.key, t.finished FROM tasks t WHERE t.status = 'done' ORDER BY t.key")
        #expect(after.count == 200)
        // Committed before the kill: untouched (not recomputed, not rewritten).
        #expect(Set(before).isSubset(of: Set(after)))
        #expect(try Self.sql(store, "SELECT count(*), count(DISTINCT task_id) FROM results") == ["200|200"])
        for w in workers { #expect(w.exitStatus(timeout: 15) == 0, "\(w.output)") }
        // The same as an uninterrupted run, result for result.
        let reference = dir.path("reference.sqlite")
        let r = try runProcess(
            ["run", sweep, "--store", reference, "--inline"], environment: ["OPENBLAS_NUM_THREADS": "1"], timeout: 120)
        #expect(r.status == 0)
        let a = try Self.sql(store, Self.resultsDump)
        let b = try Self.sql(reference, Self.resultsDump)
        let same = a == b  // (not inside #expect: the dump is megabytes)
        #expect(a.count == 200 && same, "the restarted sweep's results differ from an uninterrupted run's")
    }

    /// A worker (no coordinator yet) stops cleanly on SIGINT and SIGTERM: real handlers, so a
    /// thread OpenBLAS started before main cannot take the signal with the default action.
    @Test(arguments: [SIGINT, SIGTERM])
    func workerStopsCleanlyOnASignal(signal: Int32) throws {
        let worker = try ChildProcess(
            ["worker", "--connect", "tcp://127.0.0.1:\(Self.freePort())", "--give-up-after", "60"])
        #expect(worker.waitForHandlers([SIGINT, SIGTERM], timeout: 20))
        worker.send(signal: signal)
        #expect(worker.wait(timeout: 20) == .init(status: 130, signaled: false), "\(worker.output)")
    }

    @Test func interruptedRunExitsResumableAndTheRerunDoesOnlyTheRest() throws {
        let dir = try TemporaryDirectory()
        let sweep = try Self.sweep(dir, count: 300)
        let store = dir.path("s.sqlite")
        let run = try ChildProcess(
            ["run", sweep, "--store", store, "--workers", "2", "--noop"],
            environment: ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "20"])
        #expect(
            eventually(timeout: 30) {
                ((try? Self.sql(store, "SELECT count(*) FROM results"))?.first.flatMap { Int($0) } ?? 0) >= 30
            })
        let workerPIDs = Self.children(of: run.pid)
        #expect(workerPIDs.count == 2)
        run.send(signal: SIGINT)
        #expect(run.exitStatus(timeout: 30) == 130, "\(run.output)")
        #expect(run.output.contains("interrupted"))
        let done = Int(try Self.sql(store, "SELECT count(*) FROM tasks WHERE status = 'done'").first ?? "") ?? -1
        #expect(done >= 30 && done < 300)
        #expect(try Self.sql(store, "SELECT count(*) FROM tasks WHERE status = 'running'") == ["0"])
        // The run stopped its workers.
        #expect(eventually(timeout: 10) { workerPIDs.allSatisfy { kill($0, 0) != 0 } })
        let rerun = try runProcess(["run", sweep, "--store", store, "--workers", "2", "--noop"], timeout: 60)
        #expect(rerun.status == 0)
        #expect(rerun.stdout.contains("this run: \(300 - done) task(s)"))
        #expect(try Self.sql(store, "SELECT count(*), count(DISTINCT task_id) FROM results") == ["300|300"])
    }

    /// A signal while the coordinator is still starting up (expanding and registering a large
    /// sweep, before it serves anyone) must not meet the default action on a thread OpenBLAS
    /// started before main: it is handled once the coordinator watches, and it exits resumable.
    @Test func signalDuringStartUpIsHandledNotFatal() throws {
        let dir = try TemporaryDirectory()
        let sweep = try Self.sweep(dir, count: 50_000)
        let store = dir.path("s.sqlite")
        let coordinator = try ChildProcess([
            "coordinator", sweep, "--store", store, "--bind", "tcp://127.0.0.1:\(Self.freePort())", "--noop",
        ])
        // The store file appears when registration begins, well before the coordinator serves.
        #expect(eventually(timeout: 30) { FileManager.default.fileExists(atPath: store) })
        coordinator.send(signal: SIGINT)
        #expect(coordinator.exitStatus(timeout: 60) == 130, "\(coordinator.output)")
    }

    @Test func poisonTaskFailsInARunWhileCrashedWorkersAreReplaced() throws {
        let dir = try TemporaryDirectory()
        let sweep = try Self.sweep(dir, count: 30)
        let store = dir.path("s.sqlite")
        // Register the sweep (a coordinator without workers, interrupted) to learn a task key.
        let port = Self.freePort()
        let register = try ChildProcess([
            "coordinator", sweep, "--store", store, "--bind", "tcp://127.0.0.1:\(port)", "--noop",
        ])
        #expect(eventually(timeout: 20) { (try? Self.sql(store, "SELECT count(*) FROM tasks"))?.first == "30" })
        register.send(signal: SIGINT)
        #expect(register.exitStatus(timeout: 20) == 130)
        let poison = try Self.sql(store, "SELECT key FROM tasks ORDER BY key LIMIT 1 OFFSET 7")[0]
        let r = try runProcess(
            [
                "run", sweep, "--store", store, "--workers", "2", "--noop", "--heartbeat-interval", "0.2",
                "--heartbeat-liveness", "4", "--max-attempts", "3",
            ],
            environment: ["DMFSWEEP_FAULT_CRASH_KEY": poison], timeout: 90)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stdout.contains("29/30 done, 1 failed"))
        #expect(r.stderr.contains("starting a new one"))
        // Attempts count real starts: three announced isolated runs, plus the first (plain) run when
        // its STARTED left before the crash.
        let left = try Self.sql(store, "SELECT key, status, attempts FROM tasks WHERE status != 'done'")
        #expect(left == ["\(poison)|failed|3"] || left == ["\(poison)|failed|4"], "\(left)")
        // Without the fault, --retry-failed runs exactly the failed task again (JSON logs this time).
        let retry = try runProcess(
            ["run", sweep, "--store", store, "--workers", "1", "--noop", "--retry-failed", "--log-format", "json"],
            timeout: 60)
        #expect(retry.status == 0)
        #expect(retry.stdout.contains("30/30 done, 0 failed") && retry.stdout.contains("this run: 1 task(s)"))
        let lines = retry.stderr.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["event"] != nil && object?["message"] != nil, "not a JSON log line: \(line)")
        }
    }

    @Test func curveCoordinatorServesAllowListedWorkersOnly() throws {
        let dir = try TemporaryDirectory()
        let sweep = try Self.sweep(dir, count: 50)
        let store = dir.path("s.sqlite")
        let keys = dir.path("keys")
        for (name, authorize) in [("coordinator", false), ("worker", true), ("intruder", false)] {
            let g = try runProcess(
                ["keys", "generate", "--keys", keys, "--name", name] + (authorize ? ["--authorize"] : []))
            #expect(g.status == 0, "\(g.stderr)")
        }
        let endpoint = "tcp://127.0.0.1:\(Self.freePort())"
        let coordinator = try ChildProcess([
            "coordinator", sweep, "--store", store, "--bind", endpoint, "--noop", "--curve", "--keys", keys,
        ])
        let intruder = try runProcess(
            [
                "worker", "--connect", endpoint, "--curve", "--keys", keys, "--key-name", "intruder", "--give-up-after",
                "30",
            ],
            timeout: 60)
        // Refused: told why within seconds (status 4), not "no coordinator" after --give-up-after.
        #expect(intruder.status == 4, "\(intruder.stderr)")
        #expect(try Self.sql(store, "SELECT count(*) FROM results") == ["0"])
        let worker = try runProcess(["worker", "--connect", endpoint, "--curve", "--keys", keys], timeout: 60)
        #expect(worker.status == 0, "\(worker.stderr)")
        #expect(coordinator.exitStatus(timeout: 20) == 0, "\(coordinator.output)")
        #expect(try Self.sql(store, "SELECT count(*) FROM results") == ["50"])
    }

    @Test func aSecondCoordinatorOnTheSameSweepIsRefused() throws {
        let dir = try TemporaryDirectory()
        let sweep = try Self.sweep(dir, count: 5)
        let store = dir.path("s.sqlite")
        let first = try ChildProcess(
            ["coordinator", sweep, "--store", store, "--bind", "tcp://127.0.0.1:\(Self.freePort())", "--noop"])
        #expect(eventually(timeout: 20) { first.output.contains("listening on") })
        let second = try runProcess(
            ["coordinator", sweep, "--store", store, "--bind", "tcp://127.0.0.1:\(Self.freePort())", "--noop"],
            timeout: 20)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another coordinator (pid \(first.pid)"))
        first.send(signal: SIGTERM)
        #expect(first.exitStatus(timeout: 20) == 130)
    }

    @Test func coordinatorRefusesAPublicPlainTextBind() throws {
        let dir = try TemporaryDirectory()
        let sweep = try Self.sweep(dir, count: 3)
        let r = try runProcess(
            ["coordinator", sweep, "--store", dir.path("s.sqlite"), "--bind", "tcp://0.0.0.0:5555"], timeout: 20)
        #expect(r.status == 2)
        #expect(
            r.stderr.contains("without encryption") && r.stderr.contains("--curve") && r.stderr.contains("--insecure"))
    }

    /// On a terminal (`script` gives `run` a pty), log records written while the progress bar is
    /// shown clear the bar's line first, and the summary starts on a line of its own.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressBarLinesAreClearedBeforeLogRecordsAndTheSummary() throws {
        let dir = try TemporaryDirectory()
        let sweep = try Self.sweep(dir, count: 30)
        let arguments = [
            TestPaths.dmfsweep.path, "run", sweep, "--store", dir.path("s.sqlite"), "--workers", "1", "--noop",
        ]
        let command = arguments.map { "'\($0)'" }.joined(separator: " ")
        let r = try runProcess(
            ["-qec", command, "/dev/null"], executable: URL(fileURLWithPath: "/usr/bin/script"),
            environment: ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "20"], timeout: 60)
        #expect(r.status == 0, "\(r.stdout)")
        let out = r.stdout
        #expect(out.contains("\r[") && out.contains("done, 0 failed"), "no progress bar drawn: \(out.debugDescription)")
        // Everything that is not the bar starts a line: right after a newline or a cleared line.
        for marker in ["dmfsweep run: finished", "sweep rt: 30/30 done"] {
            let range = try #require(out.range(of: marker), "\(marker) missing: \(out.debugDescription)")
            // Bytes, not Characters: "\r\n" is one Character in Swift.
            let before = Array(out[..<range.lowerBound].utf8.suffix(4))
            #expect(
                before.last == UInt8(ascii: "\n") || before == Array("\r\u{1B}[K".utf8),
                "\(marker) follows \(String(decoding: before, as: UTF8.self).debugDescription), not a line start")
        }
    }

    @Test func coordinatorWaitsForWorkersBeforeHandingOutTasks() throws {
        let dir = try TemporaryDirectory()
        let sweep = try Self.sweep(dir, count: 40)
        let store = dir.path("s.sqlite")
        let endpoint = "tcp://127.0.0.1:\(Self.freePort())"
        let coordinator = try ChildProcess([
            "coordinator", sweep, "--store", store, "--bind", endpoint, "--noop", "--wait-for-workers", "2",
        ])
        let first = try ChildProcess(["worker", "--connect", endpoint, "--name", "first"])
        #expect(eventually(timeout: 20) { coordinator.stderr.contains("worker first joined") }, "\(coordinator.output)")
        // A coordinator that dispatched at once would have committed 40 no-op tasks well within this.
        usleep(300_000)
        #expect(try Self.sql(store, "SELECT count(*) FROM results") == ["0"])
        let second = try ChildProcess(["worker", "--connect", endpoint, "--name", "second"])
        #expect(coordinator.exitStatus(timeout: 30) == 0, "\(coordinator.output)")
        #expect(coordinator.stderr.contains("2 worker(s) joined; handing out tasks"))
        #expect(first.exitStatus(timeout: 10) == 0 && second.exitStatus(timeout: 10) == 0)
        #expect(try Self.sql(store, "SELECT count(*) FROM results") == ["40"])
    }

    @Test func workerGivesUpWithoutACoordinator() throws {
        let r = try runProcess(
            ["worker", "--connect", "tcp://127.0.0.1:\(Self.freePort())", "--give-up-after", "1"], timeout: 30)
        #expect(r.status == 3)
        #expect(r.stderr.contains("giving up"))
        // A late worker meets no coordinator because the sweep is done: the message says how to check.
        #expect(r.stderr.contains("may already be complete") && r.stderr.contains("dmfsweep status --store"))
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    /// Process ids of the `dmfsweep worker` children of `parent`.
    static func children(of parent: Int32) -> [Int32] {
        let out =
            (try? runProcess(["-eo", "pid,ppid,args"], executable: URL(fileURLWithPath: "/bin/ps"), timeout: 10))?
            .stdout ?? ""
        return out.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ", maxSplits: 2)
            guard f.count == 3, Int32(f[1]) == parent, f[2].contains("dmfsweep worker") else { return nil }
            return Int32(f[0])
        }
    }
}

/// Polls `condition` every 20 ms for at most `timeout` seconds.
func eventually(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
