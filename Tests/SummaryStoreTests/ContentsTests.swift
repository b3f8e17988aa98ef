import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// The bulk reads the report uses (one query per table) give exactly what the per-task reads give.
@Suite struct ContentsTests {
    @Test func sweepContentsEqualsPerTaskReads() throws {
        let (dir, store) = try Fixtures.store()
        defer { withExtendedLifetime(dir) {} }
        let tasks = Fixtures.grid(depths: [2, 3], alphas: [0.01, 0.1], seeds: 4)
        try store.registerSweep(name: "main", spec: "", tasks: tasks)
        try store.registerSweep(
            name: "other", spec: "", tasks: Fixtures.grid(depths: [4], alphas: [0.1], seeds: 2, base: 99))
        var done: [CompletedTask] = []
        for (i, task) in tasks.enumerated() where i % 5 != 3 {
            done.append(CompletedTask(key: task.key, result: Fixtures.result(seed: i, noisy: i % 2 == 0)))
        }
        try store.record(completed: done, failed: [TaskFailure(key: tasks[3].key, error: "boom")])
        let contents = try store.sweepContents("main", trajectories: true)
        #expect(contents.map(\.task.key) == tasks.map(\.key))
        for item in contents {
            #expect(item.task == (try store.task(item.task.key)))
            #expect(item.result == (try store.result(for: item.task.key)))
        }
        #expect(contents.filter { $0.result != nil }.count == done.count)
        let light = try store.sweepContents("main")
        #expect(light.allSatisfy { $0.result?.trajectory.isEmpty ?? true })
        let curves = try store.trajectories(for: [tasks[0].key, tasks[1].key, tasks[3].key])
        #expect(curves.count == 2)
        #expect(curves[tasks[1].key] == (try store.result(for: tasks[1].key))?.trajectory)
        #expect(throws: StoreError.self) { try store.sweepContents("nope") }
    }

    @Test func runFactsAndTimingCountWhatWasRecorded() throws {
        let (dir, store) = try Fixtures.store()
        defer { withExtendedLifetime(dir) {} }
        let tasks = Fixtures.grid(depths: [2], alphas: [0.1], seeds: 3)
        try store.registerSweep(name: "main", spec: "", tasks: tasks)
        try store.record(
            completed:
                tasks.prefix(2).enumerated().map { i, t in
                    CompletedTask(key: t.key, result: Fixtures.result(seed: i), worker: "w\(i)")
                }, failed: [])
        let facts = try store.runFacts(sweep: "main")
        #expect(facts.workers == 2)
        #expect(facts.lastFinish != nil)
        let timing = try store.timing()
        #expect(timing.tasks == 3)
        #expect(timing.results == 2)
        #expect(timing.computeSeconds?.total == Fixtures.result(seed: 0).seconds + Fixtures.result(seed: 1).seconds)
        #expect(timing.paths.map(\.path) == ["spectral"])
        #expect(timing.paths.map(\.count) == [2])
    }
}
