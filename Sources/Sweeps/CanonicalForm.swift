import Factorization

/// The canonical JSON form of a task's parameters: the exact bytes its `TaskKey` hashes.
///
/// Format version 1 (also in `docs/task-keys.md`; changing anything here changes every key):
/// - One JSON object, no whitespace, UTF-8. The first member is `"v":1`; then every parameter of
///   `SimulationConfig.parameters`, in registry order, under its sweep name.
/// - Defaults are filled in; an optional parameter that is unset is `null`, except:
///   - `n` is always the resolved dimension (`resolvedN`): omitted `n` and the `n` it resolves
///     to give the same key;
///   - `spectrum` is the resolved spectrum padded with zeros to `n` (`resolvedSpectrum`) when a
///     spectrum is given or neither spectrum nor rank is (the default spectrum); when the
///     spectrum is generated from `rank`/`decay` it is `null` and those two identify it (so keys
///     never depend on the platform's `pow`).
///   - `rank`, `decay` and every other parameter are written as set, whether or not they matter
///     for this problem (over-distinguishing is safe; merging two different tasks would not be).
/// - Integer parameters are decimal integers (`seed` unsigned). Real parameters and spectrum
///   entries are written like ECMAScript's `Number.prototype.toString` (as in JSON.stringify and
///   RFC 8785): the shortest decimal that round-trips, integral values without a fraction
///   (`1.0` → `1`), `-0` → `0`, exponent form below 1e-6 and from 1e21 (`1e-7`, `1.5e+21`).
/// - Choice parameters are their words as JSON strings.
///
/// Evolution rule: a parameter appended to the registry later must be left out of the form
/// while it has its default value, so that every existing key stays valid.
public enum CanonicalForm {
    /// The format version written as `"v"`.
    public static let version = 1

