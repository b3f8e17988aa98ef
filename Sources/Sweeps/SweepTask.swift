import Factorization

/// The stable identity of a task: the lowercase hex SHA-256 of the canonical form of its full
/// parameter set (see `CanonicalForm`). The same parameters give the same key on every machine,
/// in every sweep file, forever.
///
/// Hashing and comparing for equality read a 64-bit digest of the hex digits computed once
/// (`digest`), not the 64 characters: the coordinator and the store keep tasks in dictionaries by
/// key, and hashing a 64-byte string (SipHash) and comparing it at every probe took a fifth of the
/// store's commit thread (measured with `perf`, issue 11).
public struct TaskKey: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// 64 lowercase hex digits.
    public let hex: String
    /// FNV-1a (64 bit) of `hex`'s UTF-8 bytes: equal keys have equal digests, so `==` compares the
    /// digests first and `hash(into:)` feeds only the digest.
    private let digest: UInt64

    /// Wraps an existing key (read from a store or the wire); does not validate.
    public init(hex: String) {
        self.hex = hex
        self.digest = Self.fnv1a(hex)
    }

    /// FNV-1a, 64 bit (Fowler, Noll, Vo; http://www.isthe.com/chongo/tech/comp/fnv/, offset basis
    /// 14695981039346656037, prime 1099511628211).
    static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 14_695_981_039_346_656_037
        var copy = text
        copy.withUTF8 { bytes in
            for b in bytes { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        }
        return h
    }

    public static func == (a: TaskKey, b: TaskKey) -> Bool { a.digest == b.digest && a.hex == b.hex }

    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    private enum CodingKeys: String, CodingKey { case hex }

    /// Decodes `{"hex": "…"}`, the form the synthesized conformance wrote.
    public init(from decoder: any Decoder) throws {
        self.init(hex: try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .hex))
    }

    /// Encodes `{"hex": "…"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hex, forKey: .hex)
    }

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
