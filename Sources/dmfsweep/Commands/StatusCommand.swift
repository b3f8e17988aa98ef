import Cluster
import Foundation
import SummaryStore

#if canImport(Glibc)
    import Glibc
#endif

/// `dmfsweep status`: counts by status, live workers, rate and ETA, from the store.
enum StatusCommand {
    static let command = Command(
        name: "status", summary: "show a store's progress: counts, live workers, rate, ETA",
        usage: "--store STORE [--sweep NAME] [--format text|json]",
        discussion: """
            Reads the store only (safe while a coordinator writes to it). Counts, running tasks
            (worker, host, attempt, since when) and failed tasks (attempts, error) come from the
            tasks table; workers, rate, ETA and dropped bad messages from the live state a running
            coordinator publishes every 2 seconds. A coordinator that is gone (its pid on this
            host, or no update for 6 s elsewhere) is reported as such. With an SQLite store,
            reading while the coordinator runs on another host is refused (exit 1): run status on
            its host, or use a PostgreSQL store.
            """,
        options: [
            OptionSpec(flag: "--store", valueName: "STORE", help: "summary store: a file or a postgresql:// URI"),
            OptionSpec(flag: "--sweep", valueName: "NAME", help: "only this sweep"),
            OptionSpec(flag: "--format", valueName: "FORMAT", help: "text|json", defaultValue: "text"),
        ],
        run: run)

    /// Tasks listed per state in text output (JSON lists them all).
    static let listLimit = 20

    static func run(_ args: ParsedArguments) throws -> Int32 {
        _ = try args.positionals(exactly: 0, names: "")
        let path = try args.required("--store")
        let json = try args.choice("--format", ["text", "json"]) == "json"
        let store = try StoreAccess.open(path, readOnly: true)
        let now = Date().timeIntervalSince1970
        let localHost = ProcessInfo.processInfo.hostName
        let live: [String: LiveState]
        do {
            live = try LiveStateTable.read(from: store)
        } catch let e as StoreError {
            throw StoreAccess.failure(e)
        }
        let liveness = live.mapValues {
            $0.liveness(now: now, localHost: localHost, processExists: { kill(pid_t($0), 0) == 0 || errno == EPERM })
        }
        // An SQLite store in WAL mode is read through shared memory on the writer's host: from
        // another host a live read may see anything (https://sqlite.org/wal.html#concurrency).
        // A PostgreSQL store is read through the server, from anywhere.
        if store.engine == .sqlite,
            let (sweep, state) = live.first(where: { liveness[$0.key] == .serving && $0.value.host != localHost })
        {
            throw CommandFailure(
                "sweep \(sweep)'s coordinator is running on host \(state.host) (pid \(state.pid)), not on this host "
                    + "(\(localHost)): an SQLite store cannot be read live from another host; run 'dmfsweep status' on "
                    + "\(state.host), or use a PostgreSQL store for live reads from anywhere")
        }
        let all: [SweepSummary]
        var running: [String: [StoredTask]] = [:]
        var failed: [String: [StoredTask]] = [:]
        do {
            all = try store.sweeps()
            for s in all where args.string("--sweep").map({ $0 == s.name }) ?? true {
                running[s.name] = try store.tasks(in: .running, sweep: s.name)
                failed[s.name] = try store.tasks(in: .failed, sweep: s.name)
            }
        } catch {
            throw StoreAccess.failure(error)
        }
        let sweeps = all.filter { s in args.string("--sweep").map { $0 == s.name } ?? true }
        if let name = args.string("--sweep"), sweeps.isEmpty {
            let known = all.isEmpty ? "it has none" : "it has: " + all.map(\.name).joined(separator: ", ")
            throw UsageError("no sweep named '\(name)' in \(StoreAccess.shown(path)); \(known)")
        }
        if json {
            var out: [[String: Any]] = []
            for s in sweeps {
                var o: [String: Any] = [
                    "sweep": s.name, "total": s.counts.total, "pending": s.counts.pending, "running": s.counts.running,
                    "done": s.counts.done, "failed": s.counts.failed,
                    "running_tasks": (running[s.name] ?? []).map { taskJSON($0) },
                    "failed_tasks": (failed[s.name] ?? []).map { taskJSON($0) },
                ]
                if let l = live[s.name] {
                    var c: [String: Any] = [
                        "phase": l.phase.rawValue, "endpoint": l.endpoint, "host": l.host, "pid": l.pid,
                        "updated_seconds_ago": now - l.updatedAt, "failure": l.failure as Any,
                        "bad_messages": l.badMessages, "deaths": l.scheduler.deaths,
                        "requeues": l.scheduler.requeues, "duplicates": l.scheduler.duplicates,
                        "adopted": l.scheduler.adopted ?? 0,
                    ]
                    switch liveness[s.name] {
                    case .serving:
                        c["live"] = true
                        c["rate"] = l.rate
                        c["eta_seconds"] = l.eta as Any
                        c["leased"] = l.scheduler.leased
                        c["running"] = l.scheduler.running
                        c["stall"] = l.stall?.message as Any
                        c["workers"] = l.scheduler.workers.map {
                            [
                                "id": $0.workerID, "host": $0.host, "jobs": $0.jobs, "leased": $0.leased,
                                "running": $0.running, "completed": $0.completed,
                            ] as [String: Any]
                        }
                    case .gone(let reason):
                        c["live"] = false
                        c["gone"] = reason
                    case .ended, nil:
                        c["live"] = false
                    }
                    o["coordinator"] = c
                }
                out.append(o)
            }
            let data = try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return 0
        }
        if sweeps.isEmpty { print("\(StoreAccess.shown(path)): no sweeps yet") }
        for s in sweeps {
            let c = s.counts
            print(
                "\(s.name): \(c.done)/\(c.total) done (\(String(format: "%.1f", c.progress * 100))%), \(c.failed) failed, "
                    + "\(c.pending + c.running) to do (\(c.running) running)")
            printCoordinator(live[s.name], liveness[s.name], now: now)
            let runningTasks = running[s.name] ?? []
            if !runningTasks.isEmpty {
                print("  running tasks:")
                for t in runningTasks.prefix(listLimit) {
                    let since = t.started.map { ProgressReporter.duration(now - $0.timeIntervalSince1970) } ?? "?"
                    print("    \(t.key.short) attempt \(t.attempts) on \(location(t)), for \(since)")
                }
                more(runningTasks.count)
            }
            let failedTasks = failed[s.name] ?? []
            if !failedTasks.isEmpty {
                print("  failed tasks (run again with --retry-failed):")
                for t in failedTasks.prefix(listLimit) {
                    print(
                        "    \(t.key.short) after \(t.attempts) attempt(s) on \(location(t)): \(t.error ?? "no error recorded")"
                    )
                }
                more(failedTasks.count)
            }
        }
        return 0
    }

