import Testing

@testable import Cluster

/// The worker's liveness judgement of its coordinator (`CoordinatorSilence`) on a fake clock.
@Suite struct CoordinatorSilenceTests {
    /// The flake of `workersCarryOnWithARestartedCoordinator`: a worker told "stopping" opens a new
    /// socket while no coordinator listens yet. The old rule treated that like a silent coordinator:
    /// close and back off 1, 2, 4, 8 s, so the worker came back only after the restarted coordinator
    /// had finished the sweep with the other worker and left. Now: a new socket at once, every window.
    @Test func aSocketThatNeverConnectedIsReplacedAtOnceNotBackedOff() {
        var s = CoordinatorSilence(openedAt: 0)
        s.socketOpened(now: 10)
        #expect(s.silentFor(now: 10.5) == nil)
        #expect(s.verdict(now: 10.7, window: 0.8) == .keep)
        #expect(s.verdict(now: 10.9, window: 0.8) == .unreachable)  // the old rule: .lost (backoff)
        // The restarted coordinator binds; the next socket connects; the window starts only now.
        s.socketOpened(now: 10.9)
        s.transportConnected(now: 11.2)
        #expect(s.verdict(now: 11.9, window: 0.8) == .keep)
        #expect(s.verdict(now: 12.1, window: 0.8) == .lost)
    }

    @Test func aConnectedCoordinatorThatFallsSilentIsLostAfterTheWindow() {
        var s = CoordinatorSilence(openedAt: 0)
        s.transportConnected(now: 0.1)
        s.heard(now: 1)
        s.heard(now: 2)
        #expect(s.silentFor(now: 2.5) == 0.5)
        #expect(s.verdict(now: 2.8, window: 0.8) == .keep)
        #expect(s.verdict(now: 2.81, window: 0.8) == .lost)
        // A later reconnect of the same transport does not restart the window (only words do).
        s.transportConnected(now: 2.7)
        #expect(s.verdict(now: 2.81, window: 0.8) == .lost)
    }

    @Test func aMessageProvesTheTransportEvenWithoutTheMonitorEvent() {
        var s = CoordinatorSilence(openedAt: 0)
        s.socketOpened(now: 5)
        s.heard(now: 6)
        #expect(s.silentFor(now: 6.5) == 0.5)
        #expect(s.verdict(now: 7, window: 0.8) == .lost)
        // A new socket forgets the old transport.
        s.socketOpened(now: 7)
        #expect(s.verdict(now: 7.5, window: 0.8) == .keep)
    }
}
