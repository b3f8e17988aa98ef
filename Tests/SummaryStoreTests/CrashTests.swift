import Foundation
import TestSupport
import Testing

@testable import SummaryStore

/// A child process writing batches is killed with SIGKILL; the file must be sound and hold every
/// batch the child reported committed, and no part of any other batch.
@Suite struct CrashTests {
    @Test func sigkillDuringBatchedWritesLosesNothingCommitted() throws {
        let dir = try TemporaryDirectory(prefix: "store-crash")
        let path = dir.path("crash.sqlite")
        let batch = 40
        // Killed on release whatever happens below: the child does not outlive the test.
        let child = try ChildProcess(
            [path, "4000", String(batch)],
            executable: TestPaths.productsDirectory.appendingPathComponent("dmfsweep-store-writer"))
        _ = child.waitForOutput(timeout: 60) { $0.components(separatedBy: "committed ").count - 1 >= 6 }
        child.send(signal: SIGKILL)
        #expect(child.wait(timeout: 30) == .init(status: SIGKILL, signaled: true))
        let text = child.stdout

        // Only complete lines count: a line cut by the kill was printed after its commit anyway.
        let committed = text.split(separator: "\n").filter { $0.hasPrefix("committed ") }
            .flatMap { $0.dropFirst("committed ".count).split(separator: " ").map(String.init) }
        #expect(committed.count >= 6 * batch - batch)

        let store = try SummaryStore(path: path)
        #expect(try store.integrityCheck() == ["ok"])
        #expect(try store.connection.scalarText("PRAGMA foreign_key_check") == nil)
        for key in Set(committed) {
            let task = try #require(try store.task(.init(hex: key)), "committed task \(key) is missing")
            #expect(task.state == .done)
            let result = try #require(try store.result(for: .init(hex: key)))
            #expect(result.intervals.count == 3 && result.trajectory.count == 400)
        }
        // Nothing half-written: every done task has exactly one result, three intervals, one
        // trajectory, and whole batches only.
        let c = store.connection
        let done = try c.scalarInt("SELECT count(*) FROM tasks WHERE status = 'done'") ?? -1
        #expect(try c.scalarInt("SELECT count(*) FROM results") == done)
        #expect(try c.scalarInt("SELECT count(*) FROM trajectories") == done)
        #expect(try c.scalarInt("SELECT count(*) FROM intervals") == 3 * done)
        #expect(done % batch == 0 || done == 4000)
        #expect(done >= Set(committed).count)
    }
}
