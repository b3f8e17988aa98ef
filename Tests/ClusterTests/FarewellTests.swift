import Testing

@testable import Cluster

/// The coordinator's farewell after a complete sweep (`Farewell`) on a fake clock.
@Suite struct FarewellTests {
    /// The other half of the `workersCarryOnWithARestartedCoordinator` flake: the restarted
    /// coordinator finished the last tasks with the worker that came back first and left the moment
    /// that one said BYE; the second worker connected 0.3 s later to nobody. The old rule: over as
    /// soon as nobody is connected.
    @Test func aResumedSweepWaitsTheWholeFarewellForWorkersStillReconnecting() {
        let f = Farewell(now: 100, duration: 2, resumed: true, workersLost: 0)
        #expect(!f.isOver(now: 100.3, connected: 0))
        #expect(!f.isOver(now: 101.9, connected: 0))
        #expect(f.isOver(now: 102, connected: 0))
        #expect(f.isOver(now: 102, connected: 3))  // the deadline holds whoever is connected
    }

    @Test func aSweepThatLostAWorkerWaitsForItToo() {
        let f = Farewell(now: 0, duration: 2, resumed: false, workersLost: 1)
        #expect(!f.isOver(now: 0.5, connected: 0))
        #expect(f.isOver(now: 2.5, connected: 0))
    }

    @Test func anUninterruptedSweepEndsWhenEveryWorkerHasSaidBye() {
        let f = Farewell(now: 0, duration: 2, resumed: false, workersLost: 0)
        #expect(!f.isOver(now: 0.1, connected: 1))
        #expect(f.isOver(now: 0.2, connected: 0))
    }
}
