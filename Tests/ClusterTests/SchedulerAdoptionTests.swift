import Factorization
import Sweeps
import Testing

@testable import Cluster

/// A restarted coordinator adopts the tasks reconnecting workers are running (issue 10 §6), and
/// forgets a worker it cannot send tasks to. Fake clock, no sockets.
@Suite struct SchedulerAdoptionTests {
    @Test func tasksAWorkerRunsAreLeasedToItAndNeverHandedOutAgain() {
        // A fresh scheduler (a restarted coordinator): 4 queued tasks.
        var h = Harness(tasks: 4)
        h.hello(a, running: [key(0)])
        h.hello(b, running: [key(1), key(99)])  // key 99 is not in this sweep: ignored
        #expect(h.scheduler.state(of: key(0))?.state == .leased)
        #expect(h.scheduler.state(of: key(1))?.state == .leased)
        #expect(h.scheduler.snapshot(now: 0).adopted == 2)
        // The store records them running again, as adopted (not a new start); announcing them
        // again changes nothing.
        #expect(h.adopted == [key(0), key(1)] && h.started.isEmpty)
        h.receive(.started([key(0)]), from: a)
        #expect(h.started.isEmpty)
        #expect(h.scheduler.inFlight == 2)
        // Adoption is not an attempt.
        #expect(h.scheduler.state(of: key(0))?.attempts == 0)
        h.sent.removeAll()
        // A third worker with credit gets only the other two.
        h.hello(c)
        h.receive(.ready(credit: 10), from: c)
        #expect(Set(h.takeTasks(for: c).map(\.key)) == [key(2), key(3)])
        // The adopted results are accepted from their workers and complete the sweep.
        h.succeed([WireTask(key: key(0), kind: .noop, config: SimulationConfig())], from: a)
        h.succeed([WireTask(key: key(1), kind: .noop, config: SimulationConfig())], from: b)
        h.succeed(
            [key(2), key(3)].map { WireTask(key: $0, kind: .noop, config: SimulationConfig()) }, from: c)
        #expect(h.recorded.count == 4 && Set(h.recorded).count == 4)
        #expect(h.scheduler.isComplete)
        #expect(h.scheduler.snapshot(now: 0).duplicates == 0)
    }

    @Test func onlyQueuedTasksAreAdopted() {
        var h = Harness(tasks: 3)
        h.hello(a)
        h.receive(.ready(credit: 1), from: a)
        let first = h.takeTasks(for: a)
        #expect(first.map(\.key) == [key(0)])
        h.succeed(first, from: a)  // key 0 done
        h.receive(.ready(credit: 1), from: a)
        #expect(h.takeTasks(for: a).map(\.key) == [key(1)])  // key 1 leased to a
        // b claims all three: done and leased-elsewhere keys stay as they are.
        h.hello(b, running: [key(0), key(1), key(2)])
        #expect(h.scheduler.state(of: key(0))?.state == .done)
        #expect(h.scheduler.snapshot(now: 0).workers.first { $0.workerID == "w1" }?.leased == 1)
        #expect(h.scheduler.snapshot(now: 0).workers.first { $0.workerID == "w2" }?.leased == 1)
        #expect(h.scheduler.snapshot(now: 0).adopted == 1)
    }

    @Test func anAdoptedTaskWhoseWorkerDiesIsAConfirmedAttempt() {
        var h = Harness(tasks: 2, config: SchedulerConfig(heartbeatInterval: 1, liveness: 3, maxAttempts: 3))
        h.hello(a, running: [key(0)])
        h.tick(at: 10)  // a silent for 10 s > 3 s
        #expect(h.scheduler.state(of: key(0))?.state == .queued)
        #expect(h.scheduler.state(of: key(0))?.attempts == 1)
    }

