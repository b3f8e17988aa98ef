import Foundation

/// Escapes text for XML character data and attribute values (`& < > " '`).
///
/// Control characters other than tab, newline and carriage return are not allowed in XML 1.0;
/// they are dropped so the document always parses.
/// - Parameter text: any text.
/// - Returns: text safe inside XML elements and attribute values.
public func xmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        default:
            if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Formats a coordinate compactly for SVG output (at most two decimals, no trailing zeros).
func svgNumber(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    let rounded = (v * 100).rounded() / 100
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
    var s = String(format: "%.2f", rounded)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
}

/// Accumulates SVG markup. Attribute values and text are escaped here, so callers pass plain strings.
struct SVGBuilder {
    private(set) var markup = ""

    /// Opens an element; `attributes` are written in order, `nil` values skipped.
    mutating func open(_ name: String, _ attributes: [(String, String?)] = []) {
        markup += "<\(name)\(Self.render(attributes))>"
    }

    /// Closes an element.
    mutating func close(_ name: String) { markup += "</\(name)>" }

    /// An empty element.
    mutating func element(_ name: String, _ attributes: [(String, String?)]) {
        markup += "<\(name)\(Self.render(attributes))/>"
    }

    /// An element with escaped text content.
    mutating func text(_ name: String, _ attributes: [(String, String?)], _ content: String) {
        markup += "<\(name)\(Self.render(attributes))>\(xmlEscape(content))</\(name)>"
    }

    /// A `<title>` tooltip child (browsers show it on hover).
    mutating func tooltip(_ content: String) { text("title", [], content) }

    /// A line segment.
    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ extra: [(String, String?)]) {
        element(
            "line",
            [("x1", svgNumber(x1)), ("y1", svgNumber(y1)), ("x2", svgNumber(x2)), ("y2", svgNumber(y2))] + extra)
    }

    /// A rectangle.
    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ extra: [(String, String?)]) {
        element(
            "rect",
            [
                ("x", svgNumber(x)), ("y", svgNumber(y)), ("width", svgNumber(max(w, 0))),
                ("height", svgNumber(max(h, 0))),
            ] + extra)
    }

    /// Appends already-built markup (from another builder).
    mutating func append(raw: String) { markup += raw }

    /// The `points` attribute of a polyline or polygon.
    static func points(_ pts: [(Double, Double)]) -> String {
        pts.map { "\(svgNumber($0.0)),\(svgNumber($0.1))" }.joined(separator: " ")
    }

    private static func render(_ attributes: [(String, String?)]) -> String {
        var s = ""
        for (k, v) in attributes {
            guard let v else { continue }
            s += " \(k)=\"\(xmlEscape(v))\""
        }
        return s
    }
}

/// Approximate rendered width of `text` in pixels for a sans-serif font of size `fontSize`
/// (used for layout: legend width, label placement). Deliberately generous: calibrated on DejaVu
/// Sans, the widest of the fonts the figures ask for.
func estimatedTextWidth(_ text: String, fontSize: Double) -> Double {
    var units = 0.0
    for ch in text {
        if "il.,:;|!'".contains(ch) {
            units += 0.32
        } else if "mwMW@".contains(ch) {
            units += 0.92
        } else if ch.isUppercase {
            units += 0.74
        } else {
            units += 0.63
        }
    }
    return units * fontSize
}

/// The opening `<svg>` tag of a standalone figure (XML namespace, viewBox, font and accessible title).
func svgHeader(width: Double, height: Double, title: String) -> String {
    let w = svgNumber(width)
    let h = svgNumber(height)
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" "
        + "role=\"img\" aria-label=\"\(xmlEscape(title))\" "
        + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">"
}
