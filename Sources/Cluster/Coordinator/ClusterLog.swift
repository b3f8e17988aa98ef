import Foundation

/// One log event of the coordinator or a worker.
public struct LogRecord: Sendable, Hashable {
    /// How serious it is; `info` lines are hidden by `--quiet`.
    public enum Level: String, Sendable, Hashable { case info, warning, error }

    /// How serious it is.
    public var level: Level
    /// A stable event name (`worker_joined`, `task_failed`, `progress`, …).
    public var event: String
    /// Human-readable text.
    public var message: String
    /// Structured fields for JSON logs.
    public var fields: [String: String]

    /// A log record.
    /// - Parameters:
    ///   - level: how serious it is.
    ///   - event: a stable event name, e.g. `worker_joined`.
    ///   - message: the human-readable text.
    ///   - fields: structured fields for JSON logs.
    public init(_ level: Level, _ event: String, _ message: String, fields: [String: String] = [:]) {
        self.level = level
        self.event = event
        self.message = message
        self.fields = fields
    }

    /// One line of text: `dmfsweep coordinator: message`.
    /// - Parameter component: who logs, e.g. `coordinator`.
    /// - Returns: the line, without a newline.
    public func text(component: String) -> String {
        let prefix = level == .info ? "" : "\(level.rawValue): "
        return "dmfsweep \(component): \(prefix)\(message)"
    }

    /// One line of JSON: `{"time":…,"level":…,"event":…,"message":…,…fields}`.
    /// - Parameter component: who logs, e.g. `coordinator`.
    /// - Returns: the line, without a newline.
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
