import Factorization
import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

@Suite struct StoreWriteTests {
    private func rowCount(_ store: SummaryStore, _ table: String) throws -> Int {
        try store.connection.scalarInt("SELECT count(*) FROM \(table)") ?? -1
    }

    @Test func registrationCountsNewExistingAndDone() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let a = Fixtures.grid(depths: [2, 3], alphas: [0.1], seeds: 3)  // keys 0..5
        let first = try store.registerSweep(name: "a", spec: "name: a", tasks: a + [a[0]])
        #expect(first == SweepRegistration(total: 6, new: 6, existing: 0, done: 0))
        try store.recordResults([CompletedTask(key: a[1].key, result: Fixtures.result(seed: 1))])
        // Sweep b shares tasks 4 and 5 with sweep a, and adds two of its own.
        let b = Array(a[4...]) + [Fixtures.task(100), Fixtures.task(101)]
        #expect(
            try store.registerSweep(name: "b", spec: "name: b", tasks: b)
                == SweepRegistration(total: 4, new: 2, existing: 2, done: 0))
        #expect(
            try store.registerSweep(name: "a", spec: "name: a", tasks: a)
                == SweepRegistration(total: 6, new: 0, existing: 6, done: 1))
        #expect(try rowCount(store, "tasks") == 8)
        #expect(try store.statusCounts(sweep: "a") == StatusCounts(pending: 5, done: 1))
        #expect(try store.statusCounts(sweep: "b") == StatusCounts(pending: 4))
        #expect(try store.statusCounts() == StatusCounts(pending: 7, done: 1))
        let names = try store.sweeps().map(\.name)
        #expect(names == ["a", "b"])
    }

    @Test func recordingTwiceLeavesOneRowPerTaskAndRank() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let tasks = Fixtures.grid(depths: [3], alphas: [0.1, 0.2], seeds: 2)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        let batch = tasks.enumerated().map { CompletedTask(key: $1.key, result: Fixtures.result(seed: $0)) }
        try store.recordResults(batch)
        try store.recordResults(batch)
        // The same task again with fewer ranks: the old rank-3 row must go.
        let changed = Fixtures.result(seed: 99, ranks: 2)
        try store.recordResults([CompletedTask(key: tasks[0].key, result: changed)])
        #expect(try rowCount(store, "results") == 4)
        #expect(try rowCount(store, "trajectories") == 4)
        // Per measure (entropy and ratio): three ranks for three tasks, two for the changed one.
        #expect(try rowCount(store, "intervals") == 2 * (3 * 3 + 2))
        #expect(try store.result(for: tasks[0].key) == changed)
        #expect(try store.statusCounts(sweep: "s").done == 4)
    }

    @Test(arguments: [false, true])
    func resultsRoundTripExactly(noisy: Bool) throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let tasks = Fixtures.grid(depths: [2], alphas: [0.1], seeds: 4)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        let results = tasks.indices.map {
            Fixtures.result(seed: $0, status: $0 == 2 ? .diverged : .finished, noisy: noisy)
        }
        try store.recordResults(zip(tasks, results).map { CompletedTask(key: $0.key, result: $1, worker: "w1") })
        for (task, result) in zip(tasks, results) {
            #expect(try store.result(for: task.key) == result)
            #expect(try store.task(task.key)?.worker == "w1")
        }
        #expect(try store.result(for: Fixtures.task(999).key) == nil)
    }

    @Test func unfinishedTasksRebuildConfigsFromTypedColumns() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let tasks = Fixtures.grid(depths: [2, 4], alphas: [0.01, 0.3], seeds: 2)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        try store.recordResults([CompletedTask(key: tasks[2].key, result: Fixtures.result(seed: 2))])
        let open = try store.unfinishedTasks(sweep: "s")
        let expected = tasks.enumerated().filter { $0.offset != 2 }.map(\.element)
        #expect(open.map(\.key) == expected.map(\.key))
        #expect(open.map(\.canonicalJSON) == expected.map(\.canonicalJSON))
        // Rebuilt from resolved columns: the same task (same canonical form), n and spectrum explicit.
        #expect(open.map { CanonicalForm.json(for: $0.config) } == expected.map { CanonicalForm.json(for: $0.config) })
        #expect(open.allSatisfy { $0.config.n == 3 && $0.config.spectrum == [10, 5, 2.5] })
        #expect(try store.unfinishedTasks(sweep: "s", limit: 2) == Array(open.prefix(2)))
        // The typed columns hold what a user queries: check two of them straight from SQL.
        let depth = try store.connection.scalarInt("SELECT p_depth FROM tasks WHERE key = ?", [.text(tasks[7].key.hex)])
        #expect(depth == 4)
        let spectrum = try store.connection.scalarText(
            "SELECT p_spectrum FROM tasks WHERE key = ?", [.text(tasks[0].key.hex)])
        #expect(spectrum == "10.0,5.0,2.5")
        // n was left to its default: the column holds the resolved dimension.
        #expect(try store.connection.scalarInt("SELECT p_n FROM tasks WHERE key = ?", [.text(tasks[0].key.hex)]) == 3)
    }

    @Test func failuresRetriesAndUnknownKeys() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let tasks = Fixtures.grid(depths: [2], alphas: [0.1], seeds: 3)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        try store.markRunning(
            [tasks[0].key, tasks[1].key].map { TaskStart(key: $0, worker: "host:1", host: "host", started: Date()) })
        #expect(try store.statusCounts(sweep: "s") == StatusCounts(pending: 1, running: 2))
        let unknown = Fixtures.task(500).key
        let summary = try store.markFailed([
            TaskFailure(key: tasks[0].key, error: "boom"), TaskFailure(key: unknown, error: "x"),
        ])
        #expect(summary == RecordSummary(recorded: 1, unknown: [unknown]))
        let failed = try #require(try store.task(tasks[0].key))
        #expect(failed.state == .failed && failed.error == "boom" && failed.attempts == 1 && failed.worker == "host:1")
        #expect(try store.unfinishedTasks(sweep: "s").map(\.key) == [tasks[1].key, tasks[2].key])
        #expect(try store.unfinishedTasks(sweep: "s", includeFailed: true).count == 3)
        // A result for an unknown key is skipped and reported; the rest of the batch is written.
        let rec = try store.recordResults([
            CompletedTask(key: unknown, result: Fixtures.result(seed: 1)),
            CompletedTask(key: tasks[1].key, result: Fixtures.result(seed: 1)),
        ])
        #expect(rec == RecordSummary(recorded: 1, unknown: [unknown]))
        // A late failure report must not undo a result.
        try store.markFailed([TaskFailure(key: tasks[1].key, error: "late")])
        #expect(try store.task(tasks[1].key)?.state == .done)
        #expect(try store.resetFailed(sweep: "s") == 1)
        let retried = try #require(try store.task(tasks[0].key))
        #expect(retried.state == .pending && retried.error == nil && retried.attempts == 1)
        #expect(try store.statusCounts(sweep: "s") == StatusCounts(pending: 2, done: 1))
    }

    /// Growing a sweep adds tasks; a task list that drops some is refused (nothing written)
    /// unless `replace`, and then the dropped tasks leave the sweep but keep their results.
    @Test func reregisteringASweepThatDropsTasksNeedsReplace() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let a = Fixtures.grid(depths: [2, 3], alphas: [0.1], seeds: 2)  // 4 tasks
        try store.registerSweep(name: "a", spec: "v1", tasks: a)
        try store.recordResults([CompletedTask(key: a[0].key, result: Fixtures.result(seed: 0))])
        let grown = a + [Fixtures.task(50)]
        #expect(
            try store.registerSweep(name: "a", spec: "v2", tasks: grown)
                == SweepRegistration(total: 5, new: 1, existing: 4, done: 1))
        let other = [Fixtures.task(60), a[1]]
        #expect(throws: StoreError.sweepChanged(name: "a", dropped: 4, total: 2)) {
            try store.registerSweep(name: "a", spec: "other", tasks: other)
        }
        #expect(try store.statusCounts(sweep: "a") == StatusCounts(pending: 4, done: 1))
        #expect(try store.sweepSpec("a") == "v2")
        #expect(try rowCount(store, "tasks") == 5)
        var replaced = try store.registerSweep(name: "a", spec: "other", tasks: other, replace: true)
        #expect(replaced.dropped == 4)
        replaced.dropped = 0
        #expect(replaced == SweepRegistration(total: 2, new: 1, existing: 1, done: 0))
        #expect(try store.statusCounts(sweep: "a") == StatusCounts(pending: 2))
        #expect(try store.result(for: a[0].key) != nil, "a dropped task keeps its result")
    }

    /// `sweeps()`'s `updated` moves with the results, not only with registrations.
    @Test func sweepUpdatedIsTheLastResultTime() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let tasks = Fixtures.grid(depths: [2], alphas: [0.05], seeds: 4)
        try store.registerSweep(name: "s", spec: "", tasks: tasks)
        try store.connection.execute("UPDATE sweeps SET created = 500, updated = 1000")
        #expect(try store.sweeps().first?.updated == Date(timeIntervalSince1970: 1000))
        try store.recordResults([CompletedTask(key: tasks[0].key, result: Fixtures.result(seed: 0))])
        try store.markFailed([TaskFailure(key: tasks[1].key, error: "boom", worker: nil)])
        try store.connection.execute("UPDATE tasks SET finished = 2000 WHERE key = '\(tasks[0].key.hex)'")
        try store.connection.execute("UPDATE tasks SET finished = 3000 WHERE key = '\(tasks[1].key.hex)'")
        #expect(try store.sweeps().first?.updated == Date(timeIntervalSince1970: 3000))
        // A later registration still counts.
        try store.connection.execute("UPDATE sweeps SET updated = 4000")
        #expect(try store.sweeps().first?.updated == Date(timeIntervalSince1970: 4000))
    }

    @Test func unknownSweepSuggestsAName() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        try store.registerSweep(name: "depth-vs-alpha", spec: "", tasks: [Fixtures.task(1)])
        #expect(throws: StoreError.unknownSweep(name: "depth-vs-alpah", suggestion: "depth-vs-alpha")) {
            try store.statusCounts(sweep: "depth-vs-alpah")
        }
    }

    @Test func packedArraysAreLittleEndianFloat64() {
        let data = PackedArray.pack([1.0, -2.5])
        // 1.0 = 0x3FF0000000000000, stored least significant byte first.
        #expect(Array(data) == [0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0x04, 0xC0])
        #expect(PackedArray.ints(PackedArray.pack([0, -1, 1 << 40])) == [0, -1, 1 << 40])
        #expect(PackedArray.doubles(Data([1, 2, 3])) == nil)
    }
}