    /// The canonical JSON of a configuration (see the type's documentation).
    /// - Parameter config: a configuration (normally one that passed `validate()`).
    /// - Returns: the JSON text whose SHA-256 is the task key.
    public static func json(for config: SimulationConfig) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        // Version 1 is frozen: its members are written field by field, in registry order.
        func member(_ name: StaticString) {
            out.append(UInt8(ascii: out.isEmpty ? "{" : ","))
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: "\":".utf8)
        }
        func integer<T: BinaryInteger>(_ name: StaticString, _ v: T?) {
            member(name)
            out.append(contentsOf: (v.map { String($0) } ?? "null").utf8)
        }
        func real(_ name: StaticString, _ v: Double?) {
            member(name)
            if let v { appendNumber(v, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        func word(_ name: StaticString, _ v: String) {
            member(name)
            out.append(contentsOf: string(v).utf8)
        }
        integer("v", version)
        word("problem", config.problem.rawValue)
        integer("n", config.resolvedN)
        integer("depth", config.depth)
        member("spectrum")
        if config.spectrum == nil && config.rank != nil {
            out.append(contentsOf: "null".utf8)
        } else {
            appendList(config.resolvedSpectrum, to: &out)
        }
        integer("rank", config.rank)
        real("decay", config.decay)
        real("noise", config.noise)
        word("init", config.initKind.rawValue)
        real("alpha", config.alpha)
        real("eta", config.eta)
        integer("steps", config.steps)
        integer("record_every", config.recordEvery)
        real("tolerance", config.tolerance)
        integer("seed", config.seed)
        word("path", config.path.rawValue)
        integer("measurements", config.measurements)
        real("observed", config.observed)
        real("stop_loss", config.stopLoss)
        // The evolution rule, applied automatically: a parameter added after version 1 is
        // written only when it differs from its default.
        for spec in SimulationConfig.parameters.dropFirst(versionOneParameters.count) {
            guard let value = config.value(of: spec.name), value != defaults.value(of: spec.name) else { continue }
            out.append(contentsOf: ",\"\(spec.name)\":".utf8)
            appendValue(value, kind: spec.kind, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// The registry's parameters when format version 1 was defined, in order (the registry's
    /// first 18 entries; a test checks it).
    static let versionOneParameters = [
        "problem", "n", "depth", "spectrum", "rank", "decay", "noise", "init", "alpha", "eta", "steps",
        "record_every", "tolerance", "seed", "path", "measurements", "observed", "stop_loss",
    ]

    private static let defaults = SimulationConfig()

    private static func appendValue(_ v: ParameterValue, kind: ParameterKind, to out: inout [UInt8]) {
        switch v {
        case .unset: out.append(contentsOf: "null".utf8)
        case .integer(let i):
            if kind == .real { appendNumber(Double(i), to: &out) } else { out.append(contentsOf: String(i).utf8) }
        case .real(let d): appendNumber(d, to: &out)
        case .text(let s): out.append(contentsOf: string(s).utf8)
        case .realList(let list): appendList(list, to: &out)
        }
    }

    private static func appendList(_ list: [Double], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, x) in list.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendNumber(x, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A JSON string literal (quotes, backslashes and control characters escaped).
    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// A finite double as ECMAScript's Number::toString writes it (ECMA-262 §6.1.6.1.20):
    /// with k the number of shortest round-trip digits s and n the decimal exponent such that the
    /// value is 0.s × 10^n: `k ≤ n ≤ 21` → digits and n−k zeros; `0 < n ≤ 21` → point inside;
    /// `−6 < n ≤ 0` → `0.` and −n zeros; otherwise `d[.ddd]e±(n−1)`. Non-finite values (never
    /// in a valid config) are written `null`.
    public static func number(_ x: Double) -> String {
        var out: [UInt8] = []
        appendNumber(x, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendNumber(_ x: Double, to out: inout [UInt8]) {
        guard x.isFinite else { return out.append(contentsOf: "null".utf8) }
        if x == 0 { return out.append(UInt8(ascii: "0")) }
        // Fast path: below 2^53 every integer is a double, so an integral value's shortest
        // round-trip digits are the integer's own.
        if x.magnitude < 0x1p53, x.rounded(.towardZero) == x {
            return out.append(contentsOf: String(Int64(x)).utf8)
        }
        // Swift's description is the shortest round-trip decimal (SwiftDtoa); only its layout
        // (`1e-05`, `100.0`, `1.5e+20`) differs from ECMAScript's, so take its significant digits
        // and decimal exponent and lay them out again.
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var point = -1  // digits before the decimal point, once seen
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for c in x.magnitude.description.utf8 {
            switch c {
            case UInt8(ascii: "."): point = digits.count
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case UInt8(ascii: "-") where inExponent: exponentSign = -1
            case UInt8(ascii: "+"): break
            default:
                if inExponent { exponent = exponent * 10 + Int(c - 48) } else { digits.append(c) }
            }
        }
        if point < 0 { point = digits.count }
        var first = 0
        while first < digits.count, digits[first] == UInt8(ascii: "0") {
            first += 1
            point -= 1
        }
        var last = digits.count
        while last > first, digits[last - 1] == UInt8(ascii: "0") { last -= 1 }
        let s = digits[first..<last]
        let k = s.count
        let n = point + exponentSign * exponent
        if x < 0 { out.append(UInt8(ascii: "-")) }
        let zero = UInt8(ascii: "0")
        if k <= n && n <= 21 {
            out.append(contentsOf: s)
            out.append(contentsOf: repeatElement(zero, count: n - k))
        } else if 0 < n && n <= 21 {
            out.append(contentsOf: s.prefix(n))
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: s.dropFirst(n))
        } else if -6 < n && n <= 0 {
            out.append(contentsOf: "0.".utf8)
            out.append(contentsOf: repeatElement(zero, count: -n))
            out.append(contentsOf: s)
        } else {
            let e = n - 1
            out.append(s[s.startIndex])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: s.dropFirst())
            }
            out.append(contentsOf: (e < 0 ? "e-" : "e+").utf8)
            out.append(contentsOf: String(abs(e)).utf8)
        }
    }
}
