import Cluster
import Factorization
import Foundation
import SummaryStore
import Sweeps
import TestSupport
import Testing

/// The inline runner against a real store, with an injected simulation (hand-built results).
@Suite struct InlineRunnerTests {
    /// 12 tasks: depth 2…4 × seed 0…3, real keys from the sweep module.
    static func tasks() -> [SweepTask] {
        var out: [SweepTask] = []
        for depth in 2...4 {
            for seed in 0..<4 {
                var c = SimulationConfig()
                c.depth = depth
                c.seed = UInt64(seed)
                out.append(SweepTask(config: c))
            }
        }
        return out
    }

    /// A result that encodes its configuration (steps = 100·depth + seed), to check who ran what.
    static func fake(_ c: SimulationConfig) throws(ParameterError) -> SimulationResult {
        if c.depth == 4 && c.seed == 1 { throw ParameterError(parameter: "depth", message: "injected failure") }
        return SimulationResult(
            status: c.seed == 2 ? .diverged : .finished, path: .spectral, steps: 100 * c.depth + Int(c.seed),
            finalLoss: 0.5, finalErank: 1.5, targets: [1],
            intervals: [IntervalStat(rank: 1, target: 1, start: 1, end: 3, length: 2)],
            predicted: [], trajectory: [TrajectoryPoint(step: 0, loss: 1, erank: 1, erankRatio: 1)], seconds: 0.01)
    }

    private func setUp() throws -> (TemporaryDirectory, SummaryStore, [SweepTask]) {
        let dir = try TemporaryDirectory(prefix: "inline")
        let store = try SummaryStore(path: dir.path("s.sqlite"), create: true)
        let tasks = Self.tasks()
        try store.registerSweep(name: "t", spec: "", tasks: tasks)
        return (dir, store, tasks)
    }

    /// Inline runs record starts like the cluster: a task that follows a long one (and the
    /// first) is `running` in the store, with worker, host and start, while it runs; a short one's
    /// start arrives with its result. Every task ends with one attempt and its start time.
    @Test func aTaskAfterALongOneIsRecordedRunningWhileItRuns() throws {
        let (dir, store, tasks) = try setUp()
        let reader = try SummaryStore(path: dir.path("s.sqlite"), readOnly: true)
        var seenRunning: [Bool] = []
        var options = InlineRunner.Options(batchSize: 100, batchInterval: 3600)
        options.startCommitThreshold = 0.02
        let runner = InlineRunner(
            store: store, options: options,
            simulate: { (c: SimulationConfig) throws(ParameterError) -> SimulationResult in
                let key = SweepTask(config: c).key
                let row = try? reader.task(key)
                seenRunning.append(
                    row?.state == .running && row?.attempts == 1 && row?.host == options.host
                        && row?.worker == options.worker && row?.started != nil)
                // Seed 0 and 1 are long, 2 and 3 short: the task after a long one shows as running.
                if c.seed < 2 { usleep(30_000) }
                return try Self.fake(c)
            })
        _ = try runner.run(tasks)
        // Per depth, seeds 0…3: seed 0 follows seed 3 of the previous depth (short) except the very first.
        let expected = (0..<tasks.count).map { i in i == 0 || [1, 2].contains(i % 4) }
        #expect(seenRunning == expected)
        for t in tasks {
            let row = try #require(try store.task(t.key))
            #expect(row.attempts == 1 && row.started != nil && row.host == options.host, "\(row.state)")
        }
    }

    @Test func runsEveryTaskAndCommitsInBatches() throws {
        let (_, store, tasks) = try setUp()
        let runner = InlineRunner(store: store, options: .init(batchSize: 5, batchInterval: 3600), simulate: Self.fake)
        var commits: [InlineRunner.Progress] = []
        let summary = try runner.run(tasks, progress: { commits.append($0) })
        #expect(summary.succeeded == 11 && summary.failed == 1 && summary.remaining == 0 && !summary.interrupted)
        #expect(commits.map { $0.keys.count } == [5, 5, 2])
        #expect(commits.map(\.finished) == [5, 10, 12])
        #expect(commits.map(\.diverged).reduce(0, +) == 3)
        #expect(try store.statusCounts(sweep: "t") == StatusCounts(done: 11, failed: 1))
        for task in tasks where !(task.config.depth == 4 && task.config.seed == 1) {
            #expect(try store.result(for: task.key)?.steps == 100 * task.config.depth + Int(task.config.seed))
        }
        let failed = try #require(try store.task(tasks[9].key))
        #expect(failed.state == .failed && failed.error == "depth: injected failure" && failed.attempts == 1)
    }

    @Test func stopRequestEndsAfterTheCurrentTaskAndRerunDoesOnlyTheRest() throws {
        let (_, store, tasks) = try setUp()
        var ran: [TaskKey] = []
        let counting: InlineRunner.Simulate = { (c: SimulationConfig) throws(ParameterError) -> SimulationResult in
            ran.append(SweepTask(config: c).key)
            return try Self.fake(c)
        }
        var checks = 0
        let first = try InlineRunner(
            store: store, options: .init(batchSize: 100, batchInterval: 3600), simulate: counting
        )
        .run(
            tasks,
            shouldStop: {
                checks += 1
                return checks > 7  // a stop request arrives while task 7 runs
            })
        #expect(first.interrupted && first.succeeded == 7 && first.remaining == 5)
        #expect(ran == Array(tasks.prefix(7)).map(\.key))
        // The partial batch was committed before returning.
        #expect(try store.statusCounts(sweep: "t").done == 7)

        ran = []
        let missing = try store.unfinishedTasks(sweep: "t")
        #expect(missing.map(\.key) == Array(tasks.suffix(5)).map(\.key))
        let second = try InlineRunner(store: store, simulate: counting).run(missing)
        #expect(!second.interrupted && second.succeeded + second.failed == 5)
        #expect(ran == Array(tasks.suffix(5)).map(\.key))
        #expect(try store.unfinishedTasks(sweep: "t").isEmpty)
        // Failed tasks come back only on request.
        try store.resetFailed(sweep: "t")
        #expect(try store.unfinishedTasks(sweep: "t").map(\.key) == [tasks[9].key])
    }

    @Test func zeroIntervalCommitsEveryResult() throws {
        let (_, store, tasks) = try setUp()
        var sizes: [Int] = []
        let summary = try InlineRunner(
            store: store, options: .init(batchSize: 1000, batchInterval: 0), simulate: Self.fake
        )
        .run(Array(tasks.prefix(4)), progress: { sizes.append($0.keys.count) })
        #expect(summary.succeeded == 4)
        #expect(sizes == [1, 1, 1, 1])
    }
}
