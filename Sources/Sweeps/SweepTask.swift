import Factorization

/// The stable identity of a task: the lowercase hex SHA-256 of the canonical form of its full
/// parameter set (see `CanonicalForm`). The same parameters give the same key on every machine,
/// in every sweep file, forever.
public struct TaskKey: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// 64 lowercase hex digits.
    public let hex: String

    /// Wraps an existing key (read from a store or the wire); does not validate.
    public init(hex: String) { self.hex = hex }

    public var description: String { hex }

    /// The first 12 hex digits, for tables and logs.
    public var short: String { String(hex.prefix(12)) }

    public static func < (a: TaskKey, b: TaskKey) -> Bool { a.hex < b.hex }
}

/// One run of a sweep: its key, its full configuration and the canonical JSON that was hashed.
public struct SweepTask: Hashable, Sendable, Codable {
    /// Stable content hash of `canonicalJSON`.
    public var key: TaskKey
    /// Every parameter (defaults filled in).
    public var config: SimulationConfig
    /// The canonical form the key is the SHA-256 of.
    public var canonicalJSON: String

    public init(key: TaskKey, config: SimulationConfig, canonicalJSON: String) {
        self.key = key
        self.config = config
        self.canonicalJSON = canonicalJSON
    }
}
