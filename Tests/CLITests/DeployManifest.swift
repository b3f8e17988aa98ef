import CYAML
import Foundation

/// A YAML node as the deployment tests need it: every scalar as its text, sequences, and mappings
/// with their keys in order. Built from libyaml's event API (`yaml_parser_parse`).
indirect enum ManifestNode: CustomStringConvertible {
    case scalar(String)
    case sequence([ManifestNode])
    case mapping([(key: String, value: ManifestNode)])

    /// The value under `key` of a mapping.
    subscript(key: String) -> ManifestNode? {
        guard case .mapping(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// The value at a dotted path of mapping keys, e.g. `"spec.template.spec"`.
    func at(_ path: String) -> ManifestNode? {
        var node: ManifestNode? = self
        for key in path.split(separator: ".") { node = node?[String(key)] }
        return node
    }

    /// The text of a scalar.
    var text: String? {
        if case .scalar(let s) = self { return s }
        return nil
    }

    /// The items of a sequence (empty for anything else).
    var items: [ManifestNode] {
        if case .sequence(let a) = self { return a }
        return []
    }

    /// A mapping of scalars as a dictionary (empty for anything else).
    var stringMap: [String: String] {
        guard case .mapping(let entries) = self else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in entries { if let t = v.text { out[k] = t } }
        return out
    }

    var description: String {
        switch self {
        case .scalar(let s): return s
        case .sequence(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .mapping(let e): return "{" + e.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A file that is not the YAML the tests expect.
struct ManifestError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Reads every document of a YAML file.
enum ManifestReader {
    /// Parses all documents of the file at `path` (`---`-separated).
    /// - Throws: `ManifestError` with libyaml's problem and line, or for anchors/aliases and
    ///   non-scalar keys (manifests here use neither).
    static func documents(atPath path: String) throws -> [ManifestNode] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ManifestError(message: "\(path): cannot read")
        }
        return try documents(bytes: Array(data), name: path)
    }

    /// Parses all documents of `text`.
    static func documents(text: String, name: String = "<text>") throws -> [ManifestNode] {
        try documents(bytes: Array(text.utf8), name: name)
    }

    private static func documents(bytes: [UInt8], name: String) throws -> [ManifestNode] {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        let input = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        defer {
            yaml_parser_delete(parser)
            parser.deallocate()
            input.deallocate()
        }
        guard yaml_parser_initialize(parser) == 1 else { throw ManifestError(message: "\(name): libyaml init failed") }
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)

        // Containers being built, innermost last; a mapping remembers the key awaiting its value.
        enum Frame {
            case sequence([ManifestNode])
            case mapping([(key: String, value: ManifestNode)], pendingKey: String?)
        }
        var stack: [Frame] = []
        var documents: [ManifestNode] = []

        func add(_ node: ManifestNode, line: Int) throws {
            guard let top = stack.popLast() else {
                documents.append(node)
                return
            }
            switch top {
            case .sequence(var items):
                items.append(node)
                stack.append(.sequence(items))
            case .mapping(var entries, let pending):
                if let key = pending {
                    entries.append((key, node))
                    stack.append(.mapping(entries, pendingKey: nil))
                } else {
                    guard let key = node.text else {
                        throw ManifestError(message: "\(name):\(line): non-scalar mapping key")
                    }
                    stack.append(.mapping(entries, pendingKey: key))
                }
            }
        }

        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else {
                let p = parser.pointee
                let problem = p.problem.map { String(cString: $0) } ?? "syntax error"
                throw ManifestError(message: "\(name):\(p.problem_mark.line + 1): \(problem)")
            }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return documents
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                try add(
                    .scalar(String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)),
                    line: line)
            case YAML_SEQUENCE_START_EVENT:
                stack.append(.sequence([]))
            case YAML_MAPPING_START_EVENT:
                stack.append(.mapping([], pendingKey: nil))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                switch stack.popLast() {
                case .sequence(let items): try add(.sequence(items), line: line)
                case .mapping(let entries, _): try add(.mapping(entries), line: line)
                case nil: throw ManifestError(message: "\(name):\(line): unbalanced YAML events")
                }
            case YAML_ALIAS_EVENT:
                throw ManifestError(message: "\(name):\(line): aliases are not used in these manifests")
            default:
                continue  // stream start, document start/end
            }
        }
    }
}

