import Factorization
import Sweeps
import Testing

@testable import Cluster

/// Drives a `Scheduler` with a fake clock and inspects what it asks to send.
struct Harness {
    var scheduler: Scheduler
    var now = 0.0
    var recorded: [TaskKey] = []
    var failed: [(TaskKey, String, Int)] = []
    var sent: [(PeerID, WireMessage)] = []
    var started: [(TaskKey, PeerID)] = []
    var released: [TaskKey] = []
    var adopted: [TaskKey] = []

    init(tasks: Int, config: SchedulerConfig = SchedulerConfig()) {
        scheduler = Scheduler(
            tasks: (0..<tasks).map { ScheduledTask(key: key($0), kind: .noop, config: SimulationConfig()) },
            config: config)
    }

    mutating func apply(_ actions: [SchedulerAction]) {
        for a in actions {
            switch a {
            case .send(let p, let m): sent.append((p, m))
            case .record(let k, _, _): recorded.append(k)
            case .fail(let k, let e, let n): failed.append((k, e, n))
            case .started(let k, let p, _): started.append((k, p))
            case .adopted(let k, _): adopted.append(k)
            case .released(let k): released.append(k)
            case .log: break
            }
        }
    }

    mutating func receive(_ m: WireMessage, from p: PeerID) { apply(scheduler.receive(m, from: p, now: now)) }
    /// Time passes until `t` with an attentive owner: it ticks as the coordinator does (every
    /// 0.1 s at most and a quarter heartbeat interval), then at `t`.
    mutating func tick(at t: Double) {
        let step = min(0.1, scheduler.config.heartbeatInterval / 4)
        var x = now + step
        while x < t {
            apply(scheduler.tick(now: x))
            x += step
        }
        now = max(now, t)
        apply(scheduler.tick(now: t))
    }

    /// The owner is away (blocked, paused) until `t`: its next event, a tick, comes only then.
    mutating func pause(until t: Double, inputPending: Bool = false) {
        now = t
        apply(scheduler.tick(now: t, inputPending: inputPending))
    }

    mutating func hello(_ p: PeerID, jobs: Int = 1, running: [TaskKey] = []) {
        receive(
            .hello(
                Hello(
                    workerID: "w\(p.bytes[0])", host: "h", pid: 1, cores: 2, jobs: jobs, capabilities: [.noop],
                    running: running)),
            from: p)
    }

    /// Tasks sent to `p` since the last call (and forgets all sent messages).
    mutating func takeTasks(for p: PeerID) -> [WireTask] {
        let tasks = sent.filter { $0.0 == p }.flatMap { entry -> [WireTask] in
            if case .tasks(let t) = entry.1 { return t }
            return []
        }
        sent.removeAll()
        return tasks
    }

    func messages(to p: PeerID) -> [WireMessage] { sent.filter { $0.0 == p }.map(\.1) }

    mutating func succeed(_ tasks: [WireTask], from p: PeerID, batch: UInt64 = 1) {
        let rs = tasks.map {
            WireResult(
                key: $0.key,
                outcome: .success(
                    SimulationResult(
                        status: .finished, path: .spectral, steps: 0, finalLoss: 0, finalErank: 0, targets: [],
                        intervals: [],
                        predicted: [], trajectory: [], seconds: 0)), seconds: 0)
        }
        receive(.results(batch: batch, rs), from: p)
    }
}

let a = PeerID([1])
let b = PeerID([2])
let c = PeerID([3])

@Suite struct SchedulerTests {
    @Test func helloIsWelcomedAndCreditLimitsDispatchInBatches() {
        var h = Harness(tasks: 10, config: SchedulerConfig(maxTasksPerMessage: 3))
        h.hello(a)
        guard case .welcome(let w)? = h.messages(to: a).first else {
            Issue.record("no welcome")
            return
        }
        #expect(w.heartbeatMilliseconds == 1000 && w.liveness == 3)
        h.sent.removeAll()
        h.receive(.ready(credit: 4), from: a)
        let batches = h.messages(to: a).compactMap { m -> Int? in
            if case .tasks(let t) = m { return t.count }
            return nil
        }
        #expect(batches == [3, 1])  // 4 credits, at most 3 per message
        h.sent.removeAll()
        h.receive(.ready(credit: 100), from: a)
        #expect(h.takeTasks(for: a).count == 6)  // only 6 left
        #expect(h.scheduler.inFlight == 10)
    }

