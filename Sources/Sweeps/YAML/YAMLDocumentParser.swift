import CYAML

/// A YAML syntax or structure error at a position.
struct YAMLError: Error, Sendable, Hashable {
    var mark: SourceMark
    var message: String
}

/// Parses one YAML document (JSON included: it is YAML flow style) into a `YAMLNode` tree with
/// libyaml's event API (https://pyyaml.org/wiki/LibYAML, `yaml_parser_parse`).
///
/// Refused, each with an error at its position: anchors and aliases, tags other than the core-schema
/// scalar tags (`YAMLScalar.CoreTag`), non-scalar
/// mapping keys, duplicate keys within one mapping, more than one document, nesting deeper than
/// `maximumDepth`. The parser owns its `yaml_parser_t` and the input bytes libyaml reads from.
final class YAMLDocumentParser {
    /// Deepest nesting accepted (sweep files need 4 levels; this bounds the recursion).
    static let maximumDepth = 64

    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>

    /// Prepares a parser over a copy of `bytes` (UTF-8; libyaml reports invalid encodings).
    init(bytes: [UInt8]) {
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        parser = .allocate(capacity: 1)
        // yaml_parser_initialize only fails on allocation failure.
        _ = yaml_parser_initialize(parser)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// Parses the whole stream.
    /// - Returns: the document's root node, or `nil` when the stream holds no document.
    /// - Throws: `YAMLError` for a syntax error (libyaml's message and mark) or a refused construct.
    func parseDocument() throws(YAMLError) -> YAMLNode? {
        guard case .streamStart = try next().kind else { throw internalError() }
        var root: YAMLNode?
        while true {
            let event = try next()
            switch event.kind {
            case .streamEnd:
                return root
            case .documentStart:
                if root != nil {
                    throw YAMLError(mark: event.mark, message: "a sweep file holds a single YAML document")
                }
                root = try node(from: next(), depth: 0)
                guard case .documentEnd = try next().kind else { throw internalError() }
            default:
                throw internalError()
            }
        }
    }

    // MARK: Tree building

    private func node(from event: Event, depth: Int) throws(YAMLError) -> YAMLNode {
        if depth > Self.maximumDepth {
            throw YAMLError(mark: event.mark, message: "nesting deeper than \(Self.maximumDepth) levels")
        }
        switch event.kind {
        case .scalar(let scalar):
            return YAMLNode(content: .scalar(scalar), mark: event.mark)
        case .sequenceStart:
            var items: [YAMLNode] = []
            while true {
                let e = try next()
                if case .sequenceEnd = e.kind { break }
                items.append(try node(from: e, depth: depth + 1))
            }
            return YAMLNode(content: .sequence(items), mark: event.mark)
        case .mappingStart:
            var entries: [YAMLNode.Entry] = []
            var seen: [String: SourceMark] = [:]
            while true {
                let keyEvent = try next()
                if case .mappingEnd = keyEvent.kind { break }
                guard case .scalar(let key) = keyEvent.kind else {
                    throw YAMLError(
                        mark: keyEvent.mark, message: "mapping keys must be words or strings, not lists or mappings")
                }
                if let first = seen[key.text] {
                    throw YAMLError(
                        mark: keyEvent.mark,
                        message: "duplicate key '\(key.text)' (first at line \(first.line), column \(first.column))")
                }
                seen[key.text] = keyEvent.mark
                let value = try node(from: next(), depth: depth + 1)
                entries.append(YAMLNode.Entry(key: key.text, keyMark: keyEvent.mark, value: value))
            }
            return YAMLNode(content: .mapping(entries), mark: event.mark)
        default:
            throw internalError()
        }
    }

    // MARK: Events

    private struct Event {
        enum Kind {
            case streamStart, streamEnd, documentStart, documentEnd
            case scalar(YAMLScalar)
            case sequenceStart, sequenceEnd, mappingStart, mappingEnd
        }
        var kind: Kind
        var mark: SourceMark
    }

    /// The next event, copied into Swift values (the C event is freed before returning).
    private func next() throws(YAMLError) -> Event {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw syntaxError() }
        defer { yaml_event_delete(&event) }
        let mark = SourceMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        func refuseDecorations(anchor: UnsafeMutablePointer<yaml_char_t>?, tag: UnsafeMutablePointer<yaml_char_t>?)
            throws(YAMLError)
        {
            if anchor != nil {
                throw YAMLError(
                    mark: mark, message: "anchors and aliases (&name, *name) are not supported in sweep files")
            }
            if tag != nil {
                throw YAMLError(
                    mark: mark,
                    message: "tags on lists and mappings are not supported in sweep files "
                        + "(only !!str, !!int, !!float, !!bool and !!null on single values)")
            }
        }
        switch event.type {
        case YAML_STREAM_START_EVENT: return Event(kind: .streamStart, mark: mark)
        case YAML_STREAM_END_EVENT: return Event(kind: .streamEnd, mark: mark)
        case YAML_DOCUMENT_START_EVENT: return Event(kind: .documentStart, mark: mark)
        case YAML_DOCUMENT_END_EVENT: return Event(kind: .documentEnd, mark: mark)
        case YAML_ALIAS_EVENT:
            throw YAMLError(mark: mark, message: "anchors and aliases (&name, *name) are not supported in sweep files")
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            try refuseDecorations(anchor: s.anchor, tag: nil)
            let buffer = UnsafeBufferPointer(start: s.value, count: s.length)
            let text = String(decoding: buffer, as: UTF8.self)
            var scalar = YAMLScalar(text: text, quoted: s.style != YAML_PLAIN_SCALAR_STYLE)
            if let tagText = s.tag.map({ String(cString: $0) }) {
                // libyaml reports the tag resolved against the %TAG directives: `!!float` arrives as
                // `tag:yaml.org,2002:float` (yaml.h, YAML_FLOAT_TAG).
                guard let tag = YAMLScalar.CoreTag(uri: tagText) else {
                    throw YAMLError(
                        mark: mark,
                        message: "tag '\(YAMLScalar.CoreTag.written(tagText))' is not supported in sweep files "
                            + "(only !!str, !!int, !!float, !!bool and !!null on single values)")
                }
                guard scalar.taggedValue(tag) != nil else {
                    let written = scalar.quoted ? "\"\(text)\"" : (text.isEmpty ? "nothing" : text)
                    throw YAMLError(mark: mark, message: "!!\(tag.rawValue) \(written) is not \(tag.meaning)")
                }
                scalar.tag = tag
            }
            return Event(kind: .scalar(scalar), mark: mark)
        case YAML_SEQUENCE_START_EVENT:
            try refuseDecorations(anchor: event.data.sequence_start.anchor, tag: event.data.sequence_start.tag)
            return Event(kind: .sequenceStart, mark: mark)
        case YAML_SEQUENCE_END_EVENT: return Event(kind: .sequenceEnd, mark: mark)
        case YAML_MAPPING_START_EVENT:
            try refuseDecorations(anchor: event.data.mapping_start.anchor, tag: event.data.mapping_start.tag)
            return Event(kind: .mappingStart, mark: mark)
        case YAML_MAPPING_END_EVENT: return Event(kind: .mappingEnd, mark: mark)
        default: throw YAMLError(mark: mark, message: "unexpected YAML event")
        }
    }

    /// libyaml's own error: its problem text, context and mark.
    private func syntaxError() -> YAMLError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "syntax error"
        var mark = SourceMark(line: Int(p.problem_mark.line) + 1, column: Int(p.problem_mark.column) + 1)
        if p.error == YAML_READER_ERROR {
            // Reader errors (bad encoding) carry a byte offset instead of a mark.
            mark = Self.mark(ofByteOffset: p.problem_offset, in: UnsafeBufferPointer(input))
            return YAMLError(mark: mark, message: "invalid YAML: \(problem)")
        }
        var message = "invalid YAML: \(problem)"
        if let context = p.context {
            let cm = p.context_mark
            message += " (\(String(cString: context)) at line \(cm.line + 1), column \(cm.column + 1))"
        }
        return YAMLError(mark: mark, message: message)
    }

    private func internalError() -> YAMLError {
        YAMLError(mark: .start, message: "unexpected YAML event order")
    }

    /// Line and column of a byte offset (columns count UTF-8 lead bytes, i.e. characters).
    static func mark(ofByteOffset offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourceMark {
        var line = 1
        var column = 1
        for b in bytes.prefix(offset) {
            if b == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceMark(line: line, column: column)
    }
}
