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
        var out = "{\"v\":\(version)"
        for spec in SimulationConfig.parameters {
            out += ",\"" + spec.name + "\":"
            switch spec.name {
            case "n":
                out += String(config.resolvedN)
            case "spectrum":
                if config.spectrum == nil && config.rank != nil {
                    out += "null"
                } else {
                    out += "[" + config.resolvedSpectrum.map(number).joined(separator: ",") + "]"
                }
            case "seed":
                out += String(config.seed)
            default:
                out += value(config.value(of: spec.name) ?? .unset, kind: spec.kind)
            }
        }
        return out + "}"
    }

    private static func value(_ v: ParameterValue, kind: ParameterKind) -> String {
        switch v {
        case .unset: return "null"
        case .integer(let i): return kind == .real ? number(Double(i)) : String(i)
        case .real(let d): return number(d)
        case .text(let s): return string(s)
        case .realList(let list): return "[" + list.map(number).joined(separator: ",") + "]"
        }
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
        guard x.isFinite else { return "null" }
        if x == 0 { return "0" }
        // Swift's description is the shortest round-trip decimal (SwiftDtoa); only its layout
        // differs from ECMAScript's, so take its digits and exponent and lay them out again.
        let text = x.magnitude.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var digits = Array(mantissa.filter { $0 != "." })
        var point = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) }
            ?? mantissa.count
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count
        let n = point + exponent
        let s = String(digits)
        var out = x < 0 ? "-" : ""
        if k <= n && n <= 21 {
            out += s + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            out += String(digits[..<n]) + "." + String(digits[n...])
        } else if -6 < n && n <= 0 {
            out += "0." + String(repeating: "0", count: -n) + s
        } else {
            let e = n - 1
            let sign = e < 0 ? "-" : "+"
            out += String(digits[0]) + (k > 1 ? "." + String(digits[1...]) : "") + "e" + sign + String(abs(e))
        }
        return out
    }
}