    @Test func aWorkerTasksCannotBeSentToIsForgottenAndItsTasksMoveAtOnce() {
        var h = Harness(tasks: 4)
        h.hello(a)
        h.hello(b)
        h.receive(.ready(credit: 2), from: a)
        let lost = h.takeTasks(for: a)
        #expect(lost.count == 2)
        h.receive(.ready(credit: 4), from: b)
        #expect(h.takeTasks(for: b).count == 2)
        // The coordinator could not deliver a's batch: a is forgotten, its tasks go to b (credit left).
        h.apply(h.scheduler.unreachable(a, reason: "EHOSTUNREACH", now: 1))
        #expect(!h.scheduler.isConnected(a))
        #expect(Set(h.takeTasks(for: b).map(\.key)) == Set(lost.map(\.key)))
        #expect(lost.allSatisfy { h.scheduler.state(of: $0.key)?.attempts == 0 })
    }

    @Test func aFinalFailureIsNotRetried() {
        var h = Harness(tasks: 2, config: SchedulerConfig(maxAttempts: 3))
        h.hello(a)
        h.receive(.ready(credit: 2), from: a)
        let t = h.takeTasks(for: a)
        h.receive(
            .results(
                batch: 1,
                [
                    WireResult(key: t[0].key, outcome: .failure("cannot be sent"), seconds: 1, isFinal: true),
                    WireResult(key: t[1].key, outcome: .failure("flaky"), seconds: 1),
                ]), from: a)
        #expect(h.failed.count == 1 && h.failed.first?.0 == t[0].key && h.failed.first?.2 == 1)
        #expect(h.scheduler.state(of: t[1].key)?.state == .queued)  // an ordinary failure is retried
    }

    @Test func anIsolatedTaskIsStartedOnlyAfterTheEcho() {
        var h = Harness(tasks: 1)
        h.hello(a)
        h.receive(.ready(credit: 1), from: a)
        let plain = h.takeTasks(for: a)
        h.receive(.started(plain.map(\.key)), from: a)
        // A plain start (every task announces one, for the store) is not echoed.
        #expect(h.messages(to: a).isEmpty)
        h.tick(at: 10)  // a dies holding it: it comes back isolated
        h.hello(b)
        h.receive(.ready(credit: 1), from: b)
        let t = h.takeTasks(for: b)
        #expect(t.count == 1 && t[0].isolated)
        h.receive(.started(t.map(\.key)), from: b)
        // The coordinator echoes the announcement: the worker starts the task on that echo.
        #expect(h.messages(to: b) == [.started(t.map(\.key))])
    }
}

/// The stall detector (issue 10 §1): fake clock.
@Suite struct StallDetectorTests {
    @Test func silenceLongerThanTheThresholdWhileBusyIsReportedOnceThenPerThreshold() {
        var d = StallDetector(factor: 10, minimum: 60)
        #expect(d.check(now: 0, workers: 2, leased: 2) == nil)
        d.resultArrived(now: 5, seconds: 8)  // slowest task 8 s: threshold 80 s
        #expect(d.threshold == 80)
        #expect(d.check(now: 80, workers: 2, leased: 2) == nil)
        let w = d.check(now: 86, workers: 2, leased: 2)
        #expect(w != nil && w!.silentFor == 81 && w!.leased == 2)
        #expect(d.current(now: 86) != nil)
        #expect(d.check(now: 100, workers: 2, leased: 2) == nil)  // already said; again after 80 s more
        #expect(d.check(now: 167, workers: 2, leased: 2) != nil)
        d.resultArrived(now: 170, seconds: 1)
        #expect(d.current(now: 171) == nil)
    }

    @Test func idleTimeIsNotASilence() {
        var d = StallDetector(factor: 10, minimum: 60)
        #expect(d.check(now: 0, workers: 0, leased: 0) == nil)
        #expect(d.check(now: 500, workers: 1, leased: 0) == nil)  // nothing leased: waiting, not stalled
        #expect(d.check(now: 501, workers: 1, leased: 1) == nil)  // busy from now on
        #expect(d.check(now: 560, workers: 1, leased: 1) == nil)
        #expect(d.check(now: 562, workers: 1, leased: 1) != nil)
    }
}
