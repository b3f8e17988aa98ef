import Foundation
import TestSupport
import Testing

@testable import SummaryStore

/// A child process writing batches is killed with SIGKILL, on both engines; the store must be
/// sound and hold every batch the child reported committed, and no part of any other batch.
@Suite struct CrashTests {
    @Test(arguments: StoreEngine.allCases) func sigkillDuringBatchedWritesLosesNothingCommitted(
        engine: StoreEngine
    ) throws {
        let dir = try TemporaryDirectory(prefix: "store-crash")
        let database = engine == .postgresql ? try TestPostgres.freshDatabase() : nil
        defer { withExtendedLifetime(database) {} }
        let location = database?.uri ?? dir.path("crash.sqlite")
        let batch = 40
        // Killed on release whatever happens below: the child does not outlive the test.
        let child = try ChildProcess(
            [location, "4000", String(batch)],
            executable: TestPaths.productsDirectory.appendingPathComponent("dmfsweep-store-writer"))
        _ = child.waitForOutput(timeout: 60) { $0.components(separatedBy: "committed ").count - 1 >= 6 }
        child.send(signal: SIGKILL)
        #expect(child.wait(timeout: 30) == .init(status: SIGKILL, signaled: true))
        let text = child.stdout

        // Only complete lines count: a line cut by the kill was printed after its commit anyway.
        let committed = text.split(separator: "\n").filter { $0.hasPrefix("committed ") }
            .flatMap { $0.dropFirst("committed ".count).split(separator: " ").map(String.init) }
        #expect(committed.count >= 6 * batch - batch)

        let store = try SummaryStore(location: StoreLocation(location))
        #expect(try store.integrityCheck() == ["ok"])
        if engine == .sqlite { #expect(try store.connection.scalarText("PRAGMA foreign_key_check") == nil) }
        // PostgreSQL's result tables have no foreign keys: no row may name a missing task.
        #expect(try store.orphanRows() == [])
        for key in Set(committed) {
            let task = try #require(try store.task(.init(hex: key)), "committed task \(key) is missing")
            #expect(task.state == .done)
            let result = try #require(try store.result(for: .init(hex: key)))
            #expect(result.intervals.count == 3 && result.trajectory.count == 400)
        }
        // Nothing half-written: every done task has exactly one result, three intervals, one
        // trajectory, and whole batches only.
        let d = store.database
        let done = try d.scalar("SELECT count(*) FROM tasks WHERE status = 'done'")?.intValue ?? -1
        #expect(try d.scalar("SELECT count(*) FROM results")?.intValue == done)
        #expect(try d.scalar("SELECT count(*) FROM trajectories")?.intValue == done)
        #expect(try d.scalar("SELECT count(*) FROM intervals")?.intValue == 3 * done)
        #expect(done % batch == 0 || done == 4000)
        #expect(done >= Set(committed).count)
    }
}
