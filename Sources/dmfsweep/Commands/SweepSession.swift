import Cluster
import Foundation
import SummaryStore
import Sweeps

#if canImport(Glibc)
    import Glibc
#endif

/// What `run` and `coordinator` share: the sweep file, the store, the ledger and the summary.
struct SweepSession {
    static let options: [OptionSpec] = [
        OptionSpec(
            flag: "--store", valueName: "STORE",
            help: "summary store: a file or a postgresql:// URI (created if missing)"),
        OptionSpec(
            flag: "--max-attempts", valueName: "N", help: "failed runs before a task is marked failed",
            defaultValue: "3"),
        OptionSpec(flag: "--heartbeat-interval", valueName: "S", help: "seconds between heartbeats", defaultValue: "1"),
        OptionSpec(
            flag: "--heartbeat-liveness", valueName: "N", help: "missed heartbeats before a worker is dead",
            defaultValue: "3"),
        OptionSpec(
            flag: "--task-timeout", valueName: "S", help: "seconds a task may run before it is retried",
            defaultValue: "none"),
        OptionSpec(flag: "--retry-failed", valueName: nil, help: "run failed tasks again"),
        OptionSpec(
            flag: "--replace-sweep", valueName: nil,
            help: "let this file redefine a stored sweep of the same name even if it drops tasks"),
        OptionSpec(
            flag: "--grace", valueName: "S", help: "seconds to wait for running tasks after Ctrl-C", defaultValue: "30"),
        OptionSpec(
            flag: "--stall-after", valueName: "S",
            help: "report a stall when busy workers deliver nothing for max(10 × slowest task, S) seconds",
            defaultValue: "60"),
        OptionSpec(flag: "--log-format", valueName: "FORMAT", help: "text|json", defaultValue: "text"),
        OptionSpec(
            flag: "--noop", valueName: nil,
            help: "benchmark only: workers run no-op tasks and store placeholder results"),
    ]

    let spec: SweepSpec
    let storePath: String
    let ledger: StoreLedger
    let registration: SweepRegistration
    /// This coordinator's claim on the sweep (`SummaryStore.claimSweep`).
    let claimOwner: String
    /// Failed tasks of the sweep this run leaves alone (0 with `--retry-failed`).
    let skippedFailed: Int

    /// Loads the sweep, opens (or creates) the store and registers the sweep's tasks.
    init(_ args: ParsedArguments, sweepPath: String, log: LogSink) throws {
        let storePath = try args.required("--store")
        do {
            spec = try SweepFile.load(path: sweepPath)
        } catch {
            throw UsageError(error.description)
        }
        let tasks: [SweepTask]
        do {
            tasks = try spec.expand()
        } catch {
            throw UsageError(error.description)
        }
        self.storePath = storePath
        do {
            let store = try SummaryStore(location: StoreLocation(storePath), create: true, migrate: true)
            StoreAccess.announceUpgrades(store)
            // Two coordinators on one sweep would hand out every task twice: the sweep is claimed
            // atomically in the store; a live claim of another coordinator refuses this one. A claim
            // of a dead process on this host is taken over at once, any other after it lapses.
            let host = ProcessInfo.processInfo.hostName
            let pid = Int(getpid())
            let owner = "\(host):\(pid):\(UUID().uuidString.prefix(8))"
            let claim = CoordinatorClaim(
                sweep: spec.name, owner: owner, host: host, pid: pid, heartbeat: Date().timeIntervalSince1970)
            if let other = try store.claimSweep(
                claim, takeOver: { $0.host == host && kill(pid_t($0.pid), 0) != 0 && errno == ESRCH })
            {
                let endpoint = (try? LiveStateTable.read(from: store)[spec.name]?.endpoint).flatMap { $0 }
                throw CommandFailure(
                    "another coordinator (pid \(other.pid) on \(other.host)\(endpoint.map { ", \($0)" } ?? "")) is "
                        + "running sweep \(spec.name) on \(StoreAccess.shown(storePath)); stop it first, or wait "
                        + "\(Int(SummaryStore.claimExpiry)) s if it was just killed")
            }
            claimOwner = owner
            do {
                registration = try store.registerSweep(
                    name: spec.name, spec: spec.sourceText, tasks: tasks, replace: args.has("--replace-sweep"))
            } catch {
                try? store.releaseClaim(sweep: spec.name, owner: owner)
                throw error
            }
            skippedFailed = args.has("--retry-failed") ? 0 : try store.statusCounts(sweep: spec.name).failed
            ledger = try StoreLedger(
                store: store, sweep: spec.name, retryFailed: args.has("--retry-failed"),
                kind: args.has("--noop") ? .noop : .simulate, claimOwner: owner)
        } catch let e as StoreError {
            throw StoreAccess.failure(e)
        }
        if let note = spec.collapsedNote(distinct: tasks.count) {
            log(LogRecord(.info, "collapsed", "sweep \(spec.name): " + note))
        }
        if let warning = CompletionMasks.warning(tasks) {
            log(LogRecord(.warning, "unobserved", "sweep \(spec.name): " + warning))
        }
        if registration.dropped > 0 {
            log(
                LogRecord(
                    .warning, "redefined",
                    "sweep \(spec.name): redefined (--replace-sweep); \(registration.dropped) earlier task(s) are no longer part of it"
                ))
        }
        log(
            LogRecord(
                .info, "registered",
                "sweep \(spec.name): \(registration.total) task(s), \(registration.new) new, \(registration.done) already done"
            ))
        if skippedFailed > 0 {
            log(LogRecord(.warning, "failed_skipped", Self.skippedFailedLine(skippedFailed)))
        }
    }

