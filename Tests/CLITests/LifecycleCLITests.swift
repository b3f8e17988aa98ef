import Foundation
import SummaryStore
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The store while it is written, with real processes: a bounded `-wal` file, each task's life
/// recorded as it happens (running with worker, host and start; attempts counting real starts),
/// and `status` telling failed tasks and a dead coordinator.
@Suite(.serialized) struct LifecycleCLITests {
    static let sql = RuntimeCLITests.sql

    /// A sweep of `count` tasks with the given extra parameter lines.
    static func sweep(_ dir: TemporaryDirectory, name: String, count: Int, extra: String = "") throws -> String {
        let path = dir.path("\(name).yaml")
        let seeds = (0..<count).map(String.init).joined(separator: ", ")
        try "name: \(name)\nmethod: grid\nparameters:\n  seed: {values: [\(seeds)]}\n\(extra)"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// Samples a store's main and `-wal` file sizes every 10 ms on a thread of its own.
    final class SizeSampler: Sendable {
        struct Samples: Sendable {
            var walPeak = 0
            var mainSizes: [Int] = []
            var count = 0
        }
        let samples = Mutex(Samples())
        private let stopped = Mutex(false)
        private let done = DispatchSemaphore(value: 0)

        init(_ store: String) {
            Thread { [self] in
                while !stopped.withLock({ $0 }) {
                    let wal = LifecycleCLITests.size(store + "-wal")
                    let main = LifecycleCLITests.size(store)
                    samples.withLock {
                        $0.walPeak = max($0.walPeak, wal)
                        $0.mainSizes.append(main)
                        $0.count += 1
                    }
                    usleep(10_000)
                }
                done.signal()
            }.start()
        }

        func stop() -> Samples {
            stopped.withLock { $0 = true }
            done.wait()
            return samples.withLock { $0 }
        }
    }

    /// Issue 10 §2: thousands of results with a point per step through `run --workers 2`; the
    /// `-wal` file stays under 32 MiB throughout while the main file grows during the run (before,
    /// the WAL held the whole store and the main file stayed at 4 KiB).
    @Test func theWALStaysBoundedAndTheMainFileGrowsDuringARun() throws {
        let dir = try TemporaryDirectory(prefix: "lifecycle-wal")
        let sweep = try Self.sweep(
            dir, name: "wal", count: 3000, extra: "  steps: {value: 400}\n  record_every: {value: 1}\n")
        let store = dir.path("s.sqlite")
        let sampler = SizeSampler(store)
        let run = try runProcess(["run", sweep, "--store", store, "--workers", "2", "--quiet"], timeout: 600)
        let samples = sampler.stop()
        #expect(run.status == 0, "\(run.stderr)")
        let final = Self.size(store)
        print(
            "WAL peak \(samples.walPeak) bytes (\(samples.walPeak >> 20) MiB); main file \(final >> 20) MiB at the end; "
                + "\(samples.count) samples")
        #expect(try Self.sql(store, "SELECT count(*) FROM trajectories WHERE points = 401") == ["3000"])
        #expect(final > 32 << 20, "the store should hold ~40 MB of trajectories, it has \(final) bytes")
        #expect(samples.walPeak < 32 << 20, "WAL peak \(samples.walPeak) bytes")
        // Growing during the run: the main file was over a quarter of its final size while the
        // run still wrote (samples taken before the end of the process).
        let during = samples.mainSizes.dropLast(5).max() ?? 0
        #expect(during > final / 4, "main file during the run peaked at \(during) bytes of \(final)")
        #expect(try Self.sql(store, "PRAGMA integrity_check") == ["ok"])
        #expect(Self.size(store + "-wal") == 0 || !FileManager.default.fileExists(atPath: store + "-wal"))
    }

    /// A store whose writer was SIGKILLed mid-run (inline: one process) opens cleanly, and its
    /// main file already holds most of what was committed.
    @Test func aStoreOfAKilledRunOpensCleanly() throws {
        let dir = try TemporaryDirectory(prefix: "lifecycle-kill")
        let sweep = try Self.sweep(
            dir, name: "kill", count: 3000, extra: "  steps: {value: 400}\n  record_every: {value: 1}\n")
        let store = dir.path("s.sqlite")
        let run = try ChildProcess(["run", sweep, "--store", store, "--inline", "--quiet"])
        #expect(
            eventually(timeout: 120) {
                Int((try? Self.sql(store, "SELECT count(*) FROM tasks WHERE status = 'done'"))?.first ?? "") ?? 0
                    >= 1000
            })
        run.send(signal: SIGKILL)
        _ = run.wait(timeout: 20)
        #expect(Self.size(store + "-wal") < 32 << 20)
        #expect(Self.size(store) > 8 << 20, "main file \(Self.size(store)) bytes after ≥ 1000 results")
        #expect(try Self.sql(store, "PRAGMA integrity_check") == ["ok"])
        let done = Int(try Self.sql(store, "SELECT count(*) FROM tasks WHERE status = 'done'").first ?? "") ?? 0
        #expect(try Self.sql(store, "SELECT count(*) FROM trajectories") == ["\(done)"])
    }

