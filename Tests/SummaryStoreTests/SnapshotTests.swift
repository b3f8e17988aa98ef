import Foundation
import Sweeps
import TestSupport
import Testing

@testable import SummaryStore

/// A long-lived connection must not hold a read transaction between uses: in WAL mode that pins
/// a snapshot, no checkpoint can move past it and the `-wal` file grows for the whole run.
@Suite struct SnapshotTests {
    /// Every store operation, in the order a run uses them, on one long-lived connection.
    static func operations(_ store: SummaryStore, _ tasks: [SweepTask]) -> [(String, () throws -> Void)] {
        let start = { (i: Int) in TaskStart(key: tasks[i].key, worker: "w", host: "h", started: Date()) }
        return [
            ("registerSweep", { try store.registerSweep(name: "s", spec: "", tasks: tasks) }),
            ("registerSweep again", { try store.registerSweep(name: "s", spec: "", tasks: tasks) }),
            ("unfinishedTasks", { _ = try store.unfinishedTasks(sweep: "s", limit: 1) }),
            ("markRunning", { try store.markRunning([start(0), start(1)]) }),
            (
                "recordResults",
                { try store.recordResults([CompletedTask(key: tasks[0].key, result: Fixtures.result(seed: 0))]) }
            ),
            ("markFailed", { try store.markFailed([TaskFailure(key: tasks[1].key, error: "boom")]) }),
            ("markPending", { try store.markPending([tasks[2].key]) }),
            ("doneKeys", { _ = try store.doneKeys(among: tasks.map(\.key)) }),
            ("task", { _ = try store.task(tasks[0].key) }),
            ("tasks(in:)", { _ = try store.tasks(in: .failed, sweep: "s", limit: 1) }),
            ("result(for:)", { _ = try store.result(for: tasks[0].key) }),
            ("statusCounts", { _ = try store.statusCounts(sweep: "s") }),
            ("sweeps", { _ = try store.sweeps() }),
            ("sweepSpec", { _ = try store.sweepSpec("s") }),
            ("publishLiveState", { try store.publishLiveState(sweep: "s", updated: 1, json: "{}") }),
            ("liveStates", { _ = try store.liveStates() }),
            ("integrityCheck", { _ = try store.integrityCheck() }),
        ]
    }

    @Test func noStoreOperationLeavesAStatementActive() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let tasks = (0..<4).map { Fixtures.task($0) }
        for (name, operation) in Self.operations(store, tasks) {
            try operation()
            #expect(store.connection.activeStatementCount == 0, "\(name) left a statement active")
            #expect(!store.connection.isInTransaction, "\(name) left a transaction open")
        }
    }

    /// The observable effect: after each operation of the long-lived connection, another
    /// connection can checkpoint the whole WAL and truncate it (a pinned snapshot makes it BUSY).
    @Test func aTruncatingCheckpointSucceedsBetweenUses() throws {
        let (dir, store) = try Fixtures.store()
        let tasks = (0..<4).map { Fixtures.task($0) }
        let other = try Connection(path: dir.path("s.sqlite"), mode: .readWrite, busyTimeout: 0.2)
        for (name, operation) in Self.operations(store, tasks) {
            try operation()
            let result = try other.checkpoint(.truncate)
            #expect(!result.busy, "after \(name): the checkpoint was blocked")
            let wal = try FileManager.default.attributesOfItem(atPath: dir.path("s.sqlite-wal"))[.size] as? Int
            #expect(wal == 0, "after \(name): -wal is \(wal ?? -1) bytes")
        }
    }
}