    private static func printCoordinator(_ live: LiveState?, _ liveness: LiveState.Liveness?, now: Double) {
        guard let l = live else {
            print("  no coordinator has run this sweep")
            return
        }
        let age = now - l.updatedAt
        let at = "at \(l.endpoint) (\(l.host) pid \(l.pid)), updated \(Int(age)) s ago"
        switch liveness {
        case .gone(let reason):
            print(
                "  coordinator: none live: the last one (\(l.phase.rawValue) \(at)) \(reason); run the same command again to resume"
            )
        case .serving where l.endpoint == LiveStateTable.inlineEndpoint:
            print("  runner: \(l.phase.rawValue) inline (\(l.host) pid \(l.pid))")
        case .serving:
            print("  coordinator: \(l.phase.rawValue) \(at)")
            let eta = l.eta.map { ProgressReporter.duration($0) } ?? "?"
            print(
                "  rate \(ProgressReporter.rate(l.rate))/s, ETA \(eta), \(l.scheduler.running) task(s) running, \(l.scheduler.leased) handed out"
            )
            if let stall = l.stall { print("  stalled: \(stall.message)") }
            print("  workers: \(l.scheduler.workers.count)")
            for w in l.scheduler.workers {
                print(
                    "    \(w.workerID) on \(w.host): jobs \(w.jobs), running \(w.running), handed out \(w.leased), completed \(w.completed)"
                )
            }
        case .ended, nil:
            print("  coordinator: \(l.phase.rawValue) \(at)")
        }
        if let failure = l.failure { print("  coordinator failed: \(failure)") }
        let bad = l.badMessages.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print(
            "  worker deaths \(l.scheduler.deaths), re-queued \(l.scheduler.requeues), duplicates \(l.scheduler.duplicates), "
                + "bad messages dropped \(l.badMessageTotal)" + (bad.isEmpty ? "" : " (\(bad))"))
    }

    private static func more(_ count: Int) {
        if count > listLimit { print("    … and \(count - listLimit) more (--format json lists them all)") }
    }

    /// `worker (host)`, or what is known of them.
    private static func location(_ t: StoredTask) -> String {
        switch (t.worker, t.host) {
        case (let w?, let h?): return w.contains(h) ? w : "\(w) (\(h))"
        case (let w?, nil): return w
        case (nil, let h?): return h
        case (nil, nil): return "an unknown worker"
        }
    }

    private static func taskJSON(_ t: StoredTask) -> [String: Any] {
        [
            "key": t.key.hex, "attempts": t.attempts, "worker": t.worker as Any, "host": t.host as Any,
            "started": t.started?.timeIntervalSince1970 as Any, "finished": t.finished?.timeIntervalSince1970 as Any,
            "error": t.error as Any,
        ]
    }
}
