import Factorization
import Foundation
import Sweeps

/// K compute threads running tasks handed over by the worker's socket thread.
///
/// The socket thread `submit`s tasks and `drain`s starts and results; compute threads take tasks in small
/// chunks (fewer hand-overs for tiny tasks), run them, queue the results and wake the socket
/// thread through a `WakePipe` that its poller watches.
final class ComputePool: Sendable {
    private struct State {
        var queue: [WireTask] = []
        var head = 0
        var results: [WireResult] = []
        /// Tasks that began running since the socket thread last looked (announced with `started`).
        var started: [TaskKey] = []
        var executing = 0
        /// Keys taken by compute threads (running, or next in a thread's chunk): they will run.
        var taken: [TaskKey: Int] = [:]
        var closed = false

        var queued: Int { queue.count - head }
        /// Whether a compute thread has something to do (a task, or to stop).
        var isActionable: Bool { closed || queued > 0 }
    }

    private let state = Monitor(State())
    private let wake: WakePipe
    private let faults: FaultInjection

    /// Readable when starts or results are waiting: poll it, then `drain()`.
    var wakeFD: Int32 { wake.fd }

    /// Starts `jobs` compute threads.
    /// - Parameters:
    ///   - jobs: how many tasks run at once.
    ///   - faults: faults to inject (tests only).
    /// - Throws: `CoordinatorError` if the wake-up pipe cannot be created.
    init(jobs: Int, faults: FaultInjection) throws {
        self.faults = faults
        wake = try WakePipe()
        for i in 0..<jobs {
            let t = Thread { [self] in self.loop(jobs: jobs) }
            t.name = "dmfsweep-compute-\(i)"
            t.stackSize = 8 << 20
            t.start()
        }
    }

    /// Queues tasks for the compute threads.
    func submit(_ tasks: [WireTask]) {
        guard !tasks.isEmpty else { return }
        state.withLock(wake: .all) { $0.queue.append(contentsOf: tasks) }
    }

    /// Drops tasks not started yet (their coordinator is gone); returns how many.
    func clearQueued() -> Int {
        state.withLock { s in
            let n = s.queued
            s.queue.removeAll()
            s.head = 0
            return n
        }
    }

    /// Tasks queued or running (results not yet drained are not counted).
    var outstanding: Int { state.withLock { $0.queued + $0.executing } }

    /// Tasks running now and tasks waiting.
    var load: (running: Int, queued: Int) { state.withLock { ($0.executing, $0.queued) } }

    /// Keys of the tasks compute threads have taken (running now, or next in a thread's chunk):
    /// their results will come. A worker tells a restarted coordinator about them (`hello`).
    var takenKeys: [TaskKey] { state.withLock { $0.taken.keys.sorted { $0.hex < $1.hex } } }

    /// Takes the tasks started and the results finished since the last call, together, so that a
    /// task's start is never sent after its result.
    func drain() -> (started: [TaskKey], results: [WireResult]) {
        wake.drain()
        return state.withLock { s in
            let r = (s.started, s.results)
            s.started.removeAll(keepingCapacity: true)
            s.results.removeAll(keepingCapacity: true)
            return r
        }
    }

    /// Stops the compute threads after their current task.
    func shutdown() {
        state.withLock(wake: .all) { $0.closed = true }
    }

    private func loop(jobs: Int) {
        while true {
            let next: [WireTask]? = state.withLock(waitingUntil: \.isActionable) { s in
                if s.closed { return nil }
                // Take a fair share (at most 64) so tiny tasks cost few hand-overs and big ones spread.
                let take = max(1, min(64, s.queued / jobs))
                let chunk = Array(s.queue[s.head..<(s.head + take)])
                s.head += take
                if s.head == s.queue.count {
                    s.queue.removeAll(keepingCapacity: true)
                    s.head = 0
                }
                s.executing += chunk.count
                for t in chunk { s.taken[t.key, default: 0] += 1 }
                return chunk
            }
            guard let chunk = next else { return }

            var done: [WireResult] = []
            done.reserveCapacity(chunk.count)
            for task in chunk {
                // Announce the start (the store's `running`, with its time); one wake-up per burst.
                let first = state.withLock { s in
                    s.started.append(task.key)
                    return s.started.count == 1
                }
                if first { wake.signal() }
                done.append(run(task))
            }

            state.withLock { s in
                s.executing -= chunk.count
                for t in chunk {
                    let n = (s.taken[t.key] ?? 1) - 1
                    s.taken[t.key] = n > 0 ? n : nil
                }
                s.results.append(contentsOf: done)
            }
            wake.signal()
        }
    }

    private func run(_ task: WireTask) -> WireResult {
        let start = monotonicSeconds()
        faults.beforeTask(task.key)  // an injected delay counts as work
        let outcome: TaskOutcome
        switch task.kind {
        case .noop:
            outcome = .success(Self.noopResult)
        case .simulate:
            do {
                outcome = .success(try Simulation.timedRun(task.config))
            } catch {
                outcome = .failure(error.description)
            }
        }
        return WireResult(key: task.key, outcome: outcome, seconds: monotonicSeconds() - start)
    }

    /// What a no-op task returns.
    static let noopResult: SimulationResult = {
        var result = SimulationResult(
            status: .finished, path: .spectral, steps: 0, finalLoss: 0, finalErank: 0, targets: [], intervals: [],
            predicted: [], trajectory: [], seconds: 0)
        result.ratio = RankIntervals()  // rank 0 under both measures, not "unknown"
        return result
    }()
}
