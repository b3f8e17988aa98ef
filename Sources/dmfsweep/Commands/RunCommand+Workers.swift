import Cluster
import Foundation
import SummaryStore

/// `dmfsweep run` without `--inline`: an in-process coordinator on a loopback port plus K
/// `dmfsweep worker` child processes, restarted when they crash, stopped at the end.
enum LocalCluster {
    /// Options `run` adds for the local cluster.
    static let options: [OptionSpec] = [
        OptionSpec(flag: "--workers", valueName: "K", help: "worker processes", defaultValue: "one per core")
    ]

    /// Flags that make no sense with `--inline`.
    static let distributedOnlyFlags = [
        "--workers", "--max-attempts", "--heartbeat-interval", "--heartbeat-liveness", "--task-timeout", "--grace",
        "--noop", "--stall-after",
    ]

    /// Runs the sweep at `sweepPath` with a local coordinator and K worker processes.
    /// - Returns: the exit status (0 all done, 3 some failed, 130 interrupted).
    static func run(_ args: ParsedArguments, sweepPath: String) throws -> Int32 {
        // Every log record goes through the reporter, which clears the progress bar's line first.
        let reporter = ProgressReporter(
            mode: args.has("--quiet") ? .none : try ProgressReporter.mode(args, allowBar: true),
            log: try ClusterCLI.logSink(args, component: "run"))
        let log = reporter.interleaving(try ClusterCLI.logSink(args, component: "run"))
        let count = try args.int("--workers", in: 1...1024) ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        // Options are checked before the session opens the store: a bad flag leaves no trace.
        let options = try SweepSession.coordinatorOptions(args, endpoint: "tcp://127.0.0.1:*")
        let session = try SweepSession(args, sweepPath: sweepPath, log: log)
        let coordinator = try Coordinator(options: options, ledger: session.ledger, log: quiet(log))
        let endpoint = try coordinator.bind()
        let stop = coordinator.stop
        let watch = TerminationSignals.watch { _ in stop.request() }
        TerminationSignals.keepUntilExit(watch)

        let supervisor = WorkerSupervisor(
            executable: executablePath(),
            arguments: ["worker", "--connect", endpoint, "--quiet", "--give-up-after", "30"]
                + (args.string("--log-format").map { ["--log-format", $0] } ?? []),
            count: count, restarts: count * (options.scheduler.maxAttempts + 2), log: log)
        if coordinator.taskCount > 0 { supervisor.start() }
        let outcome: CoordinatorOutcome
        do {
            outcome = try coordinator.run { reporter.update($0) }
        } catch {
            reporter.finish()
            supervisor.finish(complete: false)
            if let e = error as? StoreError { throw StoreAccess.failure(e) }
            throw error
        }
        reporter.finish()
        supervisor.finish(complete: outcome.complete)
        return session.summarize(outcome)
    }

    /// The coordinator's log without per-worker join/leave lines (the supervisor reports restarts).
    private static func quiet(_ log: @escaping LogSink) -> LogSink {
        { record in
            if ["worker_joined", "worker_left", "started"].contains(record.event) { return }
            log(record)
        }
    }

    /// This program's own executable, to start workers from.
    static func executablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }
}
