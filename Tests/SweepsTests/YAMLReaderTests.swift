import Testing

@testable import Sweeps

/// The libyaml wrapper: tree shape, marks, scalar typing (YAML 1.2 core schema).
@Suite struct YAMLReaderTests {
    static func parse(_ text: String) throws -> YAMLNode? {
        try YAMLDocumentParser(bytes: Array(text.utf8)).parseDocument()
    }

    @Test(arguments: [
        ("3", YAMLScalar.Value.integer(3)), ("-12", .integer(-12)), ("+5", .integer(5)), ("0x1F", .integer(31)),
        ("0o17", .integer(15)), ("1.5", .real(1.5)), ("1e4", .real(10000)), ("-.5e-3", .real(-0.0005)),
        (".5", .real(0.5)), ("1.", .real(1)), (".inf", .real(.infinity)), ("-.Inf", .real(-.infinity)),
        ("null", .null), ("~", .null), ("", .null), ("true", .bool(true)), ("FALSE", .bool(false)),
        ("yes", .string("yes")), ("1_000", .string("1_000")), ("1e", .string("1e")), (".", .string(".")),
        ("0x", .string("0x")), ("0o8", .string("0o8")), ("12abc", .string("12abc")),
        ("99999999999999999999", .integerOutOfRange), ("estimation", .string("estimation")),
    ])
    func plainScalarsResolveByTheCoreSchema(text: String, expected: YAMLScalar.Value) {
        #expect(YAMLScalar(text: text, quoted: false).resolved == expected)
    }

    @Test func quotedScalarsAreStrings() {
        #expect(YAMLScalar(text: "3", quoted: true).resolved == .string("3"))
        #expect(YAMLScalar(text: "null", quoted: true).resolved == .string("null"))
    }

    @Test func nanIsARealThatIsNotANumber() throws {
        guard case .real(let x) = YAMLScalar(text: ".nan", quoted: false).resolved else {
            Issue.record("not a real")
            return
        }
        #expect(x.isNaN)
    }

    @Test func treeKeepsOrderKindsAndMarks() throws {
        let text = """
            # comment
            b: 1
            a:
              - x
              - 'y'
              - {k: [1, 2]}
            c: |
              two
              lines

            """
        let root = try #require(try Self.parse(text))
        let entries = try #require(root.entries)
        #expect(entries.map(\.key) == ["b", "a", "c"])
        #expect(root.mark == SourceMark(line: 2, column: 1))
        #expect(entries[0].keyMark == SourceMark(line: 2, column: 1))
        #expect(entries[0].value.scalar == YAMLScalar(text: "1", quoted: false))
        #expect(entries[0].value.mark == SourceMark(line: 2, column: 4))
        let items = try #require(entries[1].value.items)
        #expect(items.count == 3)
        #expect(items[0].mark == SourceMark(line: 4, column: 5))
        #expect(items[1].scalar == YAMLScalar(text: "y", quoted: true))
        let inner = try #require(items[2].entries)
        #expect(inner[0].key == "k" && inner[0].keyMark == SourceMark(line: 6, column: 6))
        #expect(
            inner[0].value.items?.map(\.mark) == [SourceMark(line: 6, column: 10), SourceMark(line: 6, column: 13)])
        #expect(entries[2].value.scalar == YAMLScalar(text: "two\nlines\n", quoted: true))
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let root = try #require(try Self.parse("é: {ü: bad}\n"))
        let value = try #require(root.entries?.first?.value.entries?.first)
        #expect(value.keyMark == SourceMark(line: 1, column: 5))
        #expect(value.value.mark == SourceMark(line: 1, column: 8))
    }

    @Test func emptyStreamHasNoDocument() throws {
        #expect(try Self.parse("") == nil)
        #expect(try Self.parse("# only a comment\n") == nil)
        #expect(try Self.parse("---\n")?.scalar?.resolved == .null)
    }

    @Test func duplicateKeysAreFoundInNestedMappingsToo() {
        let error = #expect(throws: YAMLError.self) { try Self.parse("a: {x: 1, y: 2, 'x': 3}\n") }
        #expect(error?.mark == SourceMark(line: 1, column: 17))
        #expect(error?.message == "duplicate key 'x' (first at line 1, column 5)")
    }

    @Test func deepNestingIsRefused() {
        let depth = YAMLDocumentParser.maximumDepth + 2
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let error = #expect(throws: YAMLError.self) { try Self.parse(text) }
        #expect(error?.message == "nesting deeper than \(YAMLDocumentParser.maximumDepth) levels")
    }

    @Test func suggestionsNeedAPlausibleTypo() {
        #expect(Suggestion.closest(to: "alpah", among: ["alpha", "eta"]) == "alpha")
        #expect(Suggestion.closest(to: "recrod_every", among: ["record_every", "steps"]) == "record_every")
        #expect(Suggestion.closest(to: "lr", among: ["eta", "alpha"]) == nil)
        #expect(Suggestion.closest(to: "Depth", among: ["depth"]) == "depth")
        #expect(Suggestion.distance("ab", "ba") == 1)
        #expect(Suggestion.distance("kitten", "sitting") == 3)
    }

    /// W&B's documentation writes YAML core-schema tags (`!!float 1e-5`); they fix the scalar's type.
    @Test func coreSchemaTagsOnScalarsGiveTheirType() throws {
        let text = """
            name: tagged
            method: grid
            parameters:
              alpha: {value: !!float 1e-5}
              eta: {value: !!float 2}
              tolerance: {value: !!float "0.25"}
              steps: {value: !!int 300}
              problem: {value: !!str estimation}
              stop_loss: {value: !!null ~}
              depth: {values: [!!int 2, 3]}

            """
        let tasks = try SweepFile.parse(text: text, fileName: "t.yaml").expand()
        #expect(tasks.count == 2)
        let c = tasks[0].config
        #expect(c.alpha == 1e-5 && c.eta == 2 && c.tolerance == 0.25 && c.steps == 300)
        #expect(c.problem == .estimation && c.stopLoss == nil && tasks.map(\.config.depth) == [2, 3])
        #expect(try Self.parse("a: !!bool true")?.entries?[0].value.scalar?.resolved == .bool(true))
        #expect(try Self.parse("a: !!str 3")?.entries?[0].value.scalar?.resolved == .string("3"))
        #expect(try Self.parse("a: !!float 3")?.entries?[0].value.scalar?.resolved == .real(3))
        #expect(try Self.parse("a: !!null")?.entries?[0].value.scalar?.resolved == .null)
        let error = #expect(throws: YAMLError.self) { try Self.parse("a: !!bool yes") }
        #expect(error?.message == "!!bool yes is not true or false")
    }
}
