import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Cluster

#if canImport(Glibc)
    import Glibc
#endif

/// Log records a coordinator emitted, collected from its thread.
final class LogCollector: Sendable {
    private let records = Mutex<[LogRecord]>([])
    var sink: LogSink { { [self] r in self.records.withLock { $0.append(r) } } }
    var all: [LogRecord] { records.withLock { $0 } }
}

/// A coordinator busy with many workers must not declare them dead (scale case of issue 12).
@Suite(.serialized) struct LivenessProcessTests {
    /// The symptom found with 201 workers: 150 `--jobs 1` worker processes on loopback and 20000
    /// no-op tasks. Before the fix the coordinator spent longer than the liveness window (3 s)
    /// draining a backlog of results (each one sorted every peer) and judged every heartbeat by the
    /// time the drain began: all workers were declared lost once every result was in, and, no
    /// longer known to it, were never told the sweep was complete (they retried until
    /// `--give-up-after`). Now: nobody is lost, and every worker exits 0 within seconds of the end.
    @Test func manyBusyWorkersAreNeverDeclaredLostAndAllExitAtTheEnd() throws {
        let workerCount = 200
        let taskCount = 30_000
        let ledger = InMemoryLedger(tasks: noopTasks(taskCount))
        var options = testOptions(heartbeat: 1, liveness: 3)
        options.scheduler.minimumWorkers = workerCount
        let log = LogCollector()
        let running = try RunningCoordinator(Coordinator(options: options, ledger: ledger, log: log.sink))
        var workers: [ChildProcess] = []
        defer { for w in workers { w.send(signal: SIGKILL) } }
        for i in 0..<workerCount {
            workers.append(
                try ChildProcess([
                    "worker", "--connect", running.endpoint, "--jobs", "1", "--name", "w\(i)", "--quiet",
                    "--give-up-after", "60",
                ]))
        }
        let outcome = try running.wait(timeout: 120)
        let ended = Date()
        let records = log.all
        let lost = records.filter { $0.event == "worker_lost" }
        #expect(outcome.complete && !outcome.interrupted)
        #expect(ledger.completed.count == taskCount)
        #expect(outcome.state.scheduler.deaths == 0, "\(lost.count) lost, e.g. \(lost.first?.message ?? "")")
        #expect(records.filter { $0.event == "worker_joined" }.count >= workerCount)
        // Every worker hears that the sweep is complete and exits 0 at once (not after --give-up-after).
        var late: [String] = []
        for (i, w) in workers.enumerated() {
            let remaining = max(0.01, 15 - Date().timeIntervalSince(ended))
            if w.exitStatus(timeout: remaining) != 0 { late.append("w\(i): \(w.stderr.suffix(200))") }
        }
        let slowest = Date().timeIntervalSince(ended)
        #expect(late.isEmpty, "\(late.count) worker(s) not gone with status 0 within 15 s; first: \(late.first ?? "")")
        print(
            "liveness at scale: \(workerCount) workers, \(taskCount) no-op tasks, \(outcome.state.scheduler.deaths) "
                + "declared lost, all workers gone \(String(format: "%.1f", slowest)) s after the coordinator")
    }
}
