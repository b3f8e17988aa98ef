import Foundation
import TestSupport
import Testing

@testable import SummaryStore

/// The runtime's store API: live state (`cluster_live`, part of schema version 1) and failed
/// attempts. The runtime itself writes no SQL.
@Suite struct LiveStateTests {
    @Test func liveStatesRoundTripAndTheLatestWins() throws {
        let (dir, store) = try Fixtures.store()
        #expect(try store.liveStates().isEmpty)
        try store.publishLiveState(sweep: "a", updated: 10, json: #"{"phase":"running"}"#)
        try store.publishLiveState(sweep: "b", updated: 11, json: "{}")
        try store.publishLiveState(sweep: "a", updated: 12, json: #"{"phase":"finished"}"#)
        let reader = try SummaryStore(path: dir.path("s.sqlite"), readOnly: true)
        #expect(
            try reader.liveStates() == [
                "a": LiveStateRecord(sweep: "a", updated: 12, json: #"{"phase":"finished"}"#),
                "b": LiveStateRecord(sweep: "b", updated: 11, json: "{}"),
            ])
        #expect(try reader.liveStates().count == 2)
    }

    /// A version-1 store written before `cluster_live` joined the schema: readers see no live
    /// state; the first read-write open adds the table without changing the version.
    @Test func aVersionOneStoreWithoutTheTableGetsItOnAReadWriteOpen() throws {
        let (dir, store) = try Fixtures.store()
        let path = dir.path("s.sqlite")
        try store.connection.execute("DROP TABLE cluster_live")
        let old = try SummaryStore(path: path, readOnly: true)
        #expect(try old.liveStates().isEmpty)
        #expect(throws: StoreError.self) { try old.publishLiveState(sweep: "a", updated: 1, json: "{}") }
        let writer = try SummaryStore(path: path)
        try writer.publishLiveState(sweep: "a", updated: 1, json: "{}")
        #expect(try writer.liveStates()["a"]?.updated == 1)
        #expect(try writer.connection.scalarInt("PRAGMA user_version") == SummaryStore.schemaVersion)
        #expect(try writer.integrityCheck() == ["ok"])
    }

    /// Attempts count starts: a recorded start counts one, a failure that carries its unrecorded
    /// start counts it, a failure without any start is at least 1; done tasks are left alone.
    @Test func attemptsCountStartsAndDoneTasksAreLeftAlone() throws {
        let (storeDirectory, store) = try Fixtures.store()
        defer { withExtendedLifetime(storeDirectory) {} }
        let tasks = (0..<3).map { Fixtures.task($0) }
        _ = try store.registerSweep(name: "s", spec: "", tasks: tasks)
        try store.recordResults([CompletedTask(key: tasks[2].key, result: Fixtures.result(seed: 2))])
        let doneAttempts = try #require(try store.task(tasks[2].key)?.attempts)
        let at = Date(timeIntervalSince1970: 1000)
        try store.markRunning([TaskStart(key: tasks[0].key, worker: "w1", host: "h1", started: at)])
        try store.markPending([tasks[0].key])
        try store.markRunning([TaskStart(key: tasks[0].key, worker: "w2", host: "h2", started: at)])
        try store.markFailed([
            TaskFailure(key: tasks[0].key, error: "died"),
            TaskFailure(key: tasks[1].key, error: "bad config"),
            TaskFailure(
                key: tasks[2].key, error: "late",
                start: TaskStart(key: tasks[2].key, worker: "w", host: "h", started: at)),
        ])
        let first = try #require(try store.task(tasks[0].key))
        #expect(first.attempts == 2 && first.worker == "w2" && first.host == "h2" && first.state == .failed)
        #expect(try store.task(tasks[1].key)?.attempts == 1)
        #expect(try store.task(tasks[2].key)?.attempts == doneAttempts && store.task(tasks[2].key)?.state == .done)
        try store.resetFailed(sweep: "s")
        try store.markFailed([
            TaskFailure(
                key: tasks[0].key, error: "again",
                start: TaskStart(key: tasks[0].key, worker: "w3", host: "h3", started: at))
        ])
        let again = try #require(try store.task(tasks[0].key))
        #expect(again.attempts == 3 && again.error == "again" && again.host == "h3")
    }
}
