import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The test harness's own child processes must look like a shell's children: nothing blocked,
/// SIGINT/SIGTERM at their default action. (Foundation's `Process` blocks almost every signal in
/// its children on Linux, which once hid a Ctrl-C that killed `run --inline`.)
@Suite struct ChildProcessTests {
    @Test func childrenStartWithNoSignalBlockedAndDieOfAnUnhandledSigint() throws {
        let child = try ChildProcess(["30"], executable: URL(fileURLWithPath: "/bin/sleep"))
        let blocked = try #require(ChildProcess.blockedSignals(of: child.pid))
        #expect(blocked == 0, "SigBlk of a spawned child: \(String(blocked, radix: 16))")
        child.send(signal: SIGINT)
        #expect(child.wait(timeout: 10) == .init(status: SIGINT, signaled: true))
    }

    @Test func dmfsweepChildrenStartWithNoSignalBlocked() throws {
        // `simulate` blocks nothing itself, so its mask is what it inherited.
        let child = try ChildProcess(["simulate", "--steps", "100000000", "--n", "60"])
        let blocked = try #require(ChildProcess.blockedSignals(of: child.pid))
        #expect(blocked == 0, "SigBlk: \(String(blocked, radix: 16))")
        child.send(signal: SIGTERM)
        #expect(child.wait(timeout: 10) == .init(status: SIGTERM, signaled: true))
    }

    @Test func capturesBothStreamsTheExitStatusAndStdin() throws {
        let child = try ChildProcess(
            ["-c", "read line; echo \"out:$line\"; echo err >&2; exit 3"], executable: URL(fileURLWithPath: "/bin/sh"),
            stdin: "hello\n")
        #expect(child.wait(timeout: 10) == .init(status: 3, signaled: false))
        #expect(child.stdout == "out:hello\n")
        #expect(child.stderr == "err\n")
        #expect(child.exitStatus(timeout: 0) == 3)
    }

    @Test func releasingARunningChildKillsIt() throws {
        var child: ChildProcess? = try ChildProcess(["30"], executable: URL(fileURLWithPath: "/bin/sleep"))
        let pid = try #require(child?.pid)
        #expect(kill(pid, 0) == 0)
        child = nil
        // Killed and reaped: the pid no longer exists (or, at worst, belongs to someone else's zombie-free process).
        #expect(kill(pid, 0) != 0)
    }
}
