import Foundation
import Sweeps

#if canImport(Glibc)
    import Glibc
#endif

/// Test-only fault injection, read from the environment (documented in docs/protocol.md):
/// - `DMFSWEEP_FAULT_CRASH_KEY=PREFIX`: the worker kills itself (SIGKILL) when it starts a task
///   whose key begins with PREFIX — a "poison task".
/// - `DMFSWEEP_FAULT_TASK_SLEEP_MS=N`: every task takes N ms longer (to kill workers mid-task).
struct FaultInjection: Sendable {
    var crashKeyPrefix: String?
    var sleepMilliseconds = 0

    static func fromEnvironment() -> FaultInjection {
        let env = ProcessInfo.processInfo.environment
        var f = FaultInjection()
        if let k = env["DMFSWEEP_FAULT_CRASH_KEY"], !k.isEmpty { f.crashKeyPrefix = k }
        if let s = env["DMFSWEEP_FAULT_TASK_SLEEP_MS"], let ms = Int(s), ms > 0 { f.sleepMilliseconds = ms }
        return f
    }

    func beforeTask(_ key: Sweeps.TaskKey) {
        if let p = crashKeyPrefix, key.hex.hasPrefix(p) { kill(getpid(), SIGKILL) }
        if sleepMilliseconds > 0 { usleep(UInt32(sleepMilliseconds) * 1000) }
    }
}
