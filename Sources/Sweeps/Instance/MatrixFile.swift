import Factorization
import Foundation

/// Reads a user's matrix (`target`, `clean`, `mask`) from a `.npy` (float64, C or Fortran order,
/// `NPYFile`) or `.csv` file (one row per line, entries separated by commas, optional spaces, no
/// header; blank lines at the end are ignored), and identifies it by the SHA-256 of its canonical
/// `.npy` encoding (`MatrixValue`).
public enum MatrixFile {
    /// Loads the matrix at `path`.
    /// - Parameter path: the file, absolute or relative to the working directory.
    /// - Returns: the matrix and its digest.
    /// - Throws: `NPYFile.Error` (one line naming the file) when the file is missing, unreadable,
    ///   not `.npy`/`.csv`, of another dtype or shape than a 2-D float64 matrix, or holds a
    ///   non-finite entry.
    public static func load(path: String) throws(NPYFile.Error) -> MatrixValue {
        func fail(_ m: String) -> NPYFile.Error { NPYFile.Error(path: path, message: m) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw fail("no such file")
        }
        if isDirectory.boolValue { throw fail("is a directory, expected a .npy or .csv file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read the file") }
        let bytes = [UInt8](data)
        let matrix: Matrix
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npy": matrix = try NPYFile.decode(bytes, path: path)
        case "csv": matrix = try csv(bytes, path: path)
        default: throw fail("expected a .npy or .csv file")
        }
        if let k = matrix.elements.firstIndex(where: { !$0.isFinite }) {
            throw fail(
                "non-finite entry \(matrix.elements[k]) at row \(k % matrix.rows + 1), column \(k / matrix.rows + 1)")
        }
        return value(matrix)
    }

    /// A path written in a file, resolved from that file's folder (absolute paths unchanged).
    /// - Parameters:
    ///   - path: the path as written.
    ///   - file: the file it was written in (a sweep file).
    /// - Returns: the path to open.
    public static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
    }

    /// Wraps a matrix with its digest.
    /// - Parameter matrix: the matrix.
    /// - Returns: the value, `sha256` the SHA-256 of `NPYFile.encode(matrix)`.
    public static func value(_ matrix: Matrix) -> MatrixValue {
        MatrixValue(matrix: matrix, sha256: SHA256Digest.hex(of: NPYFile.encode(matrix)))
    }

    static func csv(_ bytes: [UInt8], path: String) throws(NPYFile.Error) -> Matrix {
        func fail(_ m: String) -> NPYFile.Error { NPYFile.Error(path: path, message: m) }
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        while let last = lines.last, last.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { lines.removeLast() }
        guard !lines.isEmpty else { throw fail("is empty") }
        var rows: [[Double]] = []
        for (i, line) in lines.enumerated() {
            var row: [Double] = []
            for (j, field) in line.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let text = field.trimmingCharacters(in: .whitespacesAndNewlines)
                guard let v = Double(text) else {
                    throw fail("line \(i + 1), column \(j + 1): '\(text)' is not a number")
                }
                row.append(v)
            }
            if let first = rows.first, first.count != row.count {
                throw fail("line \(i + 1) has \(row.count) entries, line 1 has \(first.count)")
            }
            rows.append(row)
        }
        return Matrix(rowMajor: rows)
    }
}
