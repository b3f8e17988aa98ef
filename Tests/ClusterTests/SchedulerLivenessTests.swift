import Factorization
import Sweeps
import Testing

@testable import Cluster

/// Liveness is judged by what the coordinator could hear: a worker is never declared dead because
/// the coordinator itself was busy, paused or behind on its input; a really silent one still is,
/// within `deadAfter` of the coordinator's attention (plus one tick).
@Suite struct SchedulerLivenessTests {
    static let peers = (0..<200).map { PeerID([0x77, UInt8($0 >> 8), UInt8($0 & 0xff)]) }

    /// 200 workers with one task each (of 400), heard from at 1 s.
    static func busyCluster(config: SchedulerConfig = SchedulerConfig()) -> Harness {
        var h = Harness(tasks: 400, config: config)
        for p in peers {
            h.hello(p)
            h.receive(.ready(credit: 1), from: p)
        }
        h.tick(at: 1)
        for p in peers { h.receive(.heartbeat(running: 1, queued: 0), from: p) }
        h.sent.removeAll()
        return h
    }

    static func lost(_ actions: [SchedulerAction]) -> [PeerID] {
        actions.compactMap {
            if case .log(.workerLost(let p, _, _, _)) = $0 { return p }
            return nil
        }
    }

    @Test func anOwnerAwayForTenLivenessWindowsThenAFloodOfMessagesLosesNobody() {
        var h = Self.busyCluster()
        let window = h.scheduler.config.deadAfter
        // The owner hears nothing for 10 windows (blocked, paused, starved); then it drains a
        // backlog: every worker's results and heartbeats, each stamped when it is read.
        var t = 1 + 10 * window
        var lost: [PeerID] = []
        for p in Self.peers {
            t += 0.001
            let actions = h.scheduler.receive(.heartbeat(running: 1, queued: 0), from: p, now: t)
            lost += Self.lost(actions)
        }
        for (i, p) in Self.peers.enumerated() {
            t += 0.001
            let r = WireResult(key: key(i), outcome: .failure("x"), seconds: 0)
            lost += Self.lost(h.scheduler.receive(.results(batch: 1, [r]), from: p, now: t))
        }
        lost += Self.lost(h.scheduler.tick(now: t + 0.05))
        #expect(lost.isEmpty)
        let s = h.scheduler.snapshot(now: t)
        #expect(s.deaths == 0 && s.workers.count == 200)
        #expect(abs((s.excusedSeconds ?? 0) - (10 * window - window / 2 + 0.001)) < 1e-9)  // beyond half a window
    }

    @Test func anOwnerAwayWhoseFirstEventIsATickLosesNobodyEither() {
        var h = Self.busyCluster()
        let back = 1 + 10 * h.scheduler.config.deadAfter
        let actions = h.scheduler.tick(now: back)
        #expect(Self.lost(actions).isEmpty)
        #expect(actions.contains { if case .log(.ownerAway) = $0 { true } else { false } })
        // Their messages, read just after, keep them.
        h.now = back
        for p in Self.peers { h.receive(.heartbeat(running: 1, queued: 0), from: p) }
        h.tick(at: back + 2.5)
        #expect(h.scheduler.snapshot(now: back).deaths == 0)
    }

    @Test func aWorkerReallySilentIsStillLostWithinTheBoundAfterTheOwnerCameBack() {
        var h = Harness(tasks: 4)
        h.hello(a)
        h.hello(b)
        h.tick(at: 1)
        h.receive(.heartbeat(running: 0, queued: 0), from: a)
        h.receive(.heartbeat(running: 0, queued: 0), from: b)
        h.pause(until: 31)  // 30 s away: 28.5 s (beyond half the 3 s window) excused
        h.tick(at: 31.2)
        h.receive(.heartbeat(running: 0, queued: 0), from: b)  // b speaks after the pause, a never
        h.tick(at: 32.45)
        #expect(h.scheduler.isConnected(a))  // 1.45 s of attention since the pause (+1.5 s allowed): not yet
        h.tick(at: 32.6)
        #expect(!h.scheduler.isConnected(a) && h.scheduler.isConnected(b))
        #expect(h.scheduler.snapshot(now: 32.6).deaths == 1)
    }

