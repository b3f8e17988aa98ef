/// Builds one JSON object text, keys in insertion order.
struct JSONObjectWriter {
    private var fields: [String] = []

    var text: String { "{" + fields.joined(separator: ",") + "}" }

    mutating func add(_ key: String, raw: String) { fields.append("\"\(key)\":" + raw) }
    mutating func add(_ key: String, string: String) { add(key, raw: Self.quoted(string)) }
    mutating func add(_ key: String, int: Int?) { add(key, raw: int.map(String.init) ?? "null") }
    mutating func add(_ key: String, _ value: Double?) { add(key, raw: value.map(Self.number) ?? "null") }

    /// Adds an array of objects, one per element, each filled in by `fill`.
    mutating func add<Element>(
        _ key: String, objects elements: [Element], _ fill: (Element, inout JSONObjectWriter) -> Void
    ) {
        let items = elements.map { element in
            var object = JSONObjectWriter()
            fill(element, &object)
            return object.text
        }
        add(key, raw: "[" + items.joined(separator: ",") + "]")
    }

    /// A finite double as JSON (shortest round-trip text); `null` for NaN/Inf.
    static func number(_ x: Double) -> String { x.isFinite ? x.description : "null" }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 {
                    out +=
                        "\\u" + String(repeating: "0", count: 4 - String(ch.value, radix: 16).count)
                        + String(ch.value, radix: 16)
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }
}
