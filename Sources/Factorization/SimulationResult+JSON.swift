/// The `dmfsweep simulate` JSON object (README, "Output"): one object, keys in a fixed order,
/// numbers printed as the shortest text that reads back to the same `Double`, never NaN or Inf
/// (a non-finite number would be written as `null`; the core never records one).
extension SimulationResult {
    /// The result as one JSON object.
    /// - Parameter includeTrajectory: whether to include the `trajectory` array.
    public func json(includeTrajectory: Bool = true) -> String {
        var o = JSONObjectWriter()
        o.add("status", string: status.rawValue)
        o.add("path", string: path.rawValue)
        o.add("steps", int: steps)
        o.add("final_loss", finalLoss)
        o.add("final_erank", finalErank)
        o.add("final_clean_error", finalCleanError)
        o.add("targets", raw: "[" + targets.map(JSONObjectWriter.number).joined(separator: ",") + "]")
        o.add(
            "intervals",
            raw: "["
                + intervals.map { iv in
                    var e = JSONObjectWriter()
                    e.add("rank", int: iv.rank)
                    e.add("target", iv.target)
                    e.add("start", int: iv.start)
                    e.add("end", int: iv.end)
                    e.add("length", int: iv.length)
                    e.add("middle_error", iv.middleError)
                    return e.text
                }.joined(separator: ",") + "]")
        o.add(
            "predicted",
            raw: "["
                + predicted.map { p in
                    var e = JSONObjectWriter()
                    e.add("rank", int: p.rank)
                    e.add("start", p.start)
                    e.add("end", p.end)
                    return e.text
                }.joined(separator: ",") + "]")
        o.add("best_step", int: bestStep)
        o.add("best_clean_error", bestCleanError)
        o.add("best_inside_interval", raw: bestInsideInterval.map { $0 ? "true" : "false" } ?? "null")
        o.add("seconds", seconds)
        if includeTrajectory {
            o.add(
                "trajectory",
                raw: "["
                    + trajectory.map { t in
                        var e = JSONObjectWriter()
                        e.add("step", int: t.step)
                        e.add("loss", t.loss)
                        e.add("erank", t.erank)
                        e.add("erank_ratio", t.erankRatio)
                        if let c = t.cleanError { e.add("clean_error", c) }
                        return e.text
                    }.joined(separator: ",") + "]")
        }
        return o.text
    }
}

/// Builds one JSON object text, keys in insertion order.
struct JSONObjectWriter {
    private var fields: [String] = []

    var text: String { "{" + fields.joined(separator: ",") + "}" }

    mutating func add(_ key: String, raw: String) { fields.append("\"\(key)\":" + raw) }
    mutating func add(_ key: String, string: String) { add(key, raw: Self.quoted(string)) }
    mutating func add(_ key: String, int: Int?) { add(key, raw: int.map(String.init) ?? "null") }
    mutating func add(_ key: String, _ value: Double?) { add(key, raw: value.map(Self.number) ?? "null") }

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