    @Test func withRegularTicksASilentWorkerIsLostJustAfterTheLivenessWindow() {
        var h = Harness(tasks: 1, config: SchedulerConfig(heartbeatInterval: 0.5, liveness: 4))
        h.hello(a)
        h.tick(at: 2.0)
        #expect(h.scheduler.isConnected(a))
        h.tick(at: 2.13)  // 2 s window + one tick (0.125 s)
        #expect(!h.scheduler.isConnected(a))
        #expect(h.scheduler.snapshot(now: 2.13).excusedSeconds == 0)
    }

    @Test func aTickWithInputPendingJudgesNobodyAndExpiresNoLeaseForAWindow() {
        var config = SchedulerConfig(heartbeatInterval: 1, liveness: 3, taskTimeout: 5)
        config.maxAttempts = 1
        var h = Harness(tasks: 1, config: config)
        h.hello(a)
        h.receive(.ready(credit: 1), from: a)
        let task = h.takeTasks(for: a)
        h.tick(at: 2.5)
        // Ticks every 0.1 s while the owner does not get to the end of its input (2.85 s).
        var t = 2.5
        while t < 5.35 {
            t += 0.1
            h.pause(until: t, inputPending: true)
        }
        // Silent for 5.4 s, leased for 5.4 s (> 5 s): neither judged while its news may be unread.
        #expect(h.scheduler.isConnected(a) && h.failed.isEmpty)
        h.succeed(task, from: a)  // the result was among the unread messages
        #expect(h.recorded == task.map(\.key) && h.failed.isEmpty)
        h.pause(until: t + 0.1)
        #expect(h.scheduler.isConnected(a))  // its result, just read, is a sign of life
        // Input pending for longer than a whole window: judged anyway (reads are fair-queued, so a
        // live worker had its turn); a, silent since its result, is lost.
        t += 0.1
        while t < 9.5 {
            t += 0.1
            h.pause(until: t, inputPending: true)
        }
        #expect(!h.scheduler.isConnected(a))
    }

    @Test func aLeaseDoesNotTimeOutWhileTheOwnerWasAway() {
        var config = SchedulerConfig(heartbeatInterval: 1, liveness: 3, taskTimeout: 10)
        config.maxAttempts = 1
        var h = Harness(tasks: 1, config: config)
        h.hello(a)
        h.receive(.ready(credit: 1), from: a)
        let task = h.takeTasks(for: a)
        h.tick(at: 2)
        h.receive(.heartbeat(running: 1, queued: 0), from: a)
        h.pause(until: 40)  // the task finished meanwhile; its result waits unread
        #expect(h.failed.isEmpty)
        h.succeed(task, from: a)
        #expect(h.recorded == task.map(\.key) && h.failed.isEmpty)
    }

    @Test func peersDeclaredLostAreToldAtTheEndAndStrangersAfterTheEndGetTheNews() {
        var h = Harness(tasks: 2)
        h.hello(a)
        h.hello(b)
        h.hello(c)
        h.receive(.bye(reason: "stopped"), from: c)
        h.tick(at: 2)
        h.receive(.heartbeat(running: 0, queued: 0), from: b)
        h.tick(at: 3.1)  // a is lost; b is not
        #expect(!h.scheduler.isConnected(a) && h.scheduler.wasForgotten(a) && !h.scheduler.wasForgotten(c))
        h.receive(.ready(credit: 2), from: b)
        h.succeed(h.takeTasks(for: b), from: b)
        #expect(h.scheduler.isComplete)
        let complete = WireMessage.shutdown(.complete, message: "the sweep is complete")
        // b (connected) and a (declared lost: it may still be listening); c said bye.
        #expect(
            h.scheduler.shutdownAll(.complete, message: "the sweep is complete") == [
                .send(b, complete), .send(a, complete),
            ])
        // A stranger that speaks after the end is told at once (no reset and hello round trip).
        h.receive(.heartbeat(running: 0, queued: 0), from: a)
        #expect(h.messages(to: a) == [complete])
        // One that says hello again is a worker again, no longer a forgotten peer.
        h.hello(a)
        #expect(!h.scheduler.wasForgotten(a))
    }
}