    /// Issue 10 §3: during a run the store shows running tasks with worker, host, start and
    /// attempt, and `status`, `sweeps` and `query --where status=running` show them too.
    @Test func runningTasksAreVisibleWhileTheyRun() throws {
        let dir = try TemporaryDirectory(prefix: "lifecycle-running")
        let sweep = try Self.sweep(dir, name: "slow", count: 8)
        let store = dir.path("s.sqlite")
        let run = try ChildProcess(
            ["run", sweep, "--store", store, "--workers", "2", "--noop", "--quiet"],
            environment: ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "1500"])
        defer {
            if run.exitStatus(timeout: 0) == nil { run.send(signal: SIGKILL) }
        }
        let host = ProcessInfo.processInfo.hostName
        var rows: [String] = []
        #expect(
            eventually(timeout: 60) {
                rows =
                    (try? Self.sql(
                        store,
                        "SELECT worker, host, started IS NOT NULL, attempts FROM tasks WHERE status = 'running'")) ?? []
                return rows.count >= 2
            })
        for row in rows {
            let f = row.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            #expect(f.count == 4 && !f[0].isEmpty && f[1] == host && f[2] == "1" && f[3] == "1", "\(row)")
        }
        let status = try runProcess(["status", "--store", store])
        #expect(status.stdout.contains("running tasks:") && status.stdout.contains("attempt 1 on"), "\(status.stdout)")
        let json = try runProcess(["status", "--store", store, "--format", "json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        let running = parsed?.first?["running_tasks"] as? [[String: Any]] ?? []
        #expect(running.count >= 1 && running.allSatisfy { $0["host"] as? String == host && $0["started"] is Double })
        let sweeps = try runProcess(["sweeps", "--store", store, "--format", "csv"])
        let line = sweeps.stdout.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
        // name,tasks,done,running,…
        #expect((Int(line.split(separator: ",")[3]) ?? 0) >= 1, "\(sweeps.stdout)")
        let query = try runProcess(
            ["query", "--store", store, "--where", "status=running", "--metric", "status.running", "--format", "csv"])
        #expect(query.status == 0, "\(query.stderr)")
        let table = query.stdout.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let countColumn = table.first?.firstIndex { $0 == "count" || $0.hasSuffix(".count") }
        let count = countColumn.flatMap { c in table.dropFirst().first.flatMap { c < $0.count ? Int($0[c]) : nil } }
        #expect((count ?? 0) >= 1, "\(query.stdout)")
        #expect(run.exitStatus(timeout: 60) == 0)
        #expect(try Self.sql(store, "SELECT count(*) FROM tasks WHERE status = 'done' AND attempts = 1") == ["8"])
    }

    /// A task re-queued after its worker was SIGKILLed mid-task counts two attempts, and the
    /// second worker is recorded; nothing is left running.
    @Test func aTaskRequeuedAfterAWorkerIsKilledCountsTwoAttempts() throws {
        let dir = try TemporaryDirectory(prefix: "lifecycle-requeue")
        let sweep = try Self.sweep(dir, name: "requeue", count: 4)
        let store = dir.path("s.sqlite")
        let port = RuntimeCLITests.freePort()
        let endpoint = "tcp://127.0.0.1:\(port)"
        let coordinator = try ChildProcess([
            "coordinator", sweep, "--store", store, "--bind", endpoint, "--noop", "--heartbeat-interval", "0.2",
            "--heartbeat-liveness", "5",
        ])
        let slow = ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "2000"]
        let victim = try ChildProcess(
            ["worker", "--connect", endpoint, "--name", "victim", "--jobs", "1"], environment: slow)
        var survivor: ChildProcess?
        defer {
            for p in [coordinator, victim] + (survivor.map { [$0] } ?? []) where p.exitStatus(timeout: 0) == nil {
                p.send(signal: SIGKILL)
            }
        }
        var key = ""
        #expect(
            eventually(timeout: 60) {
                key =
                    (try? Self.sql(store, "SELECT key FROM tasks WHERE status = 'running' AND worker = 'victim'"))?
                    .first ?? ""
                return !key.isEmpty
            })
        victim.send(signal: SIGKILL)
        #expect(victim.wait(timeout: 10) != nil)
        survivor = try ChildProcess(["worker", "--connect", endpoint, "--name", "survivor"], environment: slow)
        #expect(coordinator.exitStatus(timeout: 90) == 0, "\(coordinator.stderr)")
        #expect(try Self.sql(store, "SELECT attempts, worker FROM tasks WHERE key = '\(key)'") == ["2|survivor"])
        #expect(try Self.sql(store, "SELECT count(*) FROM tasks WHERE status = 'done'") == ["4"])
        #expect(try Self.sql(store, "SELECT count(*) FROM tasks WHERE attempts = 1 AND key != '\(key)'") == ["3"])
    }

    /// Inline and cluster runs record the same lifecycle columns for the same sweep.
    @Test func inlineAndClusterRecordTheSameColumns() throws {
        let dir = try TemporaryDirectory(prefix: "lifecycle-same")
        let sweep = try Self.sweep(dir, name: "same", count: 20, extra: "  steps: {value: 200}\n")
        let inline = dir.path("inline.sqlite")
        let cluster = dir.path("cluster.sqlite")
        #expect(try runProcess(["run", sweep, "--store", inline, "--inline", "--quiet"]).status == 0)
        #expect(try runProcess(["run", sweep, "--store", cluster, "--workers", "2", "--quiet"]).status == 0)
        let host = ProcessInfo.processInfo.hostName
        let shape = """
            SELECT key, status, attempts, worker IS NOT NULL, host, started IS NOT NULL, finished >= started,
                error IS NULL FROM tasks ORDER BY key
            """
        let a = try Self.sql(inline, shape)
        let b = try Self.sql(cluster, shape)
        #expect(a.count == 20 && a == b)
        #expect(a.allSatisfy { $0.hasSuffix("|done|1|1|\(host)|1|1|1") }, "\(a.first ?? "")")
        // The host is a query column: --where and --group-by take it.
        for store in [inline, cluster] {
            let byHost = try runProcess([
                "query", "--store", store, "--group-by", "host", "--metric", "final_loss", "--format", "csv",
            ])
            #expect(byHost.status == 0, "\(byHost.stderr)")
            #expect(byHost.stdout.split(separator: "\n").dropFirst().map { $0.hasPrefix("\(host),20,") } == [true])
            let elsewhere = try runProcess([
                "query", "--store", store, "--where", "host=elsewhere", "--metric", "final_loss", "--format", "csv",
            ])
            #expect(elsewhere.status == 0 && !elsewhere.stdout.contains(",20,"), "\(elsewhere.stdout)")
        }
    }

    /// Issue 10 §5: `status` lists failed tasks with attempts and error (text and JSON), and a
    /// rerun that skips them says how many and names --retry-failed.
    @Test func failedTasksAreListedByStatusAndARerunSaysItSkipsThem() throws {
        let dir = try TemporaryDirectory(prefix: "lifecycle-failed")
        let sweep = try Self.sweep(dir, name: "fails", count: 10)
        let store = dir.path("s.sqlite")
        // Register the sweep to learn a key (a coordinator without workers, interrupted).
        let port = RuntimeCLITests.freePort()
        let register = try ChildProcess([
            "coordinator", sweep, "--store", store, "--bind", "tcp://127.0.0.1:\(port)", "--noop",
        ])
        #expect(eventually(timeout: 20) { (try? Self.sql(store, "SELECT count(*) FROM tasks"))?.first == "10" })
        register.send(signal: SIGINT)
        #expect(register.exitStatus(timeout: 20) == 130)
        let poison = try Self.sql(store, "SELECT key FROM tasks ORDER BY key LIMIT 1")[0]
        let r = try runProcess(
            [
                "run", sweep, "--store", store, "--workers", "1", "--noop", "--heartbeat-interval", "0.2",
                "--heartbeat-liveness", "4", "--max-attempts", "1",
            ],
            environment: ["DMFSWEEP_FAULT_CRASH_KEY": poison], timeout: 90)
        #expect(r.status == 3, "\(r.stderr)")
        let attempts = try Self.sql(store, "SELECT attempts FROM tasks WHERE key = '\(poison)'").first ?? ""
        let status = try runProcess(["status", "--store", store])
        #expect(status.stdout.contains("failed tasks (run again with --retry-failed):"), "\(status.stdout)")
        #expect(
            status.stdout.contains("\(poison.prefix(12)) after \(attempts) attempt(s)")
                && status.stdout.contains("died while running it"), "\(status.stdout)")
        let json = try runProcess(["status", "--store", store, "--format", "json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        let failed = parsed?.first?["failed_tasks"] as? [[String: Any]] ?? []
        #expect(failed.count == 1)
        #expect(failed.first?["key"] as? String == poison && "\(failed.first?["attempts"] ?? "")" == attempts)
        #expect((failed.first?["error"] as? String)?.contains("died while running it") == true)
        // Rerunning without --retry-failed skips it and says so, inline and distributed.
        for extra in [["--inline"], ["--workers", "1", "--noop"]] {
            let again = try runProcess(["run", sweep, "--store", store] + extra, timeout: 60)
            #expect(again.status == 3, "\(extra): \(again.stderr)")
            #expect(
                (again.stdout + again.stderr).contains("1 failed task(s) skipped: run again with --retry-failed"),
                "\(extra): \(again.stdout) \(again.stderr)")
        }
    }

    /// After the coordinator is SIGKILLed, `status` says at once that no coordinator is live
    /// instead of showing its workers and an ETA.
    @Test func statusSaysNoCoordinatorIsLiveRightAfterItIsKilled() throws {
        let dir = try TemporaryDirectory(prefix: "lifecycle-dead")
        let sweep = try Self.sweep(dir, name: "dead", count: 20)
        let store = dir.path("s.sqlite")
        let port = RuntimeCLITests.freePort()
        let endpoint = "tcp://127.0.0.1:\(port)"
        let coordinator = try ChildProcess(["coordinator", sweep, "--store", store, "--bind", endpoint, "--noop"])
        let worker = try ChildProcess(
            ["worker", "--connect", endpoint, "--give-up-after", "5"],
            environment: ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "1000"])
        defer {
            for p in [coordinator, worker] where p.exitStatus(timeout: 0) == nil { p.send(signal: SIGKILL) }
        }
        #expect(
            eventually(timeout: 30) {
                (try? runProcess(["status", "--store", store]))?.stdout.contains("workers: 1") == true
            })
        coordinator.send(signal: SIGKILL)
        #expect(coordinator.wait(timeout: 10) != nil)
        let status = try runProcess(["status", "--store", store])
        #expect(status.stdout.contains("coordinator: none live"), "\(status.stdout)")
        #expect(
            status.stdout.contains("is gone") && !status.stdout.contains("ETA") && !status.stdout.contains("workers:"))
        let json = try runProcess(["status", "--store", store, "--format", "json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        let c = parsed?.first?["coordinator"] as? [String: Any]
        #expect(c?["live"] as? Bool == false && c?["workers"] == nil && c?["eta_seconds"] == nil)
    }

    /// A tmpfs of `megabytes` MiB mounted at a new directory under `dir`, unmounted by `unmount`.
    static func tinyFilesystem(_ dir: TemporaryDirectory, megabytes: Int) throws -> String? {
        let mountPoint = dir.path("tiny")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let out = try runProcess(
            ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", mountPoint],
            executable: URL(fileURLWithPath: "/bin/mount"), timeout: 20)
        return out.status == 0 ? mountPoint : nil
    }

    static func unmount(_ mountPoint: String) {
        _ = try? runProcess([mountPoint], executable: URL(fileURLWithPath: "/bin/umount"), timeout: 20)
    }

    static var canMount: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") }

    /// Issue 10 §5: a store on a full disk (a real 1 MiB tmpfs) ends the run with exit status 4
    /// and one line naming the cause; `status` shows the reason; every result committed before
    /// is kept, and the same command on a disk with room resumes and completes the sweep.
    @Test(.enabled(if: canMount), arguments: [["--workers", "1"], ["--inline", "--batch", "10"]])
    func aFullDiskEndsTheRunWithExitFourAndKeepsWhatWasCommitted(mode: [String]) throws {
        let dir = try TemporaryDirectory(prefix: "lifecycle-full")
        let sweep = try Self.sweep(
            dir, name: "full", count: 200, extra: "  steps: {value: 400}\n  record_every: {value: 1}\n")
        let mountPoint = try #require(try Self.tinyFilesystem(dir, megabytes: 1))
        defer { Self.unmount(mountPoint) }
        let store = mountPoint + "/s.sqlite"
        let run = try runProcess(["run", sweep, "--store", store, "--quiet"] + mode, timeout: 120)
        #expect(run.status == 4, "\(mode): \(run.stdout) \(run.stderr)")
        let lines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("dmfsweep: error:") }
        #expect(lines.count == 1 && lines[0].contains("database or disk is full"), "\(run.stderr)")
        #expect(lines.first?.contains("run the same command again to resume") == true)
        let status = try runProcess(["status", "--store", store])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("failed: SQLite error 13"), "\(mode): \(status.stdout)")
        #expect(try Self.sql(store, "PRAGMA integrity_check") == ["ok"])
        let committed = Int(try Self.sql(store, "SELECT count(*) FROM tasks WHERE status = 'done'").first ?? "") ?? -1
        #expect(committed > 0 && committed < 200, "\(committed)")
        #expect(try Self.sql(store, "SELECT count(*) FROM trajectories") == ["\(committed)"])
        // Room again: the same command resumes from what was committed and completes.
        let roomy = dir.path("s.sqlite")
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: store + suffix) {
            try FileManager.default.copyItem(atPath: store + suffix, toPath: roomy + suffix)
        }
        let again = try runProcess(["run", sweep, "--store", roomy, "--quiet"] + mode, timeout: 120)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("this run: \(200 - committed) task(s)"), "\(again.stdout)")
        #expect(
            try Self.sql(roomy, "SELECT count(*), count(DISTINCT key) FROM tasks WHERE status = 'done'") == ["200|200"])
    }

    /// Issue 12: with an SQLite store, `status` on a host other than the live coordinator's says
    /// that live reads need the coordinator's host or a PostgreSQL store (nothing faked but the
    /// live state's host, written through the store API).
    @Test func statusRefusesLiveReadsOfAnSQLiteStoreFromAnotherHost() throws {
        let dir = try TemporaryDirectory(prefix: "lifecycle-host")
        let sweep = try Self.sweep(dir, name: "remote", count: 3)
        let store = dir.path("s.sqlite")
        #expect(try runProcess(["run", sweep, "--store", store, "--inline", "--quiet"]).status == 0)
        let now = Date().timeIntervalSince1970
        let live = """
            {"updatedAt":\(now),"startedAt":\(now - 5),"endpoint":"tcp://10.0.0.1:5555","pid":4242,\
            "host":"node1-not-\(ProcessInfo.processInfo.hostName)","phase":"running","scheduler":{"total":3,"done":0,\
            "failed":0,"leased":0,"queued":3,"running":0,"requeues":0,"deaths":0,"duplicates":0,"unknownResults":0,\
            "unknownPeerMessages":0,"unexpectedMessages":0,"workers":[]},"doneBefore":0,"rate":0,"badMessages":{}}
            """
        try SummaryStore(path: store).publishLiveState(sweep: "remote", updated: now, json: live)
        for format in ["text", "json"] {
            let status = try runProcess(["status", "--store", store, "--format", format])
            #expect(status.status == 1, "\(status.stdout)")
            #expect(status.stdout.isEmpty)
            #expect(
                status.stderr.contains("running on host node1-not-")
                    && status.stderr.contains("an SQLite store cannot be read live from another host")
                    && status.stderr.contains("PostgreSQL"), "\(status.stderr)")
        }
        // Once that coordinator's state is stale (no update for longer than 6 s), it is not live: status reads.
        try SummaryStore(path: store).publishLiveState(
            sweep: "remote", updated: now - 60,
            json: live.replacingOccurrences(of: "\(now),\"startedAt", with: "\(now - 60),\"startedAt"))
        let stale = try runProcess(["status", "--store", store])
        #expect(stale.status == 0 && stale.stdout.contains("coordinator: none live"), "\(stale.stdout) \(stale.stderr)")
    }
}
