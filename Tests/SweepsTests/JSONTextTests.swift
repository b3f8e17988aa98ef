import Factorization
import Foundation
import TestSupport
import Testing

@testable import Sweeps

/// `JSONText` writes the bytes that task keys hash (`docs/task-keys.md`), so its escapes are
/// pinned here one by one, written out by hand rather than computed.
@Suite struct JSONTextTests {
    /// U+0000–U+001F as the canonical form and the query output wrote them before the writers
    /// were merged: short escapes only for `\t`, `\n`, `\r`; `\u00xx` with lowercase hex for the
    /// rest (no `\b` or `\f`).
    static let controlEscapes = [
        #"\u0000"#, #"\u0001"#, #"\u0002"#, #"\u0003"#, #"\u0004"#, #"\u0005"#, #"\u0006"#, #"\u0007"#,
        #"\u0008"#, #"\t"#, #"\n"#, #"\u000b"#, #"\u000c"#, #"\r"#, #"\u000e"#, #"\u000f"#,
        #"\u0010"#, #"\u0011"#, #"\u0012"#, #"\u0013"#, #"\u0014"#, #"\u0015"#, #"\u0016"#, #"\u0017"#,
        #"\u0018"#, #"\u0019"#, #"\u001a"#, #"\u001b"#, #"\u001c"#, #"\u001d"#, #"\u001e"#, #"\u001f"#,
    ]

    @Test func everyControlCharacterIsEscapedAsBefore() throws {
        #expect(Self.controlEscapes.count == 0x20)
        for (value, escape) in Self.controlEscapes.enumerated() {
            let scalar = try #require(Unicode.Scalar(value))
            #expect(JSONText.string(String(Character(scalar))) == "\"" + escape + "\"", "U+\(value)")
        }
    }

    @Test(arguments: [
        ("\"", #""\"""#), ("\\", #""\\""#), ("/", #""/""#), ("\u{7F}", "\"\u{7F}\""), ("", #""""#),
        ("a\"b\\c", #""a\"b\\c""#), ("line\r\nnext", #""line\r\nnext""#), ("tab\there", #""tab\there""#),
    ])
    func quotesAndBackslashesAreEscapedAndNothingElse(text: String, expected: String) {
        #expect(JSONText.string(text) == expected)
    }

    /// Non-ASCII text is written verbatim as UTF-8, from 2- to 4-byte sequences, C1 controls,
    /// U+2028/U+2029 (legal in JSON) and combining marks included.
    @Test(arguments: [
        "é", "Ω", "\u{80}", "\u{9F}", "\u{A0}", "€", "日本語", "\u{2028}\u{2029}", "\u{FEFF}", "\u{FFFD}", "\u{FFFF}",
        "𝄞", "🎉", "e\u{301}", "👩‍👩‍👧",
    ])
    func nonASCIIIsWrittenVerbatim(text: String) {
        let literal = JSONText.string(text)
        #expect(Array(literal.utf8) == [0x22] + Array(text.utf8) + [0x22])
    }

    /// Every ASCII character, alone and in one string, reads back through Foundation's decoder.
    @Test func everyASCIICharacterRoundTrips() throws {
        let all = String(String.UnicodeScalarView((0..<0x80).compactMap(Unicode.Scalar.init)))
        let texts = all.unicodeScalars.map { String(Character($0)) } + [all, all + "é日🎉"]
        let array = "[" + texts.map(JSONText.string).joined(separator: ",") + "]"
        #expect(try JSONDecoder().decode([String].self, from: Data(array.utf8)) == texts)
    }

    @Test func appendStringAppendsTheSameBytes() {
        var out = Array("x".utf8)
        JSONText.appendString("a\u{1}\"é", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"x"a\u0001\"é""#)
    }

    // MARK: Numbers

    @Test(arguments: [
        (1.0, "1.0"), (-0.0, "-0.0"), (0.1, "0.1"), (100, "100.0"), (1e-5, "1e-05"), (1e16, "1e+16"),
        (0.1 + 0.2, "0.30000000000000004"), (Double.nan, "null"), (Double.infinity, "null"), (-Double.infinity, "null"),
    ])
    func floatKeepsAFraction(value: Double, expected: String) {
        #expect(JSONText.float(value) == expected)
    }

    @Test(arguments: [
        (1.0, "1"), (-0.0, "0"), (100, "100"), (1e-5, "0.00001"), (1e16, "10000000000000000"), (1e-7, "1e-7"),
        (Double.nan, "null"), (Double.infinity, "null"),
    ])
    func numberIsECMAScriptLayout(value: Double, expected: String) {
        #expect(JSONText.number(value) == expected)
        var out: [UInt8] = []
        JSONText.appendNumber(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    /// Both layouts read back to the identical double (the 621 doubles of the ECMAScript fixture).
    @Test func bothLayoutsRoundTrip() throws {
        let url = TestPaths.repositoryRoot.appendingPathComponent("Tests/SweepsTests/Fixtures/numbers-ecmascript.txt")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 621)
        for line in lines {
            let x = Double(bitPattern: try #require(UInt64(line.split(separator: " ")[0], radix: 16)))
            #expect(Double(JSONText.float(x))?.bitPattern == x.bitPattern, "\(x)")
            #expect(Double(JSONText.number(x)) == x, "\(x)")
        }
    }
}
