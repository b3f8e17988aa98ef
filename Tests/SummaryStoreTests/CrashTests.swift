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
        let child = Process()
        child.executableURL = TestPaths.productsDirectory.appendingPathComponent("dmfsweep-store-writer")
        child.arguments = [path, "4000", String(batch)]
        let out = Pipe()
        child.standardOutput = out
        child.standardError = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        child.terminationHandler = { _ in exited.signal() }
        try child.run()
        let pid = child.processIdentifier
        // Whatever happens below, the child does not outlive the test.
        defer {
            if child.isRunning { kill(pid, SIGKILL) }
        }
        // A watchdog: a child that hangs is killed after 60 s (the test then fails on its output).
        DispatchQueue.global().asyncAfter(deadline: .now() + 60) { kill(pid, SIGKILL) }

        var text = ""
        let reader = out.fileHandleForReading
        while text.components(separatedBy: "committed ").count - 1 < 6 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // the child died early
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(pid, SIGKILL)
        exited.wait()
        text += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)

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