    /// What a run says when it leaves the sweep's failed tasks alone.
    static func skippedFailedLine(_ count: Int) -> String {
        "\(count) failed task(s) skipped: run again with --retry-failed to run them (their errors: dmfsweep status)"
    }

    /// Coordinator options from the shared flags.
    static func coordinatorOptions(_ args: ParsedArguments, endpoint: String) throws -> CoordinatorOptions {
        var o = CoordinatorOptions(endpoint: endpoint)
        o.scheduler.maxAttempts = try args.int("--max-attempts", in: 1...1000) ?? 3
        if let s = try args.double("--heartbeat-interval") {
            guard s >= 0.01 && s <= 3600 else {
                throw UsageError("--heartbeat-interval: must be between 0.01 and 3600, got \(s)")
            }
            o.scheduler.heartbeatInterval = s
        }
        o.scheduler.liveness = try args.int("--heartbeat-liveness", in: 1...1000) ?? 3
        if let t = try args.double("--task-timeout") {
            guard t > 0 else { throw UsageError("--task-timeout: must be > 0, got \(t)") }
            o.scheduler.taskTimeout = t
        }
        if let g = try args.double("--grace") {
            guard g >= 0 else { throw UsageError("--grace: must be ≥ 0, got \(g)") }
            o.grace = g
        }
        if let s = try args.double("--stall-after") {
            guard s > 0 else { throw UsageError("--stall-after: must be > 0, got \(s)") }
            o.stallMinimum = s
        }
        return o
    }

    /// Prints the closing summary on stdout and returns the exit status (0, 3 failed, 130 interrupted).
    func summarize(_ outcome: CoordinatorOutcome) -> Int32 {
        let s = outcome.state.scheduler
        let counts =
            (try? SummaryStore(location: StoreLocation(storePath), readOnly: true).statusCounts(sweep: spec.name))
        let done = counts?.done ?? (outcome.state.doneBefore + s.done)
        let failed = counts?.failed ?? s.failed
        let total = counts?.total ?? registration.total
        let elapsed = max(0.001, outcome.state.updatedAt - outcome.state.startedAt)
        var lines = [
            "sweep \(spec.name): \(done)/\(total) done, \(failed) failed"
                + (outcome.interrupted
                    ? ", \(total - done - failed) not done (interrupted; run the same command again to resume)" : "")
        ]
        let ran = s.done + s.failed
        lines.append(
            "this run: \(ran) task(s) in \(String(format: "%.1f", elapsed)) s "
                + "(\(ProgressReporter.rate(Double(ran) / max(elapsed, 1e-3)))/s), \(s.deaths) worker death(s), "
                + "\(s.requeues) re-queued, \(outcome.state.badMessageTotal) bad message(s) dropped")
        if failed > 0 {
            lines.append(
                "failed tasks and errors: dmfsweep status --store \(StoreAccess.shown(storePath)) --sweep \(spec.name)")
        }
        lines.append("results: dmfsweep query --store \(StoreAccess.shown(storePath)) --sweep \(spec.name) --raw")
        print(lines.joined(separator: "\n"))
        if outcome.interrupted { return 130 }
        return failed > 0 ? 3 : 0
    }
}