    @Test func resultsCompleteTheSweepAndDuplicatesAreIgnored() {
        var h = Harness(tasks: 5)
        h.hello(a)
        h.receive(.ready(credit: 5), from: a)
        let tasks = h.takeTasks(for: a)
        #expect(Set(tasks.map(\.key)) == Set((0..<5).map(key)))
        h.succeed(Array(tasks.prefix(3)), from: a)
        #expect(!h.scheduler.isComplete)
        h.succeed(tasks, from: a, batch: 2)  // 3 repeats + 2 new
        #expect(h.scheduler.isComplete)
        #expect(h.recorded.count == 5 && Set(h.recorded).count == 5)
        let s = h.scheduler.snapshot(now: 0)
        #expect(s.duplicates == 3 && s.done == 5 && s.remaining == 0)
        h.receive(.results(batch: 3, [WireResult(key: key(999), outcome: .failure("x"), seconds: 0)]), from: a)
        #expect(h.scheduler.snapshot(now: 0).unknownResults == 1)
    }

    @Test func silentWorkerIsDeclaredDeadAfterLivenessIntervalsAndItsTasksMove() {
        var h = Harness(tasks: 4)
        h.hello(a)
        h.hello(b)
        h.receive(.ready(credit: 4), from: a)
        #expect(h.takeTasks(for: a).count == 4)
        h.receive(.ready(credit: 4), from: b)
        #expect(h.takeTasks(for: b).isEmpty)
        h.tick(at: 2.0)
        h.receive(.heartbeat(running: 0, queued: 0), from: b)
        h.tick(at: 2.99)
        #expect(h.scheduler.isConnected(a))  // silent 2.99 s < 3 × 1 s
        h.sent.removeAll()
        h.tick(at: 3.01)
        #expect(!h.scheduler.isConnected(a) && h.scheduler.isConnected(b))
        let moved = h.takeTasks(for: b)
        #expect(moved.count == 4)
        // Held but not known to be running: re-queued uncharged and isolated.
        #expect(moved.allSatisfy { $0.isolated && $0.attempt == 0 })
        #expect(h.failed.isEmpty && h.scheduler.snapshot(now: 3.01).deaths == 1)
    }

    @Test func leasesOfALostWorkerAreHandedOutNextInSweepOrder() {
        var h = Harness(tasks: 10)
        h.hello(a)
        h.hello(b)
        h.receive(.ready(credit: 2), from: a)
        #expect(h.takeTasks(for: a).map(\.key) == [key(0), key(1)])
        h.receive(.ready(credit: 1), from: b)
        #expect(h.takeTasks(for: b).map(\.key) == [key(2)])
        h.tick(at: 2.0)
        h.receive(.heartbeat(running: 1, queued: 0), from: b)
        h.tick(at: 3.01)  // a silent for 3 intervals: lost, tasks 0 and 1 re-queued
        #expect(!h.scheduler.isConnected(a))
        h.receive(.ready(credit: 3), from: b)
        // Before the queue's 3…9, not after them (the sweep's end would wait for them).
        #expect(h.takeTasks(for: b).map(\.key) == [key(0), key(1), key(3)])
    }

    @Test func heartbeatsGoOutEveryInterval() {
        var h = Harness(tasks: 1, config: SchedulerConfig(heartbeatInterval: 0.5, liveness: 100))
        h.hello(a)
        h.sent.removeAll()
        h.tick(at: 0.4)
        #expect(h.messages(to: a).isEmpty)
        h.tick(at: 0.5)
        #expect(h.messages(to: a) == [.heartbeat(running: 0, queued: 0)])
        h.tick(at: 0.7)
        #expect(h.messages(to: a).count == 1)
        h.tick(at: 1.0)
        #expect(h.messages(to: a).count == 2)
    }

