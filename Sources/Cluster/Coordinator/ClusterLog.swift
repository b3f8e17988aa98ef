import Foundation

/// One log event of the coordinator or a worker.
public struct LogRecord: Sendable, Hashable {
    public enum Level: String, Sendable, Hashable { case info, warning, error }

    public var level: Level
    /// A stable event name (`worker_joined`, `task_failed`, `progress`, …).
    public var event: String
    /// Human-readable text.
    public var message: String
    /// Structured fields for JSON logs.
    public var fields: [String: String]

    public init(_ level: Level, _ event: String, _ message: String, fields: [String: String] = [:]) {
        self.level = level
        self.event = event
        self.message = message
        self.fields = fields
    }

    /// One line of text: `dmfsweep coordinator: message`.
    public func text(component: String) -> String {
        let prefix = level == .info ? "" : "\(level.rawValue): "
        return "dmfsweep \(component): \(prefix)\(message)"
    }

    /// One line of JSON: `{"time":…,"level":…,"event":…,"message":…,…fields}`.
    public func json(component: String) -> String {
        var object: [String: String] = fields
        object["time"] = ISO8601DateFormatter().string(from: Date())
        object["level"] = level.rawValue
        object["event"] = event
        object["message"] = message
        object["component"] = component
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Where log records go.
public typealias LogSink = @Sendable (LogRecord) -> Void

/// Monotonic seconds (for timeouts and rates; never wall-clock).
@inline(__always)
func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// A request to stop, set from a signal handler's queue and read by a socket thread.
public final class StopRequest: Sendable {
    // Safe: the count lives in a lock-protected box.
    private let box = LockedCounter()

    public init() {}

    /// Asks to stop; the first call means "stop gracefully", the second "stop now".
    public func request() { box.increment() }

    /// How many times a stop was requested.
    public var count: Int { box.value }
}

/// An integer behind a lock.
final class LockedCounter: @unchecked Sendable {
    // Safe: `v` is only read and written under `lock`.
    private let lock = NSLock()
    private var v = 0
    func increment() { lock.withLock { v += 1 } }
    var value: Int { lock.withLock { v } }
}
