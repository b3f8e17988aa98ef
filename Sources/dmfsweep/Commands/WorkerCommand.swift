import Cluster
import Foundation
import ZeroMQ

/// `dmfsweep worker`: runs tasks for a coordinator.
enum WorkerCommand {
    static let command = Command(
        name: "worker", summary: "run tasks for a coordinator (cluster mode)",
        usage: "--connect tcp://HOST:PORT [options]",
        discussion: """
            Connects to a coordinator, runs K tasks at once and sends the results back. Reconnects with
            backoff when the coordinator goes away and carries on with a restarted one; gives up after
            --give-up-after seconds without any coordinator (a worker started after the sweep finished
            meets no coordinator: 'dmfsweep status --store STORE' tells). Exits 0 when told the sweep is complete,
            3 after giving up, 4 when the security handshake failed \(Worker.handshakeFailureLimit) times in a row (wrong
            coordinator.pub, or this worker's key not in the coordinator's authorized/), 130 on SIGINT/SIGTERM. With --jobs K > 1, set OPENBLAS_NUM_THREADS=1 so K
            tasks do not each start a BLAS thread per core.
            """,
        options: [
            OptionSpec(flag: "--connect", valueName: "ENDPOINT", help: "the coordinator, e.g. tcp://node1:5555"),
            OptionSpec(flag: "--jobs", valueName: "K", help: "tasks run at once", defaultValue: "1"),
            OptionSpec(flag: "--curve", valueName: nil, help: "encrypt and authenticate with CURVE (needs --keys)"),
            OptionSpec(flag: "--keys", valueName: "DIR", help: "key directory: coordinator.pub and NAME.secret"),
            OptionSpec(
                flag: "--key-name", valueName: "NAME", help: "this worker's key pair NAME.secret",
                defaultValue: "worker"),
            OptionSpec(
                flag: "--give-up-after", valueName: "S", help: "seconds without a coordinator before exiting",
                defaultValue: "300"),
            OptionSpec(
                flag: "--name", valueName: "NAME", help: "worker name in logs and status", defaultValue: "HOST-PID"),
            OptionSpec(flag: "--log-format", valueName: "FORMAT", help: "text|json", defaultValue: "text"),
            OptionSpec(flag: "--quiet", valueName: nil, help: "log only warnings and errors"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        _ = try args.positionals(exactly: 0, names: "")
        let endpoint = try args.required("--connect")
        try Endpoints.checkPort(endpoint, flag: "--connect")
        var options = WorkerOptions(endpoint: endpoint)
        options.jobs = try args.int("--jobs", in: 1...1024) ?? 1
        if let s = try args.double("--give-up-after") {
            guard s > 0 else { throw UsageError("--give-up-after: must be > 0, got \(s)") }
            options.giveUpAfter = s
        }
        if let name = args.string("--name") { options.workerID = name }
        options.curve = try ClusterCLI.curveClient(args)
        let sink = try ClusterCLI.logSink(args, component: "worker")
        let quiet = args.has("--quiet")
        let log: LogSink = { if !quiet || $0.level != .info { sink($0) } }
        let worker = try Worker(options: options, log: log)
        let stop = worker.stop
        let watch = TerminationSignals.watch { _ in stop.request() }
        TerminationSignals.keepUntilExit(watch)
        switch try worker.run() {
        case .complete:
            return 0
        case .stopped:
            return 130
        case .gaveUp(let s):
            throw CommandFailure(
                "no coordinator answered at \(endpoint) for \(Int(s.rounded())) s; giving up (--give-up-after). "
                    + "The sweep may already be complete (its coordinator exits then): check with 'dmfsweep status --store STORE'. "
                    + "Otherwise: wrong address, coordinator not running, or a --curve mismatch (plain vs CURVE, or "
                    + "this worker's key not on the allow-list)",
                status: 3)
        case .refused(let why):
            throw CommandFailure("the coordinator refused this worker: \(why)")
        case .handshakeFailed(let why):
            throw CommandFailure(why, status: 4)
        }
    }
}
