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
        #expect(try SummaryStore.liveStates(in: reader.connection).count == 2)
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

    @Test func failedAttemptsOnlyGrowAndDoneTasksAreLeftAlone() throws {
        let (_, store) = try Fixtures.store()
        let tasks = (0..<3).map { Fixtures.task($0) }
        _ = try store.registerSweep(name: "s", spec: "", tasks: tasks)
        try store.recordResults([CompletedTask(key: tasks[2].key, result: Fixtures.result(seed: 2))])
        let doneAttempts = try #require(try store.task(tasks[2].key)?.attempts)
        try store.markFailed([
            TaskFailure(key: tasks[0].key, error: "died", attempts: 3),
            TaskFailure(key: tasks[1].key, error: "bad config"),
            TaskFailure(key: tasks[2].key, error: "late", attempts: 5),
        ])
        #expect(try store.task(tasks[0].key)?.attempts == 3)
        #expect(try store.task(tasks[1].key)?.attempts == 1)
        #expect(try store.task(tasks[2].key)?.attempts == doneAttempts && store.task(tasks[2].key)?.state == .done)
        try store.markFailed([TaskFailure(key: tasks[0].key, error: "again", attempts: 2)])
        #expect(try store.task(tasks[0].key)?.attempts == 3 && store.task(tasks[0].key)?.error == "again")
    }
}
