/// Why a received message was rejected. Bad messages are dropped and counted, never fatal.
public enum WireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not the two frames `[header, body]`.
    case frameCount(Int)
    /// The header frame does not start with the protocol tag `DMFS`.
    case badTag
    /// The header names a protocol version this build does not speak.
    case unsupportedVersion(UInt8)
    /// Unknown message type byte.
    case unknownType(UInt8)
    /// The message is larger than the limit.
    case oversized(bytes: Int, limit: Int)
    /// The body ended early (message type given).
    case truncated(String)
    /// The body has bytes left over after the message.
    case trailingBytes(String, Int)
    /// A field holds an impossible value.
    case invalidValue(String, String)

    /// One line naming the message and what is wrong with it (logged, then the message is dropped).
    public var description: String {
        switch self {
        case .frameCount(let n): return "expected 2 frames [header, body], got \(n)"
        case .badTag: return "header does not start with the protocol tag DMFS"
        case .unsupportedVersion(let v):
            return "protocol version \(v) is not supported (this build speaks \(WireCodec.version))"
        case .unknownType(let t): return "unknown message type \(t)"
        case .oversized(let b, let l): return "message of \(b) bytes exceeds the limit of \(l) bytes"
        case .truncated(let m): return "\(m) message is truncated"
        case .trailingBytes(let m, let n): return "\(m) message has \(n) unexpected trailing bytes"
        case .invalidValue(let m, let f): return "\(m) message has an invalid \(f)"
        }
    }

    /// A short stable name for counters (`status` shows drops by reason).
    public var reason: String {
        switch self {
        case .frameCount: "frames"
        case .badTag: "tag"
        case .unsupportedVersion: "version"
        case .unknownType: "type"
        case .oversized: "oversized"
        case .truncated: "truncated"
        case .trailingBytes: "trailing"
        case .invalidValue: "invalid"
        }
    }
}
