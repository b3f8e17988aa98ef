import Factorization
import Foundation
import Sweeps

/// One `--where` condition: `COLUMN OP VALUE`, typed against the parameter registry (or the
/// outcome column's words) and bound as an SQL parameter (values are never spliced into SQL text).
///
/// Grammar: `name` is a parameter's sweep name (`record_every`) or an outcome column, `status`
/// or `path_used` (see `QueryColumn`; words, `=`/`!=` only); `OP` is one of
/// `= == != < <= > >=`; `VALUE` is an integer, a number, a choice word or a comma-separated list,
/// as the parameter's kind requires. `auto` (or `null`) matches an unset optional parameter
/// (with `=`/`!=` only). Lists and choices take only `=` and `!=`.
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

    /// The column: a parameter or an outcome column.
    public let column: QueryColumn
    /// The comparison.
    public let op: Operator
    /// The typed value (`.unset` for `auto`/`null`).
    public let value: ParameterValue

    /// Parses and type-checks one condition.
    /// - Throws: `QueryError.malformedWhere`, `.unknownColumn`, `.badValue`, `.badOperator`.
    public init(parsing text: String) throws(QueryError) {
        let chars = Array(text)
        var i = 0
        while i < chars.count, chars[i] == " " { i += 1 }
        let nameStart = i
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-" { i += 1 }
        let name = String(chars[nameStart..<i]).replacingOccurrences(of: "-", with: "_")
        guard !name.isEmpty else { throw QueryError.malformedWhere(text: text, reason: "no parameter name") }
        while i < chars.count, chars[i] == " " { i += 1 }
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
        let raw = String(chars[i...]).trimmingCharacters(in: .whitespaces)
        guard !raw.isEmpty else { throw QueryError.malformedWhere(text: text, reason: "no value after '\(opText)'") }
        guard let column = QueryColumn.named(name) else {
            throw QueryError.unknownColumn(
                name: name, option: "--where", suggestion: Suggestion.closest(to: name, among: QueryColumn.allNames))
        }
        self.column = column
        self.op = op
        switch column {
        case .parameter(let spec): self.value = try Self.parseValue(raw, spec: spec, op: op)
        case .status, .pathUsed: self.value = try Self.parseWord(raw, column: column, op: op)
        case .host:
            guard op.isEquality else {
                throw QueryError.badOperator(parameter: column.name, op: op.rawValue, reason: "it takes only = and !=")
            }
            self.value = .text(raw)
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

    /// The SQL condition over alias `t` (tasks) and its bound values.
    var sql: (text: String, values: [DatabaseValue]) {
        let column = self.column.sql
        if case .unset = value {
            return (op == .equal ? "\(column) IS NULL" : "\(column) IS NOT NULL", [])
        }
        // `!=` keeps unset (NULL) values out, as SQL does; say "auto" explicitly to match them.
        return ("\(column) \(op.rawValue) ?", [ParameterColumns.databaseValue(value)])
    }

    public var description: String { "\(column.name)\(op.rawValue)\(value)" }
}
