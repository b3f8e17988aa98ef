/// A position in a source text: 1-based line and column (columns count Unicode characters, as
/// libyaml does).
public struct SourceMark: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int

    /// Creates a mark.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The start of a text.
    public static let start = SourceMark(line: 1, column: 1)

    public var description: String { "\(line):\(column)" }

    public static func < (a: SourceMark, b: SourceMark) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// One node of a parsed YAML (or JSON) document, with the position where it starts.
///
/// Only what sweep files need: scalars keep their text and whether they were quoted (a quoted
/// `"1"` is a string, a plain `1` an integer: YAML 1.2 core schema, see `YAMLScalar.resolved`);
/// mapping keys are scalars, unique within their mapping, in the order written.
struct YAMLNode: Sendable, Hashable {
    /// A key/value pair of a mapping.
    struct Entry: Sendable, Hashable {
        /// The key's text.
        var key: String
        /// Where the key starts.
        var keyMark: SourceMark
        /// The value.
        var value: YAMLNode
    }

    /// What the node holds.
    enum Content: Sendable, Hashable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([Entry])
    }

    var content: Content
    /// Where the node starts.
    var mark: SourceMark

    /// The mapping's entries, or `nil` for another kind of node.
    var entries: [Entry]? {
        if case .mapping(let e) = content { return e }
        return nil
    }

    /// The sequence's items, or `nil` for another kind of node.
    var items: [YAMLNode]? {
        if case .sequence(let i) = content { return i }
        return nil
    }

    /// The scalar, or `nil` for another kind of node.
    var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    /// A short rendering of the node for error messages: the scalar as written, `[…]`, `{…}`.
    var shortDescription: String {
        switch content {
        case .scalar(let s):
            let written = s.quoted ? "\"\(s.text)\"" : (s.text.isEmpty ? "null" : s.text)
            return s.tag.map { "!!\($0.rawValue) \(written)" } ?? written
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// A scalar as written: its text and whether it was quoted.
struct YAMLScalar: Sendable, Hashable {
    /// The scalar's value after YAML unescaping and folding.
    var text: String
    /// Whether it was written quoted ('…' or "…") or as a block scalar (| or >): then it is a string.
    var quoted: Bool
    /// The core-schema tag written on it (`!!float 1e-5`), which fixes its type; `nil` when untagged.
    var tag: CoreTag? = nil

    /// The YAML 1.2 core-schema tags a sweep file may write on a scalar
    /// (https://yaml.org/spec/1.2.2/#1032-tag-resolution); W&B's documentation writes `!!float 1e-5`.
    enum CoreTag: String, Sendable, Hashable, CaseIterable {
        case null, bool, str, int, float

        /// The global tag libyaml reports for `!!name`.
        static let prefix = "tag:yaml.org,2002:"

        /// The tag for libyaml's resolved tag text (`tag:yaml.org,2002:float`), or `nil` for any other tag.
        init?(uri: String) {
            guard uri.hasPrefix(Self.prefix) else { return nil }
            self.init(rawValue: String(uri.dropFirst(Self.prefix.count)))
        }

        /// What a scalar with this tag must be, for messages.
        var meaning: String {
            switch self {
            case .null: return "null (null, ~ or nothing)"
            case .bool: return "true or false"
            case .str: return "text"
            case .int: return "an integer"
            case .float: return "a number"
            }
        }

        /// A tag as a user writes it: `!!float` for core-schema tags, the tag itself otherwise.
        static func written(_ uri: String) -> String {
            uri.hasPrefix(prefix) ? "!!" + uri.dropFirst(prefix.count) : uri
        }
    }

    /// The typed value under the YAML 1.2 core schema.
    enum Value: Sendable, Hashable {
        case null
        case bool(Bool)
        case integer(Int)
        /// An integer literal too large for `Int`.
        case integerOutOfRange
        case real(Double)
        case string(String)
    }

    /// Resolves a plain scalar by the YAML 1.2 core schema (`null`, `~`, empty → null;
    /// `true`/`false` → bool; `[-+]?[0-9]+`, `0o…`, `0x…` → integer;
    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `.inf`, `.nan` → real); anything else,
    /// and every quoted scalar, is a string. YAML 1.1 words such as `yes`/`no` are strings.
    var resolved: Value {
        guard let tag else { return quoted ? .string(text) : plainValue }
        // `taggedValue` is checked when the document is parsed; a mismatch cannot reach here.
        return taggedValue(tag) ?? .string(text)
    }

    /// The value a tagged scalar stands for, or `nil` when its text is not of the tag's type (the text
    /// is resolved as if plain, quoted or not: `!!float "1e-5"` is a real). `!!float` accepts integers.
    func taggedValue(_ tag: CoreTag) -> Value? {
        let plain = YAMLScalar(text: text, quoted: false).plainValue
        switch (tag, plain) {
        case (.str, _): return .string(text)
        case (.null, .null), (.bool, .bool), (.int, .integer), (.int, .integerOutOfRange), (.float, .real): return plain
        case (.float, .integer(let i)): return .real(Double(i))
        case (.float, .integerOutOfRange): return Double(text).map(Value.real)
        default: return nil
        }
    }

    /// The core-schema value of the text written plain.
    private var plainValue: Value {
        let t = text
        switch t {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .real(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .real(-.infinity)
        case ".nan", ".NaN", ".NAN": return .real(.nan)
        default: break
        }
        let u = Array(t.utf8)
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        // Integers.
        if u.count > 2, u[0] == 48, u[1] == UInt8(ascii: "o") || u[1] == UInt8(ascii: "x") {
            let radix = u[1] == UInt8(ascii: "o") ? 8 : 16
            let digits = String(t.dropFirst(2))
            if digits.allSatisfy({ $0.isHexDigit && Int(String($0), radix: radix) != nil }) {
                return Int(digits, radix: radix).map(Value.integer) ?? .integerOutOfRange
            }
            return .string(t)
        }
        var i = 0
        if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
        let intStart = i
        while i < u.count, isDigit(u[i]) { i += 1 }
        let intDigits = i - intStart
        if i == u.count {
            guard intDigits > 0 else { return .string(t) }
            return Int(t).map(Value.integer) ?? .integerOutOfRange
        }
        // Reals.
        var fracDigits = 0
        if u[i] == UInt8(ascii: ".") {
            i += 1
            while i < u.count, isDigit(u[i]) {
                i += 1
                fracDigits += 1
            }
        }
        guard intDigits + fracDigits > 0 else { return .string(t) }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
            let expStart = i
            while i < u.count, isDigit(u[i]) { i += 1 }
            guard i > expStart else { return .string(t) }
        }
        guard i == u.count, let d = Double(t) else { return .string(t) }
        return .real(d)
    }
}