/// One `dmfsweep COMMAND …` invocation found in a script, manifest or document.
struct DmfsweepInvocation: Hashable, CustomStringConvertible {
    var command: String
    var flags: [String]
    /// Where it was found (`file:line`).
    var origin: String

    var description: String { "\(origin): dmfsweep \(command) \(flags.joined(separator: " "))" }
}

/// Finds `dmfsweep COMMAND --flag …` in shell scripts, YAML command lines and Markdown.
///
/// A token names the binary when its last path component is `dmfsweep` (quotes and backticks
/// stripped) or it is `$DMFSWEEP`; the next token must be one of `commands`. Flags are collected
/// until a shell separator or the end of an inline code span; `"${NAME[@]}"` adds the flags of
/// every `NAME=(…)` array assignment in the same text; lines continued with `\` are joined.
enum InvocationScanner {
    static func invocations(in text: String, origin: String, commands: Set<String>) -> [DmfsweepInvocation] {
        let arrays = arrayFlags(in: text)
        var found: [DmfsweepInvocation] = []
        var lineNumber = 0
        var logical = ""
        var logicalStart = 1
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if logical.isEmpty { logicalStart = lineNumber }
            if raw.hasSuffix("\\") {
                logical += raw.dropLast() + " "
                continue
            }
            logical += raw
            found += scan(line: logical, origin: "\(origin):\(logicalStart)", commands: commands, arrays: arrays)
            logical = ""
        }
        return found
    }

    private static let quoteCharacters = CharacterSet(charactersIn: "\"'`()[],")

    private static func scan(line: String, origin: String, commands: Set<String>, arrays: [String: [String]])
        -> [DmfsweepInvocation]
    {
        let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var out: [DmfsweepInvocation] = []
        var i = 0
        while i < tokens.count {
            let token = tokens[i]
            // `rows=$("$DMFSWEEP"` names the binary too: look after the last `(` or `=`.
            let tail = token.split(whereSeparator: { $0 == "(" || $0 == "=" }).last.map(String.init) ?? token
            let bare = tail.trimmingCharacters(in: quoteCharacters)
            let namesBinary =
                bare == "$DMFSWEEP" || bare == "${DMFSWEEP}" || bare.split(separator: "/").last == "dmfsweep"
            i += 1
            // `dmfsweep` closing an inline code span is a mention of the program, not a command line.
            guard namesBinary, !token.hasSuffix("`"), i < tokens.count else { continue }
            let command = tokens[i].trimmingCharacters(in: quoteCharacters)
            guard commands.contains(command) else { continue }
            var flags: [String] = []
            var ended = tokens[i].contains("`")
            i += 1
            while i < tokens.count, !ended {
                let t = tokens[i]
                i += 1
                if ["|", "||", "&&", ";", "&", ")", "#"].contains(t) { break }
                ended = t.contains("`") || t.hasSuffix(";")
                if let name = arrayReference(t), let more = arrays[name] {
                    flags += more
                    continue
                }
                var flag = t.trimmingCharacters(in: quoteCharacters.union(CharacterSet(charactersIn: ";.:")))
                if let eq = flag.firstIndex(of: "=") { flag = String(flag[..<eq]) }
                if flag.range(of: #"^--[a-z][a-z0-9-]*$"#, options: .regularExpression) != nil { flags.append(flag) }
            }
            out.append(DmfsweepInvocation(command: command, flags: flags, origin: origin))
        }
        return out
    }

    /// `"${NAME[@]}"` → `NAME`.
    private static func arrayReference(_ token: String) -> String? {
        guard let r = token.range(of: #"\$\{([A-Za-z_][A-Za-z0-9_]*)\[@\]\}"#, options: .regularExpression) else {
            return nil
        }
        return String(token[r].dropFirst(2).prefix { $0 != "[" })
    }

    /// Flags in every `NAME=(…)` array assignment, by name.
    private static func arrayFlags(in text: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        let pattern = #"([A-Za-z_][A-Za-z0-9_]*)=\(([^)]*)\)"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return out }
        let ns = text as NSString
        for m in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let name = ns.substring(with: m.range(at: 1))
            let body = ns.substring(with: m.range(at: 2))
            out[name, default: []] += body.split(separator: " ").map { $0.trimmingCharacters(in: quoteCharacters) }
                .filter { $0.hasPrefix("--") }
        }
        return out
    }
}
