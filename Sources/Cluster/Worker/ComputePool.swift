import Factorization
import Foundation
import Sweeps

#if canImport(Glibc)
    import Glibc
#endif

/// K compute threads running tasks handed over by the worker's socket thread.
///
/// The socket thread `submit`s tasks and `drainResults`; compute threads take tasks in small
/// chunks (fewer hand-overs for tiny tasks), run them, queue the results and wake the socket
/// thread through an eventfd that its poller watches.
final class ComputePool: @unchecked Sendable {
    // Safe: all mutable state (`queue`, `results`, `executing`, `closed`) is guarded by `condition`;
    // the wake pipe's read/write are thread-safe system calls.
    private let condition = NSCondition()
    private var queue: [WireTask] = []
    private var head = 0
    private var results: [WireResult] = []
    private var executing = 0
    private var closed = false
    private let faults: FaultInjection
    /// Readable when results are waiting (read end of a non-blocking pipe).
    let wakeFD: Int32
    private let wakeWriteFD: Int32

    /// Starts `jobs` compute threads.
    init(jobs: Int, faults: FaultInjection) throws {
        self.faults = faults
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CoordinatorError("pipe failed: errno \(errno)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeFD = fds[0]
        wakeWriteFD = fds[1]
        for i in 0..<jobs {
            let t = Thread { [self] in self.loop(jobs: jobs) }
            t.name = "dmfsweep-compute-\(i)"
            t.stackSize = 8 << 20
            t.start()
        }
    }

    deinit {
        close(wakeFD)
        close(wakeWriteFD)
    }

    /// Queues tasks for the compute threads.
    func submit(_ tasks: [WireTask]) {
        guard !tasks.isEmpty else { return }
        condition.withLock {
            queue.append(contentsOf: tasks)
            condition.broadcast()
        }
    }

    /// Drops tasks not started yet (their coordinator is gone); returns how many.
    func clearQueued() -> Int {
        condition.withLock {
            let n = queue.count - head
            queue.removeAll()
            head = 0
            return n
        }
    }

    /// Tasks queued or running (results not yet drained are not counted).
    var outstanding: Int { condition.withLock { queue.count - head + executing } }

    /// Tasks running now and tasks waiting.
    var load: (running: Int, queued: Int) { condition.withLock { (executing, queue.count - head) } }

    /// Takes the finished results.
    func drainResults() -> [WireResult] {
        var sink = [UInt8](repeating: 0, count: 512)
        while read(wakeFD, &sink, sink.count) > 0 {}
        return condition.withLock {
            let r = results
            results.removeAll(keepingCapacity: true)
            return r
        }
    }

    /// Stops the compute threads after their current task.
    func shutdown() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }

    private func loop(jobs: Int) {
        while true {
            var chunk: [WireTask] = []
            condition.lock()
            while !closed && head == queue.count { condition.wait() }
            if closed {
                condition.unlock()
                return
            }
            // Take a fair share (at most 64) so tiny tasks cost few hand-overs and big ones spread.
            let available = queue.count - head
            let take = max(1, min(64, available / jobs))
            chunk = Array(queue[head..<(head + take)])
            head += take
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            executing += chunk.count
            condition.unlock()

            var done: [WireResult] = []
            done.reserveCapacity(chunk.count)
            for task in chunk { done.append(run(task)) }

            condition.withLock {
                executing -= chunk.count
                results.append(contentsOf: done)
            }
            var one: UInt8 = 1
            _ = write(wakeWriteFD, &one, 1)  // EAGAIN (pipe full) is fine: a wake-up is pending
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
                outcome = .success(try Simulation.run(task.config))
            } catch {
                outcome = .failure(error.description)
            }
        }
        return WireResult(key: task.key, outcome: outcome, seconds: monotonicSeconds() - start)
    }

    /// What a no-op task returns.
    static let noopResult = SimulationResult(
        status: .finished, path: .spectral, steps: 0, finalLoss: 0, finalErank: 0, targets: [], intervals: [],
        predicted: [], trajectory: [], seconds: 0)
}
