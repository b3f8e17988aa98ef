import Testing

@testable import Cluster

/// The worker's liveness judgement of its coordinator (`CoordinatorSilence`) on a fake clock.
@Suite struct CoordinatorSilenceTests {
    /// The flake of `workersCarryOnWithARestartedCoordinator`: a worker told "stopping" opens a new
    /// socket while no coordinator listens yet. The old rule (silent since the socket opened) gave up
    /// on that socket after one window and backed off 1, 2, 4, 8 s, so it came back only after the
    /// restarted coordinator had finished the sweep with the other worker and left.
    @Test func aSocketStillConnectingIsNeverGivenUpOn() {
        var s = CoordinatorSilence(openedAt: 0)
        s.socketOpened(now: 10)
        #expect(s.silentFor(now: 10.9) == nil)
        #expect(!s.isLost(now: 10.9, window: 0.8))  // the old rule: lost after 0.8 s
        #expect(!s.isLost(now: 300, window: 0.8))  // --give-up-after decides, not liveness
        // The restarted coordinator binds; libzmq connects; the window starts only now.
        s.transportConnected(now: 12.5)
        #expect(!s.isLost(now: 13.2, window: 0.8))
        #expect(s.isLost(now: 13.4, window: 0.8))
    }

    @Test func aConnectedCoordinatorThatFallsSilentIsLostAfterTheWindow() {
        var s = CoordinatorSilence(openedAt: 0)
        s.transportConnected(now: 0.1)
        s.heard(now: 1)
        s.heard(now: 2)
        #expect(s.silentFor(now: 2.5) == 0.5)
        #expect(!s.isLost(now: 2.8, window: 0.8))
        #expect(s.isLost(now: 2.81, window: 0.8))
        // A later reconnect of the same transport does not restart the window (only words do).
        s.transportConnected(now: 2.7)
        #expect(s.isLost(now: 2.81, window: 0.8))
    }

    @Test func aMessageProvesTheTransportEvenWithoutTheMonitorEvent() {
        var s = CoordinatorSilence(openedAt: 0)
        s.socketOpened(now: 5)
        s.heard(now: 6)
        #expect(s.silentFor(now: 6.5) == 0.5)
        #expect(s.isLost(now: 7, window: 0.8))
        // A new socket forgets the old transport.
        s.socketOpened(now: 7)
        #expect(!s.isLost(now: 20, window: 0.8))
    }
}
