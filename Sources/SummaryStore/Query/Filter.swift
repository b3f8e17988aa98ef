import Factorization
import Foundation
import Sweeps

/// One `--where`: a condition on parameters and outcome columns, typed against the parameter
/// registry (or the outcome column's words) and bound as SQL parameters (values are never
/// spliced into SQL text). Several `--where`s must all hold.
///
/// Grammar (keywords case-insensitive):
/// ```
/// condition := term (OR term)*
/// term      := factor (AND factor)*
/// factor    := '(' condition ')' | COLUMN OP VALUE | COLUMN [NOT] IN '(' VALUE, VALUE, … ')'
/// ```
/// `COLUMN` is a parameter's sweep name (`record_every`) or an outcome column, `status` or
/// `path_used` (see `QueryColumn`; words, `=`/`!=`/`IN` only); `OP` is one of
/// `= == != < <= > >=`; `VALUE` is an integer, a number, a choice word or a comma-separated list,
/// as the parameter's kind requires. `auto` (or `null`) matches an unset optional parameter
/// (with `=`, `!=` and `IN` only). Lists and choices take only `=`, `!=` and (choices) `IN`.
/// `!=` and `NOT IN` keep unset values out, as SQL does; say `auto` to match them.
public struct Filter: Sendable, Hashable, CustomStringConvertible {
    /// A comparison operator.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="