    @Test func poisonTaskFailsAfterMaxAttemptsConfirmedDeathsAndTheRestFinish() {
        var h = Harness(tasks: 3, config: SchedulerConfig(maxAttempts: 3))
        let poison = key(1)
        var t = 0.0
        var deaths = 0
        var round: UInt8 = 10
        // (until the sweep is complete: a lost worker's leases are handed out next, so the poison
        // task comes round again before task 2)
        while !h.scheduler.isComplete && deaths < 10 {
            let p = PeerID([round])
            round += 1
            h.hello(p)
            h.receive(.ready(credit: 1), from: p)
            // A worker with one slot runs what it gets; the poison kills it, others succeed.
            while true {
                let got = h.takeTasks(for: p)
                guard let task = got.first else { break }
                if task.key == poison {
                    if task.isolated { h.receive(.started([task.key]), from: p) }
                    t += 4
                    h.tick(at: t)  // silent → dead
                    deaths += 1
                    break
                }
                h.succeed([task], from: p)
                h.receive(.ready(credit: 1), from: p)
            }
        }
        #expect(h.failed.count == 1)
        #expect(h.failed.first?.0 == poison && h.failed.first?.2 == 3)
        #expect(deaths == 4)  // one unconfirmed death (not isolated yet) + 3 confirmed
        #expect(Set(h.recorded) == [key(0), key(2)])
        #expect(h.scheduler.isComplete)
    }

    @Test func innocentNeighbourOfAPoisonTaskIsNeverCharged() {
        var h = Harness(tasks: 2, config: SchedulerConfig(maxAttempts: 1))
        h.hello(a, jobs: 2)
        h.receive(.ready(credit: 2), from: a)
        #expect(h.takeTasks(for: a).count == 2)
        h.tick(at: 5)  // a dies holding both, none announced: no charge even with maxAttempts 1
        #expect(h.failed.isEmpty)
        h.hello(b, jobs: 2)
        h.receive(.ready(credit: 2), from: b)
        let tasks = h.takeTasks(for: b)
        #expect(tasks.count == 2 && tasks.allSatisfy(\.isolated))
        h.receive(.started([key(1)]), from: b)  // isolated tasks run alone: only the poison started
        h.tick(at: 10)
        #expect(h.failed.map(\.0) == [key(1)])
        #expect(h.scheduler.state(of: key(0))?.state == .queued)
        #expect(h.scheduler.state(of: key(0))?.attempts == 0)
    }

    /// Every announced start is reported once per lease (the store's `running`), a re-queue is
    /// reported as a release, and announcing plain (not isolated) tasks does not make a worker's
    /// death their fault: several run at once, the death is blamed on none of them.
    @Test func startsAreReportedOncePerLeaseAndPlainStartsAreNotBlamedForADeath() {
        var h = Harness(tasks: 2, config: SchedulerConfig(maxAttempts: 1))
        h.hello(a, jobs: 2)
        h.receive(.ready(credit: 2), from: a)
        #expect(h.takeTasks(for: a).count == 2)
        h.receive(.started([key(0), key(1)]), from: a)
        h.receive(.started([key(0)]), from: a)  // announced again: still one start
        h.receive(.started([key(0)]), from: b)  // not b's lease: ignored
        #expect(h.started.map(\.0) == [key(0), key(1)] && h.started.allSatisfy { $0.1 == a })
        h.tick(at: 5)  // a dies running both: re-queued, isolated, uncharged
        #expect(h.failed.isEmpty && Set(h.released) == [key(0), key(1)])
        h.hello(b, jobs: 1)
        h.receive(.ready(credit: 1), from: b)
        let next = h.takeTasks(for: b)
        #expect(next.count == 1 && next[0].isolated)
        h.receive(.started([next[0].key]), from: b)
        #expect(h.started.count == 3 && h.started.last?.1 == b)
        h.tick(at: 10)  // b dies running the isolated task: that one is charged
        #expect(h.failed.map(\.0) == [next[0].key])
    }

    @Test func reportedErrorsAreRetriedThenFailed() {
        var h = Harness(tasks: 1, config: SchedulerConfig(maxAttempts: 2))
        h.hello(a)
        for attempt in 0..<2 {
            h.receive(.ready(credit: 1), from: a)
            let t = h.takeTasks(for: a)
            #expect(t.count == 1 && t[0].attempt == attempt)
            h.receive(
                .results(batch: UInt64(attempt + 1), [WireResult(key: key(0), outcome: .failure("boom"), seconds: 0)]),
                from: a)
        }
        #expect(h.failed.count == 1 && h.failed[0].1 == "boom" && h.failed[0].2 == 2)
        #expect(h.scheduler.isComplete && h.scheduler.snapshot(now: 0).failed == 1)
    }

