import Factorization
import Foundation
import Sweeps

/// How query output is printed.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Aligned columns for a terminal (text left, numbers right); reals with 6 significant digits, NULL as `-`.
    case table
    /// RFC 4180 CSV with a header row; reals in shortest round-trip form, NULL as an empty field.
    case csv
    /// A JSON array of objects; reals in shortest round-trip form, NULL and non-finite as `null`.
    case json
    /// JSON Lines: one object per line, no enclosing array (`pandas.read_json(lines=True)`).
    case jsonl
}

/// Writes rows of `DatabaseValue`s as a table, CSV or JSON.
///
/// JSON strings and numbers are written by `JSONText` (`string`, and `float` for reals: the
/// shortest round-trip text with a fraction kept, `1.0`).
///
/// CSV and JSON stream row by row (so a million raw rows never sit in memory); the table format
/// buffers to align its columns.
public struct TableWriter {
    /// The column names.
    public let columns: [String]
    /// The format.
    public let format: OutputFormat
    private let write: (String) -> Void
    private var buffered: [[String]] = []
    /// Per column: whether some cell is text (then the column is left-aligned).
    private var textColumns: [Bool]
    private var rowCount = 0
    /// Indices of the columns whose TEXT holds a comma-separated real list (JSON: an array).
    private let listColumns: Set<Int>

    /// Starts a table; CSV writes its header at once.
    /// - Parameters:
    ///   - columns: the column names.
    ///   - format: table, CSV or JSON.
    ///   - listColumns: names of columns holding real lists as comma-separated text (the stored
    ///     form, kept in CSV and tables); JSON writes them as arrays of numbers.
    ///   - write: receives the text, in order.
    public init(
        columns: [String], format: OutputFormat, listColumns: Set<String> = [], write: @escaping (String) -> Void
    ) {
        self.columns = columns
        self.listColumns = Set(columns.indices.filter { listColumns.contains(columns[$0]) })
        self.format = format
        self.write = write
        self.textColumns = Array(repeating: false, count: columns.count)
        if format == .csv { write(columns.map(Self.csvField).joined(separator: ",") + "\n") }
        if format == .json { write("[") }
    }

    /// Adds one row (as many values as columns).
    public mutating func add(_ row: [DatabaseValue]) {
        switch format {
        case .table:
            buffered.append(row.map(Self.tableCell))
            for (i, v) in row.enumerated() where i < textColumns.count {
                if case .text = v { textColumns[i] = true }
            }
        case .csv:
            write(row.map { Self.csvField(Self.exact($0) ?? "") }.joined(separator: ",") + "\n")
        case .json, .jsonl:
            let fields = zip(columns, row).enumerated().map { i, cell in
                JSONText.string(cell.0) + ": "
                    + (listColumns.contains(i) ? Self.jsonList(cell.1) : Self.jsonValue(cell.1))
            }
            let object = "{" + fields.joined(separator: ", ") + "}"
            write(format == .jsonl ? object + "\n" : (rowCount == 0 ? "\n  " : ",\n  ") + object)
        }
        rowCount += 1
    }

    /// Ends the output (prints the buffered table, closes the JSON array).
    public mutating func finish() {
        switch format {
        case .table:
            var widths = columns.map(\.count)
            for row in buffered {
                for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
            }
            let left = textColumns
            func line(_ cells: [String]) -> String {
                var parts: [String] = []
                for (i, (c, w)) in zip(cells, widths).enumerated() {
                    let pad = String(repeating: " ", count: max(0, w - c.count))
                    parts.append(left[i] ? c + (i == cells.count - 1 ? "" : pad) : pad + c)
                }
                return parts.joined(separator: "  ")
            }
            write(line(columns) + "\n")
            for row in buffered { write(line(row) + "\n") }
            buffered = []
        case .csv, .jsonl:
            break
        case .json:
            write(rowCount == 0 ? "]\n" : "\n]\n")
        }
    }

    /// The exact text of a value (shortest round-trip reals), `nil` for NULL and non-finite reals.
    static func exact(_ v: DatabaseValue) -> String? {
        switch v {
        case .null: return nil
        case .integer(let i): return String(i)
        case .real(let d): return d.isFinite ? String(d) : nil
        case .text(let s): return s
        case .blob(let b): return b.base64EncodedString()
        }
    }

    static func tableCell(_ v: DatabaseValue) -> String {
        if case .real(let d) = v, d.isFinite { return String(format: "%.6g", d) }
        return exact(v) ?? "-"
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func jsonValue(_ v: DatabaseValue) -> String {
        switch v {
        case .integer(let i): return String(i)
        case .real(let d): return JSONText.float(d)
        case .text(let s): return JSONText.string(s)
        case .null: return "null"
        case .blob: return JSONText.string(exact(v) ?? "")
        }
    }

    /// A stored real list (`10.0,5.0`) as a JSON array (`[10.0, 5.0]`); NULL stays `null`.
    static func jsonList(_ v: DatabaseValue) -> String {
        guard case .text(let s) = v else { return jsonValue(v) }
        let items = s.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard items.allSatisfy({ $0?.isFinite == true }) else { return JSONText.string(s) }
        return "[" + items.map { JSONText.float($0!) }.joined(separator: ", ") + "]"
    }
}
