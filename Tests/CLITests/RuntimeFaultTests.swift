import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Faults of the distributed runtime (issue 10 §1, §4, §5, §6) with real processes and sockets:
/// results too large for the wire, workers stopped mid-task, `run` killed, a coordinator restarted
/// under busy workers, CURVE handshakes that fail.
@Suite(.serialized) struct RuntimeFaultTests {
    /// The issue's example: one task whose result (3,000,002 points) cannot travel in a 64 MiB
    /// message. Refused before anything runs, by every command, naming `record_every` and the limit.
    @Test func aSweepWhoseResultCannotTravelIsRefusedUpFront() throws {
        let dir = try TemporaryDirectory()
        let sweep = dir.path("big.yaml")
        try """
        name: big
        method: grid
        parameters:
          problem: {value: estimation}
          n: {value: 5}
          spectrum: {value: [10, 5, 2, 1, 0.5]}
          steps: {value: 3000000}
          record_every: {value: 1}
        """.write(toFile: sweep, atomically: true, encoding: .utf8)
        let store = dir.path("s.sqlite")
        let port = RuntimeCLITests.freePort()
        for args in [
            ["plan", sweep], ["run", sweep, "--store", store, "--workers", "1"],
            ["run", sweep, "--store", store, "--inline"],
            ["coordinator", sweep, "--store", store, "--bind", "tcp://127.0.0.1:\(port)"],
        ] {
            let r = try runProcess(args, timeout: 30)
            #expect(r.status == 2, "\(args[0]): \(r.stderr)")
            #expect(r.stderr.contains("big.yaml:8:"), "\(r.stderr)")  // the record_every line
            #expect(r.stderr.contains("record_every") && r.stderr.contains("63.0 MiB"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: store))
        let s = try runProcess(
            ["simulate", "--n", "5", "--steps", "3000000", "--record-every", "1", "--spectrum", "10,5,2,1,0.5"],
            timeout: 30)
        #expect(s.status == 2 && s.stderr.contains("record_every") && s.stderr.contains("63.0 MiB"), "\(s.stderr)")
        // With record_every 4 it fits (a point carries the recovery errors, the product norm and
        // the unobserved maximum too), and plan shows the largest result.
        try String(contentsOfFile: sweep, encoding: .utf8).replacingOccurrences(
            of: "record_every: {value: 1}", with: "record_every: {value: 4}"
        ).write(toFile: sweep, atomically: true, encoding: .utf8)
        let plan = try runProcess(["plan", sweep], timeout: 30)
        #expect(plan.status == 0, "\(plan.stderr)")
        // 750,002 points of 77 bytes, 5 ranks of 170 bytes, 286 bytes more: 57,751,290 bytes.
        #expect(plan.stdout.contains("largest result: up to 55.1 MiB"), "\(plan.stdout)")
    }

    /// A result the worker cannot send (here: larger than the fault-injected send limit) ends the
    /// task failed with the reason, at once, logged on the worker; the run does not stall.
    @Test func aResultThatCannotBeSentFailsTheTaskWithTheReason() throws {
        let dir = try TemporaryDirectory()
        let sweep = dir.path("mid.yaml")
        // 2,002 points ≈ 82 KB; the other task's result is ~2 KB and passes.
        try """
        name: mid
        method: grid
        parameters:
          n: {value: 5}
          steps: {value: 2000}
          record_every: {values: [1, 100]}
        """.write(toFile: sweep, atomically: true, encoding: .utf8)
        let store = dir.path("s.sqlite")
        let start = Date()
        let r = try runProcess(
            ["run", sweep, "--store", store, "--workers", "1"],
            environment: ["DMFSWEEP_FAULT_SEND_LIMIT_BYTES": "20000"], timeout: 60)
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(seconds < 20, "took \(seconds) s")
        #expect(r.stderr.contains("cannot be sent"), "\(r.stderr)")
        // Failed at once: another attempt would fail the same way.
        #expect(r.stderr.contains("failed after 1 attempt(s)"), "\(r.stderr)")
        let rows = try RuntimeCLITests.sql(store, "SELECT status, error FROM tasks ORDER BY status")
        #expect(rows.count == 2)
        #expect(rows.first?.hasPrefix("done|") == true)
        #expect(rows.last?.hasPrefix("failed|") == true && rows.last?.contains("cannot be sent") == true, "\(rows)")
        print("oversized result: task failed with the reason after \(String(format: "%.1f", seconds)) s")
    }

    /// A result batch the coordinator cannot decode (a fault corrupts it) is rejected back to the
    /// worker, which reports its tasks as failures with the reason: they end failed, not lost.
    @Test func aResultTheCoordinatorCannotReadFailsTheTaskWithTheReason() throws {
        let dir = try TemporaryDirectory()
        let sweep = try RuntimeCLITests.sweep(dir, count: 2)
        let store = dir.path("s.sqlite")
        let start = Date()
        let r = try runProcess(
            ["run", sweep, "--store", store, "--workers", "1", "--noop"],
            environment: ["DMFSWEEP_FAULT_CORRUPT_RESULTS": "1"], timeout: 60)
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(seconds < 20)
        #expect(r.stderr.contains("cannot read result batch"), "\(r.stderr)")
        #expect(r.stderr.contains("failed after 1 attempt(s)"), "\(r.stderr)")
        let rows = try RuntimeCLITests.sql(store, "SELECT status, error FROM tasks")
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.hasPrefix("failed|") && $0.contains("trailing bytes") }, "\(rows)")
    }

    /// Busy workers that deliver nothing for longer than the threshold: the coordinator logs a
    /// stall and `status` shows it (text and JSON).
    @Test func aStallIsReportedInTheLogAndInStatus() throws {
        let dir = try TemporaryDirectory()
        let sweep = try RuntimeCLITests.sweep(dir, count: 2)
        let store = dir.path("s.sqlite")
        let endpoint = "tcp://127.0.0.1:\(RuntimeCLITests.freePort())"
        let coordinator = try ChildProcess(
            ["coordinator", sweep, "--store", store, "--bind", endpoint, "--noop", "--stall-after", "1"])
        defer { coordinator.send(signal: SIGKILL) }
        let worker = try ChildProcess(
            ["worker", "--connect", endpoint, "--give-up-after", "30"],
            environment: ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "20000"])
        defer { worker.send(signal: SIGKILL) }
        #expect(eventually(timeout: 15) { coordinator.output.contains("no result for") }, "\(coordinator.output)")
        var text = ""
        #expect(
            eventually(timeout: 15) {
                text = (try? runProcess(["status", "--store", store], timeout: 20))?.stdout ?? ""
                return text.contains("stalled: no result for")
            }, "\(text)")
        let json = try runProcess(["status", "--store", store, "--format", "json"], timeout: 20)
        #expect(json.stdout.contains("\"stall\"") && json.stdout.contains("no result for"), "\(json.stdout)")
    }

    /// Workers stopped mid-task (inside BLAS: n = 300, full path) with SIGINT and SIGTERM, single
    /// and doubled, with and without OPENBLAS_NUM_THREADS=1, with 1 and 2 jobs: every one is gone
    /// within seconds, with status 130 and no crash output.
    @Test func workersStoppedMidTaskExitCleanlyEveryTime() throws {
        let dir = try TemporaryDirectory()
        let sweep = dir.path("heavy.yaml")
        let seeds = (0..<400).map(String.init).joined(separator: ", ")
        try """
        name: heavy
        method: grid
        parameters:
          n: {value: 300}
          depth: {value: 3}
          path: {value: full}
          steps: {value: 200000}
          record_every: {value: 1000}
          seed: {values: [\(seeds)]}
        """.write(toFile: sweep, atomically: true, encoding: .utf8)
        let endpoint = "tcp://127.0.0.1:\(RuntimeCLITests.freePort())"
        let coordinator = try ChildProcess(
            ["coordinator", sweep, "--store", dir.path("s.sqlite"), "--bind", endpoint])
        defer { coordinator.send(signal: SIGKILL) }

        struct Case {
            var signal: Int32
            var doubled: Bool
            // One BLAS thread per core is OpenBLAS's default when the variable is unset (the case of
            // the issue; the test's environment cannot unset a variable, so it says it).
            var blasThreads: String
            var jobs: Int
        }
        var cases: [Case] = []
        for signal in [SIGINT, SIGTERM] {
            for doubled in [false, true] {
                for blas in ["\(ProcessInfo.processInfo.activeProcessorCount)", "1"] {
                    for jobs in [1, 2] {
                        cases.append(Case(signal: signal, doubled: doubled, blasThreads: blas, jobs: jobs))
                    }
                }
            }
        }
        // Plus 32 of the case that hung most often before the fix (about one stop in ten: exit()
        // joining OpenBLAS's server thread while a compute thread was inside BLAS): 48 stops.
        let hard = cases.filter { $0.jobs == 2 && $0.blasThreads != "1" }
        for _ in 0..<8 { cases += hard }
        var crashes: [String] = []
        var slowest = 0.0
        var stops = 0
        for wave in stride(from: 0, to: cases.count, by: 8) {
            let batch = Array(cases[wave..<min(wave + 8, cases.count)])
            let logs = batch.indices.map { dir.path("exec-\(wave + $0).log") }
            let workers = try batch.indices.map { i in
                try ChildProcess(
                    [
                        "worker", "--connect", endpoint, "--jobs", "\(batch[i].jobs)", "--give-up-after", "30",
                        "--quiet",
                    ],
                    environment: [
                        "OPENBLAS_NUM_THREADS": batch[i].blasThreads, "DMFSWEEP_FAULT_EXECUTION_LOG": logs[i],
                    ])
            }
            defer { for w in workers { w.send(signal: SIGKILL) } }
            // Every worker inside a task…
            let started = eventually(timeout: 30) { logs.allSatisfy { FileManager.default.fileExists(atPath: $0) } }
            #expect(started, "not every worker started a task: \(workers.map(\.output))")
            // …and 1–2 s into it (BLAS running, its threads busy).
            usleep(UInt32.random(in: 1_000_000...2_000_000))
            for (i, w) in workers.enumerated() {
                w.send(signal: batch[i].signal)
                if batch[i].doubled {
                    usleep(20_000)
                    w.send(signal: batch[i].signal)
                }
            }
            let sent = Date()
            for (i, w) in workers.enumerated() {
                let c = batch[i]
                let what =
                    "signal \(c.signal)\(c.doubled ? " twice" : ""), OPENBLAS_NUM_THREADS=\(c.blasThreads), jobs \(c.jobs)"
                stops += 1
                guard let end = w.wait(timeout: 10) else {
                    crashes.append("\(what): still running 10 s after the signal")
                    continue
                }
                slowest = max(slowest, Date().timeIntervalSince(sent))
                if end.signaled || end.status != 130 {
                    crashes.append("\(what): \(end)")
                }
                let err = w.stderr
                for word in ["Segmentation", "fault", "Abort", "Fatal", "backtrace", "OpenBLAS", "core dumped"]
                where err.contains(word) {
                    crashes.append("\(what): stderr mentions \(word): \(err.prefix(300))")
                }
            }
        }
        print("stops: \(stops), crashes or hangs: \(crashes.count), slowest exit \(String(format: "%.2f", slowest)) s")
        #expect(crashes.isEmpty, "\(crashes)")
        #expect(slowest < 5)
    }

    /// `run` killed with SIGKILL: its workers (parent-death signal) are gone within seconds, not
    /// after --give-up-after.
    @Test func killingRunEndsItsWorkersAtOnce() throws {
        let dir = try TemporaryDirectory()
        let sweep = try RuntimeCLITests.sweep(dir, count: 50)
        let run = try ChildProcess(
            ["run", sweep, "--store", dir.path("s.sqlite"), "--workers", "2", "--noop"],
            environment: ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "5000"])
        var workers: [Int32] = []
        #expect(
            eventually(timeout: 20) {
                workers = RuntimeCLITests.children(of: run.pid)
                return workers.count == 2
            })
        usleep(300_000)
        run.send(signal: SIGKILL)
        _ = run.wait(timeout: 10)
        let start = Date()
        // Gone, or a zombie waiting for init to reap it (dead all the same).
        func dead(_ pid: Int32) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
        }
        let gone = eventually(timeout: 5) { workers.allSatisfy(dead) }
        print("workers gone \(String(format: "%.2f", Date().timeIntervalSince(start))) s after SIGKILL of run")
        #expect(gone, "workers still alive: \(workers.filter { !dead($0) })")
        for pid in workers where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }

    /// A coordinator killed and restarted while both workers are mid-task: the workers tell the new
    /// coordinator what they run, it leases those tasks back to them, and no task runs twice.
    @Test func aRestartedCoordinatorAdoptsTheWorkInFlight() throws {
        let dir = try TemporaryDirectory()
        let sweep = try RuntimeCLITests.sweep(dir, count: 4)
        let store = dir.path("s.sqlite")
        let endpoint = "tcp://127.0.0.1:\(RuntimeCLITests.freePort())"
        let common = ["--store", store, "--bind", endpoint, "--heartbeat-interval", "0.2", "--noop"]
        let executions = dir.path("executions.log")
        let env = ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "3000", "DMFSWEEP_FAULT_EXECUTION_LOG": executions]
        let first = try ChildProcess(["coordinator", sweep] + common)
        defer { first.send(signal: SIGKILL) }
        func lines() -> [String] {
            ((try? String(contentsOfFile: executions, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        func worker(_ i: Int) throws -> ChildProcess {
            try ChildProcess(
                ["worker", "--connect", endpoint, "--name", "w\(i)", "--give-up-after", "30"], environment: env)
        }
        // Staggered: w0 finishes its task first, while w1 still runs the next one in the queue —
        // without adoption, the restarted coordinator hands w1's task to w0 as well.
        var workers = [try worker(0)]
        defer { for w in workers { w.send(signal: SIGKILL) } }
        #expect(eventually(timeout: 20) { lines().count == 1 })
        usleep(1_000_000)
        workers.append(try worker(1))
        #expect(eventually(timeout: 20) { lines().count == 2 })
        usleep(300_000)
        first.send(signal: SIGKILL)
        _ = first.wait(timeout: 10)
        let restart = Date()
        let second = try ChildProcess(["coordinator", sweep] + common)
        defer { second.send(signal: SIGKILL) }
        #expect(second.exitStatus(timeout: 60) == 0, "\(second.output)")
        let seconds = Date().timeIntervalSince(restart)
        for w in workers { #expect(w.exitStatus(timeout: 15) == 0, "\(w.output)") }
        let ran = lines()
        print(
            "coordinator restart: \(ran.count) executions for 4 tasks; finished \(String(format: "%.1f", seconds)) s after the restart"
        )
        #expect(ran.count == 4 && Set(ran).count == 4, "\(ran)")
        #expect(second.output.contains("adopted"), "\(second.output)")
        #expect(try RuntimeCLITests.sql(store, "SELECT count(*), count(DISTINCT task_id) FROM results") == ["4|4"])
    }

    /// A worker whose CURVE handshake fails says so within seconds, naming both causes, and exits 4;
    /// the coordinator logs the refused key.
    @Test func aFailedCurveHandshakeIsDiagnosedWithinSeconds() throws {
        let dir = try TemporaryDirectory()
        let keys = dir.path("keys")
        let other = dir.path("other")
        for (d, name, extra) in [
            (keys, "coordinator", [String]()), (keys, "worker", ["--authorize"]), (keys, "stranger", []),
            (other, "coordinator", []),
        ] {
            let r = try runProcess(["keys", "generate", "--keys", d, "--name", name] + extra, timeout: 20)
            #expect(r.status == 0, "\(r.stderr)")
        }
        // A worker key pair that is authorized, next to the wrong coordinator.pub.
        for file in ["worker.secret", "worker.pub"] {
            try FileManager.default.copyItem(atPath: "\(keys)/\(file)", toPath: "\(other)/\(file)")
        }
        let sweep = try RuntimeCLITests.sweep(dir, count: 3)
        let endpoint = "tcp://127.0.0.1:\(RuntimeCLITests.freePort())"
        let coordinator = try ChildProcess(
            ["coordinator", sweep, "--store", dir.path("s.sqlite"), "--bind", endpoint, "--curve", "--keys", keys])
        defer { coordinator.send(signal: SIGKILL) }
        #expect(eventually(timeout: 20) { coordinator.output.contains("listening on") })
        let strangerKey = try String(contentsOfFile: "\(keys)/stranger.pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for (name, dirOfKeys, keyName) in [
            ("not allow-listed", keys, "stranger"), ("wrong coordinator.pub", other, "worker"),
        ] {
            let start = Date()
            let r = try runProcess(
                ["worker", "--connect", endpoint, "--curve", "--keys", dirOfKeys, "--key-name", keyName], timeout: 60)
            let seconds = Date().timeIntervalSince(start)
            print("CURVE \(name): diagnosed and exited \(r.status) after \(String(format: "%.2f", seconds)) s")
            #expect(r.status == 4, "\(r.stderr)")
            #expect(seconds < 10)
            #expect(
                r.stderr.contains("wrong coordinator public key") && r.stderr.contains("authorized/"), "\(r.stderr)")
        }
        #expect(eventually(timeout: 10) { coordinator.output.contains(strangerKey) }, "\(coordinator.output)")
        #expect(coordinator.output.contains("wrong") && coordinator.output.contains("coordinator.pub"))
        // The right keys still work.
        let ok = try runProcess(["worker", "--connect", endpoint, "--curve", "--keys", keys], timeout: 60)
        #expect(ok.status == 0, "\(ok.stderr)")
    }
}
