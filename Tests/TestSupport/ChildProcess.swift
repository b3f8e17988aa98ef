import CSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one way tests start child processes: `posix_spawn` with an EMPTY signal mask and default
/// actions for the usual signals, stdout and stderr captured through pipes read on background
/// threads, and SIGKILL on release if the child still runs (a failing test leaves no children).
///
/// Why not Foundation's `Process`: on Linux it starts children with almost every signal blocked
/// (SigBlk fffffffe3bfbea27), so a child that would die from an unhandled SIGINT survives it in a
/// test — the test passes while a user's Ctrl-C kills the program. A child started here has the
/// signal state a shell gives it.
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    /// Shared with the reader and reaper threads (which must not retain `self`, or releasing a
    /// running child would never kill it).
    private let state = SharedState()

    /// How a child ended.
    public struct Termination: Sendable, Equatable, CustomStringConvertible {
        /// The exit status, or the signal number when `signaled`.
        public var status: Int32
        /// Whether a signal ended it.
        public var signaled: Bool
        public init(status: Int32, signaled: Bool) {
            self.status = status
            self.signaled = signaled
        }
        public var description: String { signaled ? "killed by signal \(status)" : "exit \(status)" }
    }

    /// Signals reset to their default action in the child (ignored ones are inherited otherwise).
    public static let defaultedSignals: [Int32] = [
        SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM,
    ]

    /// Starts `executable ARGS`.
    /// - Parameters:
    ///   - arguments: its arguments.
    ///   - executable: the program (default: the built `dmfsweep`).
    ///   - environment: extra environment variables (over this process's).
    ///   - stdin: text written to its standard input (then closed); `nil`: /dev/null.
    ///   - mergeStderr: send stderr into the stdout pipe (one interleaved `stdout` text).
    public init(
        _ arguments: [String], executable: URL = TestPaths.dmfsweep, environment: [String: String] = [:],
        stdin: String? = nil, mergeStderr: Bool = false
    ) throws {
        let outPipe = try Self.pipe()
        let errPipe = try Self.pipe()
        let inPipe = try Self.pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdin != nil {
            posix_spawn_file_actions_adddup2(&actions, inPipe.read, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe.write, 1)
        posix_spawn_file_actions_adddup2(&actions, mergeStderr ? outPipe.write : errPipe.write, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaulted = sigset_t()
        sigemptyset(&defaulted)
        for s in Self.defaultedSignals { sigaddset(&defaulted, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaulted)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable.path, &actions, &attributes, argv, envp)
        for fd in [outPipe.write, errPipe.write, inPipe.read] { close(fd) }
        guard rc == 0 else {
            for fd in [outPipe.read, errPipe.read, inPipe.write] { close(fd) }
            throw SpawnError(path: executable.path, code: rc)
        }
        pid = child
        Self.startReader(outPipe.read, isStdout: true, state: state)
        Self.startReader(errPipe.read, isStdout: false, state: state)
        let input = stdin.map { Data($0.utf8) }
        let writeEnd = inPipe.write
        Thread {
            if let input { input.withUnsafeBytes { _ = write(writeEnd, $0.baseAddress, $0.count) } }
            close(writeEnd)
        }.start()
        let reaped = child
        Thread { [state] in
            var status: Int32 = 0
            while waitpid(reaped, &status, 0) < 0 && errno == EINTR {}
            let ended =
                (status & 0x7f) == 0
                ? Termination(status: (status >> 8) & 0xff, signaled: false)
                : Termination(status: status & 0x7f, signaled: true)
            state.withLock {
                state.termination = ended
                state.broadcast()
            }
        }.start()
    }

    /// Everything written to stdout so far (with stderr, when merged).
    public var stdout: String { state.withLock { String(decoding: state.out, as: UTF8.self) } }

    /// Everything written to stderr so far.
    public var stderr: String { state.withLock { String(decoding: state.err, as: UTF8.self) } }

    /// Whether it still runs (not yet reaped).
    public var isRunning: Bool { state.withLock { state.termination == nil } }

    /// Sends `signal` unless the child has already been reaped (its pid may be reused then).
    public func send(signal: Int32) {
        state.withLock { if state.termination == nil { kill(pid, signal) } }
    }

    /// Waits up to `timeout` seconds for the child to end and its output to be read to the end.
    /// - Returns: how it ended, or `nil` if it still runs.
    @discardableResult
    public func wait(timeout: Double) -> Termination? {
        let deadline = Date().addingTimeInterval(timeout)
        return state.withLock {
            while state.termination == nil || state.openPipes > 0 {
                if !state.wait(until: deadline) { break }
            }
            return state.openPipes == 0 ? state.termination : nil
        }
    }

    /// Waits like `wait(timeout:)`; returns the exit status, minus the signal number when a
    /// signal ended it (as Python's `returncode`), or `nil` if it still runs.
    @discardableResult
    public func exitStatus(timeout: Double) -> Int32? {
        wait(timeout: timeout).map { $0.signaled ? -$0.status : $0.status }
    }

    /// Everything it printed so far: stdout, then stderr.
    public var output: String { stdout + stderr }

    /// Waits up to `timeout` seconds until `condition` holds for the stdout text so far.
    /// - Returns: whether it held (false too when the child's output ended without it).
    public func waitForOutput(timeout: Double, until condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        return state.withLock {
            while !condition(String(decoding: state.out, as: UTF8.self)) {
                if state.openPipes == 0 || !state.wait(until: deadline) { return false }
            }
            return true
        }
    }

    /// The blocked-signal mask of a running process (`SigBlk` in /proc/PID/status).
    public static func blockedSignals(of pid: pid_t) -> UInt64? { signalMask("SigBlk", of: pid) }

    /// The signals a running process has handlers for (`SigCgt` in /proc/PID/status).
    public static func caughtSignals(of pid: pid_t) -> UInt64? { signalMask("SigCgt", of: pid) }

    /// Whether the child has installed handlers for all of `signals` (bit s−1 of `SigCgt`), to
    /// signal it only once it is ready. Polls every 10 ms for at most `timeout` seconds.
    public func waitForHandlers(_ signals: [Int32], timeout: Double) -> Bool {
        let wanted = signals.reduce(UInt64(0)) { $0 | (1 << UInt64($1 - 1)) }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && isRunning {
            if let caught = Self.caughtSignals(of: pid), caught & wanted == wanted { return true }
            usleep(10_000)
        }
        return false
    }

    /// A hexadecimal signal mask line of /proc/PID/status.
    private static func signalMask(_ field: String, of pid: pid_t) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return UInt64(line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16)
        }
        return nil
    }

    deinit {
        send(signal: SIGKILL)  // no-op once reaped (the pid may belong to someone else then)
        _ = wait(timeout: 10)
    }

    private static func startReader(_ fd: Int32, isStdout: Bool, state: SharedState) {
        Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                state.withLock {
                    if isStdout {
                        state.out.append(contentsOf: buffer[0..<n])
                    } else {
                        state.err.append(contentsOf: buffer[0..<n])
                    }
                    state.broadcast()
                }
            }
            close(fd)
            state.withLock {
                state.openPipes -= 1
                state.broadcast()
            }
        }.start()
    }

    /// A close-on-exec pipe (children started concurrently by other tests must not inherit it,
    /// or our reader would not see end-of-file until they exit).
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard dmf_cloexec_pipe(&fds) == 0 else { throw SpawnError(path: "pipe", code: errno) }
        return (fds[0], fds[1])
    }
}

/// A child's output and end, written by its reader and reaper threads.
private final class SharedState: @unchecked Sendable {
    // Safe: every field is read and written only while holding `condition`'s lock. Unchecked
    // because waiting needs a condition variable, which `Mutex` (Synchronization) does not have:
    // `wait(until:)` blocks until the reader and reaper threads `broadcast()` new output or the end.
    private let condition = NSCondition()
    var out = Data()
    var err = Data()
    var openPipes = 2
    var termination: ChildProcess.Termination?

    func withLock<T>(_ body: () throws -> T) rethrows -> T { try condition.withLock(body) }
    /// Wakes every waiter (call with the lock held).
    func broadcast() { condition.broadcast() }
    /// Waits for a broadcast (call with the lock held); false at the deadline.
    func wait(until deadline: Date) -> Bool { condition.wait(until: deadline) }
}

/// `posix_spawn` failed.
public struct SpawnError: Error, CustomStringConvertible {
    public let path: String
    public let code: Int32
    public var description: String { "cannot start \(path): \(String(cString: strerror(code)))" }
}
