import Cluster
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps K worker processes alive until told to finish.
///
/// Each slot has a thread that spawns `dmfsweep worker` (in its own process group, so a Ctrl-C on
/// the terminal reaches only the coordinator), waits for it, and starts a new one when it died
/// unexpectedly (a poison task kills workers until it is marked failed), up to a restart budget.
final class WorkerSupervisor: Sendable {
    private struct State {
        var pids: Set<pid_t> = []
        var finishing = false
        var restartsLeft: Int
    }

    private let executable: String
    private let arguments: [String]
    private let count: Int
    private let log: LogSink
    private let state: Mutex<State>
    private let group = DispatchGroup()

    init(executable: String, arguments: [String], count: Int, restarts: Int, log: @escaping LogSink) {
        self.executable = executable
        self.arguments = arguments
        self.count = count
        self.state = Mutex(State(restartsLeft: restarts))
        self.log = log
    }

    /// Starts the K slot threads.
    func start() {
        for slot in 0..<count {
            group.enter()
            let t = Thread { [self] in
                self.supervise(slot: slot)
                self.group.leave()
            }
            t.name = "dmfsweep-supervisor-\(slot)"
            t.start()
        }
    }

    /// Ends the workers: after a complete sweep they exit by themselves (they were told); otherwise
    /// (or if they linger) they get SIGTERM, then SIGKILL.
    func finish(complete: Bool) {
        state.withLock { $0.finishing = true }
        if complete && group.wait(timeout: .now() + 1) == .success { return }
        signalAll(SIGTERM)
        if group.wait(timeout: .now() + 3) == .success { return }
        signalAll(SIGKILL)
        _ = group.wait(timeout: .now() + 3)
    }

    private func signalAll(_ sig: Int32) {
        for pid in state.withLock({ $0.pids }) { kill(pid, sig) }
    }

    private func supervise(slot: Int) {
        while true {
            let pid: pid_t
            do {
                pid = try spawn(arguments + ["--name", "\(ProcessInfo.processInfo.hostName)-w\(slot)"])
            } catch {
                log(LogRecord(.error, "spawn_failed", "cannot start a worker: \(error)"))
                return
            }
            let registered = state.withLock { state in
                if state.finishing { return false }
                state.pids.insert(pid)
                return true
            }
            if !registered { kill(pid, SIGTERM) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let signal = status & 0x7F
            let code = (status >> 8) & 0xFF
            let again = state.withLock { state in
                state.pids.remove(pid)
                guard !state.finishing, signal != 0 || (code != 0 && code != 130) else { return false }
                guard state.restartsLeft > 0 else { return false }
                state.restartsLeft -= 1
                return true
            }
            if !again {
                if !state.withLock({ $0.finishing }) && (signal != 0 || code != 0) {
                    log(
                        LogRecord(
                            .error, "worker_gone",
                            "worker \(slot) ended (\(Self.describe(signal, code))) and is not restarted (restart budget used up)"
                        ))
                }
                return
            }
            log(
                LogRecord(
                    .warning, "worker_restarted",
                    "worker \(slot) ended (\(Self.describe(signal, code))); starting a new one"))
            usleep(200_000)
        }
    }

    private static func describe(_ signal: Int32, _ code: Int32) -> String {
        signal != 0 ? "killed by signal \(signal)" : "exit status \(code)"
    }

    /// posix_spawn in a new process group, with SIGINT/SIGTERM unblocked and at their defaults.
    private func spawn(_ args: [String]) throws -> pid_t {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attr, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + args).map { strdup($0) } + [nil]
        // K single-task workers share the cores: one BLAS thread each, unless the user chose.
        var environment = ProcessInfo.processInfo.environment
        if environment["OPENBLAS_NUM_THREADS"] == nil { environment["OPENBLAS_NUM_THREADS"] = "1" }
        // The worker asks for a parent-death signal (main.swift): it ends when `run` ends, however.
        environment[WorkerParent.environmentVariable] = "\(getpid())"
        let env: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in env { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, nil, &attr, argv, env)
        guard rc == 0 else { throw CommandFailure("posix_spawn \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }
}

/// How a worker started by `run` knows its parent (to die with it).
enum WorkerParent {
    /// The parent's pid, set by `WorkerSupervisor` for the `worker` processes it spawns.
    static let environmentVariable = "DMFSWEEP_PARENT_PID"
}