    @Test func byeRequeuesWithoutChargeOrIsolation() {
        var h = Harness(tasks: 2)
        h.hello(a)
        h.receive(.ready(credit: 2), from: a)
        _ = h.takeTasks(for: a)
        h.receive(.bye(reason: "signal"), from: a)
        h.hello(b)
        h.receive(.ready(credit: 5), from: b)
        let t = h.takeTasks(for: b)
        #expect(t.count == 2 && t.allSatisfy { !$0.isolated && $0.attempt == 0 })
        #expect(h.scheduler.snapshot(now: 0).deaths == 0)
    }

    @Test func strangersAreToldToResetAndNonsenseIsCounted() {
        var h = Harness(tasks: 1)
        h.receive(.ready(credit: 5), from: c)
        h.receive(.heartbeat(running: 0, queued: 0), from: c)
        #expect(h.messages(to: c) == [.reset])  // one reset per interval, however many messages
        #expect(h.scheduler.snapshot(now: 0).unknownPeerMessages == 2)
        h.tick(at: 1.5)
        h.receive(.ready(credit: 5), from: c)
        #expect(h.messages(to: c) == [.reset, .reset])
        h.hello(a)
        h.receive(.tasks([]), from: a)
        #expect(h.scheduler.snapshot(now: 0).unexpectedMessages == 1)
    }

    @Test func stoppingDispatchKeepsLeasesButSendsNothingNew() {
        var h = Harness(tasks: 4)
        h.hello(a)
        h.receive(.ready(credit: 2), from: a)
        let first = h.takeTasks(for: a)
        h.scheduler.stopDispatching()
        h.receive(.ready(credit: 2), from: a)
        #expect(h.takeTasks(for: a).isEmpty)
        #expect(h.scheduler.inFlight == 2)
        h.succeed(first, from: a)
        #expect(h.scheduler.inFlight == 0 && !h.scheduler.isComplete)
        let bye = h.scheduler.shutdownAll(.stopping, message: "stop")
        #expect(bye == [.send(a, .shutdown(.stopping, message: "stop"))])
    }

    @Test func expiredLeaseIsAnAttemptAndALateResultStillCountsOnce() {
        var h = Harness(tasks: 1, config: SchedulerConfig(heartbeatInterval: 1, liveness: 1000, taskTimeout: 10))
        h.hello(a)
        h.hello(b)
        h.receive(.ready(credit: 1), from: a)
        let t = h.takeTasks(for: a)
        h.tick(at: 9)
        h.receive(.ready(credit: 1), from: b)
        #expect(h.takeTasks(for: b).isEmpty)
        h.tick(at: 10.5)  // lease expired: re-queued, goes to b
        let again = h.takeTasks(for: b)
        #expect(again.map(\.key) == t.map(\.key) && again[0].attempt == 1)
        h.succeed(t, from: a)  // the slow first worker answers first: accepted
        h.succeed(again, from: b, batch: 2)  // b's copy is a duplicate
        #expect(h.recorded == [key(0)])
        #expect(h.scheduler.snapshot(now: 11).duplicates == 1 && h.scheduler.inFlight == 0)
    }

    @Test func helloAgainReleasesTheOldSessionsLeases() {
        var h = Harness(tasks: 3)
        h.hello(a)
        h.receive(.ready(credit: 3), from: a)
        _ = h.takeTasks(for: a)
        h.hello(a)
        #expect(h.scheduler.inFlight == 0)
        h.receive(.ready(credit: 3), from: a)
        #expect(h.takeTasks(for: a).allSatisfy { !$0.isolated })
    }

    @Test func aCompleteSweepTellsNewcomersToLeave() {
        var h = Harness(tasks: 0)
        #expect(h.scheduler.isComplete)
        h.hello(a)
        #expect(h.messages(to: a).contains(.shutdown(.complete, message: "the sweep is complete")))
    }

    @Test func heartbeatsReportRunningTasksCappedByLeases() {
        var h = Harness(tasks: 5)
        h.hello(a, jobs: 4)
        h.receive(.ready(credit: 3), from: a)
        h.receive(.heartbeat(running: 4, queued: 0), from: a)
        let s = h.scheduler.snapshot(now: 0)
        #expect(s.running == 3 && s.leased == 3 && s.workers.first?.running == 3)
    }

