import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing
import ZeroMQ

@testable import Cluster

#if canImport(Glibc)
    import Glibc
#endif

/// Faults with real worker processes and sockets: kills, poison tasks, restarts, garbage, CURVE.
@Suite(.serialized) struct ClusterFaultTests {
    @Test func workerKilledMidTaskIsReplacedByTheOtherWithoutDuplicates() throws {
        let ledger = InMemoryLedger(tasks: noopTasks(150))
        let running = try RunningCoordinator(
            Coordinator(options: testOptions(heartbeat: 0.2, liveness: 4), ledger: ledger))
        let slow = ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "10"]
        let victim = try ChildProcess(["worker", "--connect", running.endpoint, "--name", "victim"], environment: slow)
        #expect(eventually(timeout: 20) { ledger.completed.count >= 20 })
        let survivor = try ChildProcess(
            ["worker", "--connect", running.endpoint, "--name", "survivor"], environment: slow)
        #expect(eventually(timeout: 20) { ledger.completed.values.contains { $0.worker == "survivor" } })
        victim.send(signal: SIGKILL)
        let outcome = try running.wait(timeout: 60)
        #expect(outcome.complete)
        #expect(outcome.state.scheduler.deaths >= 1)  // the victim (a starved survivor may be declared dead too)
        #expect(outcome.state.scheduler.failed == 0)
        #expect(ledger.completed.count == 150 && ledger.duplicateCommitCount == 0)
        #expect(survivor.exitStatus(timeout: 10) == 0)
    }

    @Test func poisonTaskFailsAfterMaxAttemptsAndTheRestFinish() throws {
        let tasks = noopTasks(40)
        let poison = tasks[7].key
        let ledger = InMemoryLedger(tasks: tasks)
        var options = testOptions(heartbeat: 0.2, liveness: 4)
        options.scheduler.maxAttempts = 3
        let running = try RunningCoordinator(Coordinator(options: options, ledger: ledger))
        let env = ["DMFSWEEP_FAULT_CRASH_KEY": poison.hex]
        var workers: [ChildProcess] = []
        var started = 0
        let finished = DispatchSemaphore(value: 0)
        let waiter = Thread {
            _ = try? running.wait(timeout: 90)
            finished.signal()
        }
        waiter.start()
        // A supervisor: keep two workers alive, replacing the ones the poison kills.
        while finished.wait(timeout: .now() + 0.05) == .timedOut {
            workers.removeAll { $0.exitStatus(timeout: 0) != nil }
            while workers.count < 2 && started < 12 {
                workers.append(
                    try ChildProcess(
                        ["worker", "--connect", running.endpoint, "--name", "w\(started)"], environment: env))
                started += 1
            }
        }
        let outcome = try running.wait(timeout: 1)
        #expect(outcome.complete)
        #expect(ledger.failures.keys.sorted() == [poison])
        #expect(ledger.failures[poison]?.error.contains("died while running it") == true)
        #expect(ledger.completed.count == 39 && ledger.completed[poison] == nil)
        // One unconfirmed death (the task was not known to run), then three confirmed ones; more
        // when a `started` announcement did not leave before the crash or a loaded worker fell silent.
        #expect(outcome.state.scheduler.deaths >= 4)
    }

    @Test func workersCarryOnWithARestartedCoordinator() throws {
        let ledger = InMemoryLedger(tasks: noopTasks(400))
        var options = testOptions(heartbeat: 0.2, liveness: 4)
        let first = try RunningCoordinator(Coordinator(options: options, ledger: ledger))
        options.endpoint = first.endpoint  // the restarted one binds the same port
        let env = ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "5"]
        let workers = try (0..<2).map {
            try ChildProcess(["worker", "--connect", first.endpoint, "--name", "w\($0)"], environment: env)
        }
        #expect(eventually(timeout: 20) { ledger.completed.count >= 50 })
        first.stop.request()
        first.stop.request()  // stop now: in-flight tasks are abandoned
        let partial = try first.wait(timeout: 10)
        #expect(!partial.complete)
        let committed = Set(ledger.completed.keys)
        let second = try RunningCoordinator(Coordinator(options: options, ledger: ledger))
        let outcome = try second.wait(timeout: 60)
        #expect(outcome.complete)
        #expect(outcome.state.doneBefore == committed.count)
        #expect(ledger.completed.count == 400 && ledger.duplicateCommitCount == 0)
        for w in workers { #expect(w.exitStatus(timeout: 10) == 0, "\(w.output)") }
    }

    @Test func garbageOnTheWireIsDroppedAndCountedWhileTheSweepCompletes() throws {
        let ledger = InMemoryLedger(tasks: noopTasks(500))
        var options = testOptions()
        options.maxMessageBytes = 256 << 10
        let running = try RunningCoordinator(Coordinator(options: options, ledger: ledger))
        let endpoint = running.endpoint
        let attacker = Thread {
            var rng = Xoshiro256StarStar(seed: 7)
            func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            guard let context = try? Context() else { return }
            defer { context.close() }
            if let s = try? Socket(context, type: .dealer) {
                try? s.connect(endpoint)
                for i in 0..<3000 {
                    var frames: [[UInt8]]
                    switch i % 6 {
                    case 0: frames = [bytes(Int(rng.next() % 40))]  // one frame of noise
                    case 1: frames = [WireCodec.header(.results), bytes(1 + Int(rng.next() % 200))]  // noise body
                    case 2:
                        var h = WireCodec.header(.hello)
                        h[4] = 9  // wrong version
                        frames = [h, WireCodec.body(.ready(credit: 1))]
                    case 3:
                        let hello = WireCodec.encode(
                            .hello(Hello(workerID: "x", host: "y", pid: 1, cores: 1, jobs: 1, capabilities: [.noop])))
                        frames = [hello[0], Array(hello[1].dropLast(3))]  // truncated
                    case 4: frames = [Array("HTTP/1".utf8), bytes(10)]  // wrong tag
                    default: frames = [WireCodec.header(.ready), [], []]  // three frames
                    }
                    _ = try? s.send(frames)
                }
                usleep(200_000)
                s.close()
            }
            // Oversized messages make libzmq drop the connection: one fresh socket each.
            for _ in 0..<10 {
                guard let s = try? Socket(context, type: .dealer) else { continue }
                try? s.connect(endpoint)
                _ = try? s.send([WireCodec.header(.ack), bytes(300 << 10)])
                usleep(20_000)
                s.close()
            }
        }
        attacker.start()
        let workers = try (0..<2).map {
            try ChildProcess(
                ["worker", "--connect", endpoint, "--name", "w\($0)"],
                environment: ["DMFSWEEP_FAULT_TASK_SLEEP_MS": "2"])
        }
        let outcome = try running.wait(timeout: 60)
        #expect(outcome.complete)
        #expect(ledger.completed.count == 500 && ledger.duplicateCommitCount == 0)
        let bad = outcome.state.badMessages
        #expect(bad["version", default: 0] > 0 && bad["truncated", default: 0] > 0 && bad["tag", default: 0] > 0)
        #expect(outcome.state.badMessageTotal >= 2990)
        for w in workers { #expect(w.exitStatus(timeout: 10) == 0) }
    }

    @Test func curveAdmitsAllowListedWorkersOnly() throws {
        let dir = try TemporaryDirectory()
        let keys = CurveKeyDirectory(dir.path("keys"))
        for name in ["coordinator", "worker", "intruder"] { _ = try keys.write(CurveKeyPair.generate(), name: name) }
        _ = try keys.authorize(name: "worker")
        let ledger = InMemoryLedger(tasks: noopTasks(200))
        var options = testOptions()
        options.curve = try CurveConfig.server(keysDirectory: keys.path)
        let running = try RunningCoordinator(Coordinator(options: options, ledger: ledger))
        let curve = ["--curve", "--keys", keys.path]
        // The intruder knows the coordinator's public key but is not on the allow-list.
        let intruder = try ChildProcess(
            ["worker", "--connect", running.endpoint, "--key-name", "intruder", "--give-up-after", "30"] + curve)
        // It is told why (not "no coordinator" after --give-up-after): status 4 and both causes.
        #expect(intruder.exitStatus(timeout: 20) == 4, "\(intruder.output)")
        #expect(intruder.output.contains("authorized/"), "\(intruder.output)")
        #expect(ledger.completed.isEmpty)
        let worker = try ChildProcess(["worker", "--connect", running.endpoint, "--key-name", "worker"] + curve)
        let outcome = try running.wait(timeout: 60)
        #expect(outcome.complete && ledger.completed.count == 200)
        #expect(outcome.state.scheduler.unknownPeerMessages == 0)
        #expect(worker.exitStatus(timeout: 10) == 0)
    }
}