        var isEquality: Bool { self == .equal || self == .notEqual }
    }

    /// A parsed condition.
    public indirect enum Condition: Sendable, Hashable {
        /// `COLUMN OP VALUE` (`.unset` for `auto`/`null`).
        case comparison(QueryColumn, Operator, ParameterValue)
        /// `COLUMN IN (…)` or, negated, `COLUMN NOT IN (…)`.
        case membership(QueryColumn, [ParameterValue], negated: Bool)
        /// Every condition holds.
        case all([Condition])
        /// Some condition holds.
        case any([Condition])
    }

    /// The condition.
    public let condition: Condition
    /// The text it was parsed from.
    public let text: String

    /// Parses and type-checks one `--where`.
    /// - Throws: `QueryError.malformedWhere`, `.unknownColumn`, `.badValue`, `.badOperator`.
    public init(parsing text: String) throws(QueryError) {
        var parser = Parser(text: text)
        self.condition = try parser.parse()
        self.text = text
    }

    /// The SQL condition over alias `t` (tasks) and its bound values, in order.
    var sql: (text: String, values: [DatabaseValue]) { Self.sql(condition) }

    private static func sql(_ condition: Condition) -> (text: String, values: [DatabaseValue]) {
        switch condition {
        case .comparison(let column, let op, let value):
            if case .unset = value {
                return (op == .equal ? "\(column.sql) IS NULL" : "\(column.sql) IS NOT NULL", [])
            }
            return ("\(column.sql) \(op == .notEqual ? "<>" : op.rawValue) ?", [ParameterColumns.databaseValue(value)])
        case .membership(let column, let values, let negated):
            let set = values.filter { if case .unset = $0 { return false } else { return true } }
            let matchesUnset = set.count < values.count
            var parts: [String] = []
            if !set.isEmpty {
                let marks = Array(repeating: "?", count: set.count).joined(separator: ", ")
                parts.append("\(column.sql) \(negated ? "NOT IN" : "IN") (\(marks))")
            }
            if matchesUnset { parts.append("\(column.sql) \(negated ? "IS NOT NULL" : "IS NULL")") }
            return (
                "(" + parts.joined(separator: negated ? " AND " : " OR ") + ")",
                set.map(ParameterColumns.databaseValue)
            )
        case .all(let parts), .any(let parts):
            let inner = parts.map(sql)
            let joiner: String
            if case .all = condition { joiner = " AND " } else { joiner = " OR " }
            return ("(" + inner.map(\.text).joined(separator: joiner) + ")", inner.flatMap(\.values))
        }
    }

    public var description: String { text }

    /// A recursive-descent reader of the grammar above, over the text's characters.
    private struct Parser {
        let text: String
        let chars: [Character]
        var i = 0

        init(text: String) {
            self.text = text
            self.chars = Array(text)
        }

        mutating func parse() throws(QueryError) -> Condition {
            let condition = try disjunction()
            skipSpaces()
            if i < chars.count {
                throw QueryError.malformedWhere(text: text, reason: "unexpected '\(String(chars[i...]))'")
            }
            return condition
        }

        mutating func disjunction() throws(QueryError) -> Condition {
            var terms = [try conjunction()]
            while keyword("or") { terms.append(try conjunction()) }
            return terms.count == 1 ? terms[0] : .any(terms)
        }

        mutating func conjunction() throws(QueryError) -> Condition {
            var factors = [try factor()]
            while keyword("and") { factors.append(try factor()) }
            return factors.count == 1 ? factors[0] : .all(factors)
        }

        mutating func factor() throws(QueryError) -> Condition {
            skipSpaces()
            if i < chars.count, chars[i] == "(" {
                i += 1
                let inner = try disjunction()
                skipSpaces()
                guard i < chars.count, chars[i] == ")" else {
                    throw QueryError.malformedWhere(text: text, reason: "missing ')'")
                }
                i += 1
                return inner
            }
            return try atom()
        }

        mutating func atom() throws(QueryError) -> Condition {
            skipSpaces()
            let nameStart = i
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-" {
                i += 1
            }
            let name = String(chars[nameStart..<i]).replacingOccurrences(of: "-", with: "_")
            guard !name.isEmpty else { throw QueryError.malformedWhere(text: text, reason: "no parameter name") }
            let afterName = i
            let negated = keyword("not")
            if keyword("in") {
                let column = try Self.column(name)
                return .membership(column, try list(column), negated: negated)
            }
            if negated { throw QueryError.malformedWhere(text: text, reason: "expected IN after NOT") }
            i = afterName
            skipSpaces()
            var opText = ""
            while i < chars.count, "=!<>".contains(chars[i]) {
                opText.append(chars[i])
                i += 1
            }
            if opText == "==" { opText = "=" }
            guard let op = Operator(rawValue: opText) else {
                throw QueryError.malformedWhere(
                    text: text, reason: opText.isEmpty ? "no operator after '\(name)'" : "unknown operator '\(opText)'")
            }
            let raw = value()
            guard !raw.isEmpty else {
                throw QueryError.malformedWhere(text: text, reason: "no value after '\(opText)'")
            }
            let column = try Self.column(name)
            return .comparison(column, op, try Filter.value(raw, column: column, op: op))
        }

        /// `( VALUE, VALUE, … )` after IN: single values, typed like `=`'s.
        mutating func list(_ column: QueryColumn) throws(QueryError) -> [ParameterValue] {
            skipSpaces()
            guard i < chars.count, chars[i] == "(" else {
                throw QueryError.malformedWhere(text: text, reason: "expected '(' after IN")
            }
            i += 1
            guard let close = chars[i...].firstIndex(of: ")") else {
                throw QueryError.malformedWhere(text: text, reason: "missing ')' after IN (")
            }
            let items = String(chars[i..<close]).split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            i = close + 1
            if case .parameter(let spec) = column, case .realList = spec.kind {
                throw QueryError.badOperator(parameter: column.name, op: "IN", reason: "a list takes only = and !=")
            }
            var values: [ParameterValue] = []
            for item in items {
                guard !item.isEmpty else {
                    throw QueryError.malformedWhere(text: text, reason: "empty value in IN (…)")
                }
                values.append(try Filter.value(item, column: column, op: .equal))
            }
            return values
        }

        /// The value text after an operator: up to a top-level AND/OR or a `)` (no value holds one).
        mutating func value() -> String {
            skipSpaces()
            let start = i
            var brackets = 0
            while i < chars.count {
                let c = chars[i]
                if c == "[" { brackets += 1 }
                if c == "]" { brackets -= 1 }
                if c == ")" && brackets <= 0 { break }
                if c == " " && brackets <= 0 {
                    let mark = i
                    if keyword("and") || keyword("or") {
                        i = mark
                        break
                    }
                    i = mark
                }
                i += 1
            }
            return String(chars[start..<i]).trimmingCharacters(in: .whitespaces)
        }

        /// Consumes `word` (case-insensitive) after spaces when it stands alone; else moves nothing.
        mutating func keyword(_ word: String) -> Bool {
            let mark = i
            skipSpaces()
            let end = i + word.count
            guard end <= chars.count, String(chars[i..<end]).lowercased() == word,
                end == chars.count || !(chars[end].isLetter || chars[end].isNumber || chars[end] == "_"),
                i > 0, !(chars[i - 1].isLetter || chars[i - 1].isNumber || chars[i - 1] == "_")
            else {
                i = mark
                return false
            }
            i = end
            return true
        }

        mutating func skipSpaces() {
            while i < chars.count, chars[i] == " " { i += 1 }
        }

        static func column(_ name: String) throws(QueryError) -> QueryColumn {
            guard let column = QueryColumn.named(name) else {
                throw QueryError.unknownColumn(
                    name: name, option: "--where", suggestion: Suggestion.closest(to: name, among: QueryColumn.allNames)
                )
            }
            return column
        }
    }

    /// A typed value for `column`.
    static func value(_ raw: String, column: QueryColumn, op: Operator) throws(QueryError) -> ParameterValue {
        switch column {
        case .parameter(let spec): return try parseValue(raw, spec: spec, op: op)
        case .status, .pathUsed: return try parseWord(raw, column: column, op: op)
        case .host:
            guard op.isEquality else {
                throw QueryError.badOperator(parameter: column.name, op: op.rawValue, reason: "it takes only = and !=")
            }
            return .text(raw)
        }
    }

    /// A value of an outcome column: one of its words, with `=` or `!=`.
    private static func parseWord(_ raw: String, column: QueryColumn, op: Operator) throws(QueryError)
        -> ParameterValue
    {
        let words = column.words ?? []
        guard op.isEquality else {
            throw QueryError.badOperator(parameter: column.name, op: op.rawValue, reason: "it takes only = and !=")
        }
        guard words.contains(raw) else {
            throw QueryError.badValue(
                parameter: column.name, value: raw, expected: "one of " + words.joined(separator: "|"))
        }
        return .text(raw)
    }

    private static func parseValue(_ raw: String, spec: ParameterSpec, op: Operator) throws(QueryError)
        -> ParameterValue
    {
        let name = spec.name
        if spec.optional && (raw == "auto" || raw == "null") {
            guard op.isEquality else {
                throw QueryError.badOperator(parameter: name, op: op.rawValue, reason: "'\(raw)' takes only = and !=")
            }
            return .unset
        }
        switch spec.kind {
        case .matrix:
            throw QueryError.badValue(
                parameter: name, value: raw, expected: "auto (a matrix file can only be tested for being unset)")
        case .integer:
            guard let v = Int(raw) else {
                throw QueryError.badValue(parameter: name, value: raw, expected: "an integer")
            }
            return .integer(v)
        case .real:
            guard let v = Double(raw), v.isFinite else {
                throw QueryError.badValue(parameter: name, value: raw, expected: "a finite number")
            }
            return .real(v)
        case .choice(let words):
            guard op.isEquality else {
                throw QueryError.badOperator(parameter: name, op: op.rawValue, reason: "a choice takes only = and !=")
            }
            guard words.contains(raw) else {
                throw QueryError.badValue(
                    parameter: name, value: raw, expected: "one of " + words.joined(separator: "|"))
            }
            return .text(raw)
        case .realList:
            guard op.isEquality else {
                throw QueryError.badOperator(parameter: name, op: op.rawValue, reason: "a list takes only = and !=")
            }
            let stripped = raw.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
            var list: [Double] = []
            for part in stripped.split(separator: ",", omittingEmptySubsequences: false) {
                guard let v = Double(part.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw QueryError.badValue(
                        parameter: name, value: raw, expected: "a comma-separated list of numbers")
                }
                list.append(v)
            }
            return .realList(list)
        }
    }
}
