import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A parsed XML element (for checking generated SVG and HTML).
struct XMLNodeInfo {
    var name: String
    var attributes: [String: String]
    var text: String
    var depth: Int

    var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
}

/// Parses markup with Foundation's XMLParser; fails on malformed XML.
struct ParsedXML {
    var nodes: [XMLNodeInfo]
    var root: String

    struct Malformed: Error, CustomStringConvertible {
        var message: String
        var description: String { "malformed XML: \(message)" }
    }

    init(_ markup: String) throws {
        let parser = XMLParser(data: Data(markup.utf8))
        let collector = Collector()
        parser.delegate = collector
        guard parser.parse() else {
            throw Malformed(
                message: parser.parserError.map { String(describing: $0) } ?? "unknown error"
                    + " at line \(parser.lineNumber)")
        }
        nodes = collector.nodes
        root = collector.nodes.first?.name ?? ""
    }

    /// Elements named `name`.
    func elements(_ name: String) -> [XMLNodeInfo] { nodes.filter { $0.name == name } }

    /// Elements carrying CSS class `cls`.
    func withClass(_ cls: String) -> [XMLNodeInfo] { nodes.filter { $0.classes.contains(cls) } }

    /// The text of every element named `name`.
    func texts(_ name: String) -> [String] { elements(name).map(\.text) }

    private final class Collector: NSObject, XMLParserDelegate {
        var nodes: [XMLNodeInfo] = []
        var stack: [Int] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            stack.append(nodes.count)
            nodes.append(XMLNodeInfo(name: elementName, attributes: attributeDict, text: "", depth: stack.count))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let i = stack.last { nodes[i].text += string }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            stack.removeLast()
        }
    }
}
