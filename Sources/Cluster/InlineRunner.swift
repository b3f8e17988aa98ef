import Factorization
import Foundation
import SummaryStore
import Sweeps

/// Runs a sweep's missing tasks one after another in this process, committing results to the
/// store in batches: the degenerate runner used before and beside the distributed one.
///
/// Results are buffered and committed every `batchSize` results or `batchInterval` seconds,
/// whichever comes first, and always before `run` returns. `shouldStop` is checked between
/// tasks, so a stop request ends the run after the current task with its result committed.
/// A crash loses at most the uncommitted batch; running again runs exactly the tasks without a
/// result.
///
/// Each task's start is recorded as the cluster records it (state `running`, worker, host, start
/// time, attempts + 1): after a task that took at least `Options.startCommitThreshold` seconds
/// the next start is committed at once (in a small transaction of its own), so
/// `status` shows a long task running while it runs; after a shorter one the start travels with
/// the task's result (`CompletedTask.start`), since a commit per start would cost more than a
/// spectral-path task.
public final class InlineRunner {
    /// Runs one configuration (the numerical core by default; tests inject their own).
    public typealias Simulate = (SimulationConfig) throws(ParameterError) -> SimulationResult

    /// Tuning of the batching.
    public struct Options: Sendable {
        /// Commit after this many results.
        public var batchSize: Int = 100
        /// Commit when the oldest uncommitted result is this many seconds old.
        public var batchInterval: Double = 0.5
        /// Recorded as the tasks' worker.
        public var worker: String = "inline:\(ProcessInfo.processInfo.hostName):\(getpid())"
        /// Recorded as the tasks' host.
        public var host: String = ProcessInfo.processInfo.hostName
        /// A task at least this long (seconds) makes the next start a commit of its own (see the type).
        public var startCommitThreshold: Double = 0.02

        public init(batchSize: Int = 100, batchInterval: Double = 0.5) {
            self.batchSize = batchSize
            self.batchInterval = batchInterval
        }
    }

    /// A commit, reported to the progress callback.
    public struct Progress: Sendable {
        /// Tasks finished (succeeded or failed) in this run so far, all committed.
        public var finished: Int
        /// Tasks this run set out to do.
        public var planned: Int
        /// Results in the commit just made.
        public var committed: Int
        /// Their keys.
        public var keys: [TaskKey]
        /// Of those, runs that diverged.
        public var diverged: Int
        /// Failures in the commit just made.
        public var failed: Int
        /// Seconds since the run started.
        public var elapsed: Double
    }

    /// What a run did.
    public struct Summary: Sendable, Equatable {
        /// Tasks run to a result.
        public var succeeded: Int
        /// Tasks that failed (recorded with their error).
        public var failed: Int
        /// Tasks not run because of a stop request.
        public var remaining: Int
        /// Whether `shouldStop` ended the run early.
        public var interrupted: Bool
        /// Wall-clock seconds.
        public var seconds: Double
    }

    private let store: SummaryStore
    private let options: Options
    private let simulate: Simulate

    /// Creates a runner over an open store.
    /// - Parameters:
    ///   - store: the summary store (its sweep registered).
    ///   - options: batching.
    ///   - simulate: runs one task; `Simulation.timedRun` by default.
    public init(store: SummaryStore, options: Options = Options(), simulate: @escaping Simulate = Simulation.timedRun) {
        self.store = store
        self.options = options
        self.simulate = simulate
    }

    /// Runs `tasks` in order.
    /// - Parameters:
    ///   - tasks: the tasks to run (normally `store.unfinishedTasks(sweep:)`).
    ///   - shouldStop: checked before each task; `true` ends the run after committing.
    ///   - progress: called after every commit.
    /// - Returns: counts of what happened.
    /// - Throws: `StoreError` when a commit fails (earlier batches stay committed).
    public func run(
        _ tasks: [SweepTask], shouldStop: () -> Bool = { false }, progress: (Progress) -> Void = { _ in }
    ) throws(StoreError) -> Summary {
        let start = Date()
        var results: [CompletedTask] = []
        var failures: [TaskFailure] = []
        var oldest: Date? = nil
        var lastTaskSeconds = Double.infinity  // the first start is committed at once
        var summary = Summary(succeeded: 0, failed: 0, remaining: 0, interrupted: false, seconds: 0)

        func commit() throws(StoreError) {
            guard !results.isEmpty || !failures.isEmpty else { return }
            try store.record(completed: results, failed: failures)
            summary.succeeded += results.count
            summary.failed += failures.count
            progress(
                Progress(
                    finished: summary.succeeded + summary.failed, planned: tasks.count, committed: results.count,
                    keys: results.map(\.key) + failures.map(\.key),
                    diverged: results.filter { $0.result.status == .diverged }.count, failed: failures.count,
                    elapsed: Date().timeIntervalSince(start)))
            results.removeAll(keepingCapacity: true)
            failures.removeAll(keepingCapacity: true)
            oldest = nil
        }

        for (index, task) in tasks.enumerated() {
            if shouldStop() {
                summary.interrupted = true
                summary.remaining = tasks.count - index
                break
            }
            let began = Date()
            var start: TaskStart? = TaskStart(key: task.key, worker: options.worker, host: options.host, started: began)
            if lastTaskSeconds >= options.startCommitThreshold, let s = start {
                // A transaction of its own: the results waiting keep their batch.
                try store.markRunning([s])
                start = nil
            }
            do {
                let result = try simulate(task.config)
                results.append(
                    CompletedTask(
                        key: task.key, result: result, worker: options.worker, host: options.host, start: start))
            } catch {
                failures.append(
                    TaskFailure(
                        key: task.key, error: error.description, worker: options.worker, host: options.host,
                        start: start))
            }
            lastTaskSeconds = Date().timeIntervalSince(began)
            oldest = oldest ?? began
            let pending = results.count + failures.count
            if pending >= options.batchSize || Date().timeIntervalSince(oldest ?? began) >= options.batchInterval {
                try commit()
            }
        }
        try commit()
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }
}
