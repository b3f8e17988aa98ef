import Cluster
import Foundation
import SummaryStore
import Sweeps
import ZeroMQ

/// `dmfsweep coordinator`: serves a sweep's tasks to workers and stores their results.
enum CoordinatorCommand {
    static let command = Command(
        name: "coordinator", summary: "serve a sweep to workers and store the results (cluster mode)",
        usage: "SWEEP.yaml --bind tcp://0.0.0.0:5555 --store STORE [options]",
        discussion: """
            Registers the sweep in the store, hands the tasks that are not done to workers
            ('dmfsweep worker --connect …'), commits results in batches and exits when every task is done
            or failed. Restarting it with the same sweep and store re-queues exactly what is not done.
            Without --curve it listens only on loopback unless --insecure is given. With --wait-for-workers K
            no task is handed out before K workers have joined (a Slurm job: start once every node is up).
            SIGINT/SIGTERM: stop handing out tasks, wait --grace seconds for running ones, exit resumable;
            a second signal exits at once. Exit status: 0 all done, 1 runtime or store failure, 2 bad input,
            3 some tasks failed, 130 interrupted.
            """,
        options: SweepSession.options + [
            OptionSpec(
                flag: "--bind", valueName: "ENDPOINT", help: "where workers connect",
                defaultValue: "tcp://127.0.0.1:5555"),
            OptionSpec(
                flag: "--curve", valueName: nil, help: "encrypt and admit only allow-listed workers (needs --keys)"),
            OptionSpec(
                flag: "--keys", valueName: "DIR", help: "key directory: coordinator.secret and authorized/*.pub"),
            OptionSpec(flag: "--insecure", valueName: nil, help: "allow a non-loopback bind without --curve"),
            OptionSpec(
                flag: "--wait-for-workers", valueName: "K",
                help: "hand out tasks only once K workers have joined (e.g. one per node)", defaultValue: "0"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let sweepPath = try args.positionals(exactly: 1, names: "SWEEP.yaml")[0]
        let endpoint = args.string("--bind") ?? "tcp://127.0.0.1:5555"
        try Endpoints.checkPort(endpoint, flag: "--bind")
        let log = try ClusterCLI.logSink(args, component: "coordinator")
        let curve = try ClusterCLI.curveServer(args)
        if curve == nil && !Endpoints.isLoopback(endpoint) {
            guard args.has("--insecure") else {
                throw UsageError(
                    "refusing to listen on \(endpoint) without encryption: anyone who reaches it could take tasks "
                        + "and submit results. Use --curve --keys DIR (see 'dmfsweep keys generate'), bind to "
                        + "tcp://127.0.0.1:PORT, or pass --insecure")
            }
            log(
                LogRecord(
                    .warning, "insecure", "listening on \(endpoint) WITHOUT encryption or authentication (--insecure)"))
        }
        // Options are checked before the session opens the store: a bad flag leaves no trace.
        var options = try SweepSession.coordinatorOptions(args, endpoint: endpoint)
        options.curve = curve
        if let k = try args.int("--wait-for-workers", in: 1...100_000) { options.scheduler.minimumWorkers = k }
        let session = try SweepSession(args, sweepPath: sweepPath, log: log)
        let coordinator = try Coordinator(options: options, ledger: session.ledger, log: log)
        do {
            try coordinator.bind()
        } catch {
            throw ExitStatus.failure(error, context: "cannot listen on \(endpoint)")
        }
        let stop = coordinator.stop
        let watch = TerminationSignals.watch { _ in stop.request() }
        TerminationSignals.keepUntilExit(watch)
        let reporter = ProgressReporter(mode: try ProgressReporter.mode(args, allowBar: false), log: log)
        let outcome: CoordinatorOutcome
        do {
            outcome = try coordinator.run { reporter.update($0) }
        } catch let e as StoreError {
            throw StoreAccess.failure(e)
        }
        reporter.finish()
        return session.summarize(outcome)
    }
}
