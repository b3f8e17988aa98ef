import Cluster
import Foundation
import SummaryStore

/// `dmfsweep status`: counts by status, live workers, rate and ETA, from the store.
enum StatusCommand {
    static let command = Command(
        name: "status", summary: "show a store's progress: counts, live workers, rate, ETA",
        usage: "--store FILE [--sweep NAME] [--format text|json]",
        discussion: """
            Reads the store only (safe while a coordinator writes to it). Counts come from the tasks
            table; workers, rate, ETA and dropped bad messages come from the live state a running
            coordinator publishes every 2 seconds.
            """,
        options: [
            OptionSpec(flag: "--store", valueName: "FILE", help: "summary store"),
            OptionSpec(flag: "--sweep", valueName: "NAME", help: "only this sweep"),
            OptionSpec(flag: "--format", valueName: "FORMAT", help: "text|json", defaultValue: "text"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        _ = try args.positionals(exactly: 0, names: "")
        let path = try args.required("--store")
        let json = try args.choice("--format", ["text", "json"]) == "json"
        let all: [SweepSummary]
        let live: [String: LiveState]
        do {
            let store = try SummaryStore(path: path, readOnly: true)
            all = try store.sweeps()
            live = try LiveStateTable.read(from: store)
        } catch let e as StoreError {
            throw StoreAccess.failure(e)
        }
        let sweeps = all.filter { s in args.string("--sweep").map { $0 == s.name } ?? true }
        if let name = args.string("--sweep"), sweeps.isEmpty {
            let known = all.isEmpty ? "it has none" : "it has: " + all.map(\.name).joined(separator: ", ")
            throw UsageError("no sweep named '\(name)' in \(path); \(known)")
        }
        let now = Date().timeIntervalSince1970
        if json {
            var out: [[String: Any]] = []
            for s in sweeps {
                var o: [String: Any] = [
                    "sweep": s.name, "total": s.counts.total, "pending": s.counts.pending, "running": s.counts.running,
                    "done": s.counts.done, "failed": s.counts.failed,
                ]
                if let l = live[s.name] {
                    o["coordinator"] =
                        [
                            "phase": l.phase, "endpoint": l.endpoint, "host": l.host, "pid": l.pid,
                            "updated_seconds_ago": now - l.updatedAt, "rate": l.rate, "eta_seconds": l.eta as Any,
                            "leased": l.scheduler.leased, "running": l.scheduler.running, "deaths": l.scheduler.deaths,
                            "requeues": l.scheduler.requeues, "stall": l.stall?.message as Any,
                            "bad_messages": l.badMessages, "duplicates": l.scheduler.duplicates,
                            "workers": l.scheduler.workers.map {
                                [
                                    "id": $0.workerID, "host": $0.host, "jobs": $0.jobs, "leased": $0.leased,
                                    "running": $0.running,
                                    "completed": $0.completed,
                                ]
                            },
                        ] as [String: Any]
                }
                out.append(o)
            }
            let data = try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return 0
        }
        if sweeps.isEmpty { print("\(path): no sweeps yet") }
        for s in sweeps {
            let c = s.counts
            print(
                "\(s.name): \(c.done)/\(c.total) done (\(String(format: "%.1f", c.progress * 100))%), \(c.failed) failed, "
                    + "\(c.pending + c.running) to do")
            guard let l = live[s.name] else {
                print("  no coordinator has run this sweep")
                continue
            }
            let age = now - l.updatedAt
            var phase = l.phase
            if phase == "running" || phase == "stopping" {
                if age > 10 { phase += String(format: ", but silent for %.0f s (stopped or killed?)", age) }
            }
            print("  coordinator: \(phase) at \(l.endpoint) (\(l.host) pid \(l.pid)), updated \(Int(age)) s ago")
            if l.phase == "running" || l.phase == "stopping" {
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
            }
            let bad = l.badMessages.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print(
                "  worker deaths \(l.scheduler.deaths), re-queued \(l.scheduler.requeues), duplicates \(l.scheduler.duplicates), "
                    + "bad messages dropped \(l.badMessageTotal)" + (bad.isEmpty ? "" : " (\(bad))"))
        }
        return 0
    }
}
