import Testing

@testable import Cluster

/// How a reader judges a coordinator from its live state: by pid on its own host, by the age of
/// the state elsewhere; ended phases are never live.
@Suite struct LivenessTests {
    static func state(phase: CoordinatorPhase, host: String = "node1", updatedAt: Double = 1000) -> LiveState {
        LiveState(
            updatedAt: updatedAt, startedAt: 900, endpoint: "tcp://10.0.0.1:5555", pid: 4242, host: host,
            phase: phase, scheduler: SchedulerSnapshot(), doneBefore: 0, rate: 0, eta: nil, badMessages: [:])
    }

    @Test func sameHostIsJudgedByPidAtOnce() {
        let s = Self.state(phase: .running)
        #expect(s.liveness(now: 1001, localHost: "node1", processExists: { $0 == 4242 }) == .serving)
        guard case .gone(let reason) = s.liveness(now: 1001, localHost: "node1", processExists: { _ in false }) else {
            Issue.record("a missing pid must mean gone")
            return
        }
        #expect(reason.contains("pid 4242 on node1") && reason.contains("gone"))
        // A pid that exists but a state a minute old: the pid was probably reused.
        #expect(s.liveness(now: 1061, localHost: "node1", processExists: { _ in true }) != .serving)
    }

    @Test func anotherHostIsJudgedByAge() {
        let s = Self.state(phase: .stopping)
        #expect(s.liveness(now: 1005, localHost: "login", processExists: { _ in false }) == .serving)
        guard case .gone(let reason) = s.liveness(now: 1007, localHost: "login", processExists: { _ in true }) else {
            Issue.record("a state older than \(LiveState.staleAfter) s must mean gone")
            return
        }
        #expect(reason.contains("no update for 7 s"))
    }

    @Test(arguments: [CoordinatorPhase.finished, .interrupted, .failed])
    func endedPhasesAreNeverLive(phase: CoordinatorPhase) {
        #expect(
            Self.state(phase: phase).liveness(now: 1000, localHost: "node1", processExists: { _ in true }) == .ended)
    }
}
