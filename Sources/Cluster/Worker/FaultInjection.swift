import Foundation
import Sweeps

#if canImport(Glibc)
    import Glibc
#endif

/// Test-only fault injection, read from the environment (documented in docs/protocol.md):
/// - `DMFSWEEP_FAULT_CRASH_KEY=PREFIX`: the worker kills itself (SIGKILL) when it starts a task
///   whose key begins with PREFIX — a "poison task".
/// - `DMFSWEEP_FAULT_TASK_SLEEP_MS=N`: every task takes N ms longer (to kill workers mid-task).
/// - `DMFSWEEP_FAULT_SEND_LIMIT_BYTES=N`: the worker may send messages of at most N bytes (as if
///   the coordinator accepted no more), so a result larger than that cannot be sent.
/// - `DMFSWEEP_FAULT_CORRUPT_RESULTS=1`: result batches holding a success go out with a stray
///   trailing byte, so the coordinator cannot decode them (it answers `rejected`).
/// - `DMFSWEEP_FAULT_EXECUTION_LOG=FILE`: the worker appends `KEY\n` to FILE each time a task
///   starts (tests count executions across processes).
struct FaultInjection: Sendable {
    var crashKeyPrefix: String?
    var sleepMilliseconds = 0
    var sendLimitBytes: Int?
    var executionLog: String?
    var corruptResults = false

    static func fromEnvironment() -> FaultInjection {
        let env = ProcessInfo.processInfo.environment
        var f = FaultInjection()
        if let k = env["DMFSWEEP_FAULT_CRASH_KEY"], !k.isEmpty { f.crashKeyPrefix = k }
        if let s = env["DMFSWEEP_FAULT_TASK_SLEEP_MS"], let ms = Int(s), ms > 0 { f.sleepMilliseconds = ms }
        if let s = env["DMFSWEEP_FAULT_SEND_LIMIT_BYTES"], let n = Int(s), n > 0 { f.sendLimitBytes = n }
        if let p = env["DMFSWEEP_FAULT_EXECUTION_LOG"], !p.isEmpty { f.executionLog = p }
        f.corruptResults = env["DMFSWEEP_FAULT_CORRUPT_RESULTS"] == "1"
        return f
    }

    func beforeTask(_ key: Sweeps.TaskKey) {
        if let path = executionLog {
            // One write(2) with O_APPEND per line: lines of several processes never interleave.
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let line = Array((key.hex + "\n").utf8)
                _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
        }
        if let p = crashKeyPrefix, key.hex.hasPrefix(p) { kill(getpid(), SIGKILL) }
        if sleepMilliseconds > 0 { usleep(UInt32(sleepMilliseconds) * 1000) }
    }
}
