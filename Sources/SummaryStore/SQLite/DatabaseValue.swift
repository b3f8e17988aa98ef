import Foundation

/// One SQLite value: what statements bind and what columns hold.
public enum DatabaseValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int)
    case real(Double)
    case text(String)
    case blob(Data)

    /// `.integer(v)`, or `.null` when `v` is `nil`.
    public init(_ v: Int?) { self = v.map(DatabaseValue.integer) ?? .null }
    /// `.real(v)`, or `.null` when `v` is `nil`.
    public init(_ v: Double?) { self = v.map(DatabaseValue.real) ?? .null }
    /// `.text(v)`, or `.null` when `v` is `nil`.
    public init(_ v: String?) { self = v.map(DatabaseValue.text) ?? .null }
    /// `.blob(v)`, or `.null` when `v` is `nil`.
    public init(_ v: Data?) { self = v.map(DatabaseValue.blob) ?? .null }
    /// `.integer(1)` / `.integer(0)`, or `.null`.
    public init(_ v: Bool?) { self = v.map { .integer($0 ? 1 : 0) } ?? .null }

    /// Whether the value is SQL NULL.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as an integer (`nil` for NULL, text and blobs; reals are truncated).
    public var intValue: Int? {
        switch self {
        case .integer(let v): return v
        case .real(let v): return v.isFinite && abs(v) < 9.2e18 ? Int(v) : nil
        default: return nil
        }
    }

    /// The value as a real (`nil` for NULL, text and blobs).
    public var doubleValue: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        default: return nil
        }
    }

    /// The value as text (`nil` unless it is text).
    public var stringValue: String? {
        if case .text(let v) = self { return v }
        return nil
    }

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        case .blob(let v): return "<\(v.count) bytes>"
        }
    }
}

extension DatabaseValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByNilLiteral
{
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(nilLiteral: ()) { self = .null }
}
