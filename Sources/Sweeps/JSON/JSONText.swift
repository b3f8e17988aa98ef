/// The one place dmfsweep writes JSON strings and numbers by hand.
///
/// Three outputs use it: the canonical form behind task keys (`Sweeps.CanonicalForm`, whose bytes
/// are hashed, so nothing here may change them — see `docs/task-keys.md`), the `simulate` result
/// object (`SimulationResult.json(includeTrajectory:)`) and `query --format json`
/// (`SummaryStore.TableWriter`).
///
/// Strings (``string(_:)``): RFC 8259 with the fewest escapes, as `JSON.stringify` writes them —
/// `\"`, `\\`, `\n`, `\r`, `\t`; every other control character U+0000–U+001F as `\u00xx` with
/// lowercase hex (so U+0008 and U+000C are `\u0008` and `\u000c`, not `\b` and `\f`); everything
/// else verbatim, including `/`, U+007F and all non-ASCII text (the output is UTF-8).
///
/// Numbers come in two layouts, both the shortest decimal that reads back to the same `Double`
/// (so any JSON reader gets the identical value from either):
/// - ``number(_:)``: ECMAScript's `Number::toString` (as `JSON.stringify` and RFC 8785/JCS) —
///   `1`, `0.000001`, `1e-7`, `1e+21`. The canonical form uses it: one text per value.
/// - ``float(_:)``: Swift's `description` (the same layout as Python's `repr`) — `1.0`, `1e-05`,
///   `1e+16`. The result and query outputs use it, because an integral real keeps its `.0`: a
///   typed reader (Python's `json`, `jq`, Swift's `JSONDecoder` into `Any`) sees a float for a
///   real column and an integer only for an integer one.
///
/// Non-finite numbers are written `null` by both (JSON has no NaN or infinity).
public enum JSONText {
    /// A JSON string literal, quotes included (see the type's documentation for the escapes).
    /// - Parameter s: any text.
    /// - Returns: the literal, e.g. `"a\"b"` for `a"b`.
    public static func string(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``string(_:)``'s UTF-8 bytes to a buffer.
    /// - Parameters:
    ///   - s: any text.
    ///   - out: the buffer.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            // UTF-8 bytes of non-ASCII scalars are all ≥ 0x80, so checking bytes is checking scalars.
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A number as ECMAScript's `Number::toString` writes it (ECMA-262 §6.1.6.1.20), the
    /// canonical layout: with k the number of shortest round-trip digits s and n the decimal
    /// exponent such that the value is 0.s × 10^n: `k ≤ n ≤ 21` → digits and n−k zeros;
    /// `0 < n ≤ 21` → point inside; `−6 < n ≤ 0` → `0.` and −n zeros; otherwise
    /// `d[.ddd]e±(n−1)`. `-0` is `0`.
    /// - Parameter x: a double.
    /// - Returns: e.g. `1`, `0.1`, `1e-7`, `1e+21`; `null` if `x` is not finite.
    public static func number(_ x: Double) -> String {
        var out: [UInt8] = []
        appendNumber(x, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A number as Swift's `description` writes it: the shortest round-trip decimal with a
    /// fraction or exponent always present (`1.0`, `0.1`, `1e-05`, `1e+16`).
    /// - Parameter x: a double.
    /// - Returns: the text; `null` if `x` is not finite.
    public static func float(_ x: Double) -> String { x.isFinite ? x.description : "null" }

    /// Appends ``number(_:)``'s UTF-8 bytes to a buffer.
    /// - Parameters:
    ///   - x: a double.
    ///   - out: the buffer.
    public static func appendNumber(_ x: Double, to out: inout [UInt8]) {
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
