/// Builds one JSON object text, keys in insertion order (keys are written as given; values
/// through `JSONText`, reals in its `float` layout).
struct JSONObjectWriter {
    private var fields: [String] = []

    var text: String { "{" + fields.joined(separator: ",") + "}" }

    mutating func add(_ key: String, raw: String) { fields.append("\"\(key)\":" + raw) }
    mutating func add(_ key: String, string: String) { add(key, raw: JSONText.string(string)) }
    mutating func add(_ key: String, int: Int?) { add(key, raw: int.map(String.init) ?? "null") }
    mutating func add(_ key: String, _ value: Double?) { add(key, raw: value.map(JSONText.float) ?? "null") }

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
}