    @Test func leavingIsNotDying() {
        var h = Harness(tasks: 1)
        h.hello(a)
        var events: [SchedulerEvent] = []
        for action in h.scheduler.receive(.bye(reason: "done"), from: a, now: 0) {
            if case .log(let e) = action { events.append(e) }
        }
        #expect(events == [.workerLeft(a, workerID: "w1", reason: "left: done", requeued: 0)])
        h.hello(b)
        events = []
        h.tick(at: 2.95)
        for action in h.scheduler.tick(now: 3.05) {
            if case .log(let e) = action { events.append(e) }
        }
        #expect(events == [.workerLost(b, workerID: "w2", reason: "silent for 3 heartbeat intervals", requeued: 0)])
    }
}

/// `SchedulerConfig.minimumWorkers`: no task leaves before enough workers said hello.
@Suite struct MinimumWorkersTests {
    @Test func dispatchWaitsForTheMinimumThenServesTheCreditGrantedMeanwhile() {
        var config = SchedulerConfig()
        config.minimumWorkers = 2
        var h = Harness(tasks: 10, config: config)
        #expect(h.scheduler.waitingForWorkers)
        h.hello(a)
        h.receive(.ready(credit: 4), from: a)
        h.tick(at: 0.5)
        #expect(h.takeTasks(for: a).isEmpty)
        h.hello(b)
        #expect(!h.scheduler.waitingForWorkers)
        #expect(h.takeTasks(for: a).count == 4)  // a's earlier credit, served when b joins
        h.receive(.ready(credit: 3), from: b)
        #expect(h.takeTasks(for: b).count == 3)
        // Once open, dispatch stays open when a worker leaves.
        h.receive(.bye(reason: "done"), from: b)
        h.receive(.ready(credit: 2), from: a)
        #expect(h.takeTasks(for: a).count == 2)  // as much as its new credit (b's 3 went back to the queue)
    }

    @Test func startDispatchingOpensEarly() {
        var config = SchedulerConfig()
        config.minimumWorkers = 3
        var h = Harness(tasks: 5, config: config)
        h.hello(a)
        h.receive(.ready(credit: 5), from: a)
        #expect(h.takeTasks(for: a).isEmpty)
        h.apply(h.scheduler.startDispatching(now: 1))
        #expect(h.takeTasks(for: a).count == 5)
    }
}

/// `Scheduler.holdDispatch(_:now:)`: while the store is behind, no task leaves; leased tasks still
/// report; resuming serves the credit granted meanwhile.
@Suite struct DispatchHoldTests {
    @Test func heldDispatchSendsNothingAndResumingServesTheCredit() {
        var h = Harness(tasks: 10)
        h.hello(a)
        h.receive(.ready(credit: 3), from: a)
        let leased = h.takeTasks(for: a)
        #expect(leased.count == 3)
        #expect(h.scheduler.holdDispatch(true, now: 0.1).isEmpty)
        #expect(h.scheduler.dispatchHeld)
        // A result of a leased task is recorded, and the credit it returns is not served.
        h.succeed(leased, from: a)
        #expect(h.recorded == leased.map(\.key))
        h.receive(.ready(credit: 2), from: a)
        #expect(h.takeTasks(for: a).isEmpty)
        #expect(h.scheduler.inFlight == 0)
        // Holding twice changes nothing; resuming sends the credit granted meanwhile.
        #expect(h.scheduler.holdDispatch(true, now: 0.2).isEmpty)
        h.apply(h.scheduler.holdDispatch(false, now: 0.3))
        #expect(!h.scheduler.dispatchHeld)
        #expect(h.takeTasks(for: a).count == 2)
        #expect(h.scheduler.holdDispatch(false, now: 0.4).isEmpty)
    }

    @Test func aWorkerJoiningWhileHeldGetsNoTaskUntilResumed() {
        var h = Harness(tasks: 4)
        _ = h.scheduler.holdDispatch(true, now: 0)
        h.hello(b)
        h.receive(.ready(credit: 4), from: b)
        #expect(h.takeTasks(for: b).isEmpty)
        h.apply(h.scheduler.holdDispatch(false, now: 1))
        #expect(h.takeTasks(for: b).count == 4)
    }
}
