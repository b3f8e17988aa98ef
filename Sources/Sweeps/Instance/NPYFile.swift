import Factorization
import Foundation

/// Reading and writing 2-D float64 matrices as NumPy `.npy` files (format versions 1.0, 2.0 and
/// 3.0; https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
///
/// A file is the magic `\x93NUMPY`, the version (two bytes), the header length (little-endian
/// `u16` for 1.0, `u32` for 2.0/3.0), a Python-literal dict
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (r, c), }` padded with spaces and a newline
/// so the data starts on a 64-byte boundary, then the r·c doubles in C (row-major) or Fortran
/// (column-major) order. Only `<f8` and `>f8` (float64 either byte order) are read; files are
/// written `<f8`, Fortran order (`Matrix`'s own layout).
public enum NPYFile {
    /// Why a `.npy` file could not be read: one line naming the file and what is wrong.
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        /// The file.
        public let path: String
        /// What is wrong, e.g. "dtype is '<i8', expected float64 ('<f8')".
        public let message: String

        /// `path: message`.
        public var description: String { "\(path): \(message)" }
    }

    /// Encodes a matrix as the bytes of a version-1.0 `.npy` file (`<f8`, Fortran order).
    /// - Parameter matrix: the matrix.
    /// - Returns: the file's bytes.
    public static func encode(_ matrix: Matrix) -> [UInt8] {
        var header = "{'descr': '<f8', 'fortran_order': True, 'shape': (\(matrix.rows), \(matrix.columns)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xff), UInt8(length >> 8)]
        out += Array(header.utf8)
        out.reserveCapacity(out.count + 8 * matrix.elements.count)
        for x in matrix.elements { withUnsafeBytes(of: x.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    /// Writes `matrix` to `path` as a `.npy` file.
    /// - Throws: Foundation's error when the file cannot be written.
    public static func write(_ matrix: Matrix, to path: String) throws {
        try Data(encode(matrix)).write(to: URL(fileURLWithPath: path))
    }

    /// Decodes the bytes of a `.npy` file holding a 2-D float64 array.
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - path: the file's name, for messages.
    /// - Returns: the matrix.
    /// - Throws: `NPYFile.Error` for anything but a well-formed 2-D float64 array.
    public static func decode(_ bytes: [UInt8], path: String) throws(Error) -> Matrix {
        func fail(_ m: String) -> Error { Error(path: path, message: m) }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw fail("not a .npy file (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default: throw fail("unsupported .npy format version \(major).\(bytes[7])")
        }
        guard bytes.count >= headerStart + headerLength else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        func entry(_ key: String) -> Substring? {
            guard let k = header.range(of: "'\(key)'") else { return nil }
            var rest = header[k.upperBound...].drop { $0 == " " || $0 == ":" }
            if rest.first == "(" {
                guard let close = rest.firstIndex(of: ")") else { return nil }
                return rest[...close]
            }
            rest = rest.prefix { $0 != "," && $0 != "}" }
            return Substring(rest.trimmingCharacters(in: .whitespaces))
        }
        guard let descr = entry("descr"), let order = entry("fortran_order"), let shape = entry("shape") else {
            throw fail("header lacks descr, fortran_order or shape: \(header.trimmingCharacters(in: .whitespaces))")
        }
        let dtype = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        guard dtype == "<f8" || dtype == ">f8" else {
            throw fail("dtype is '\(dtype)', expected float64 ('<f8')")
        }
        guard order == "True" || order == "False" else { throw fail("fortran_order is '\(order)'") }
        let dims = shape.dropFirst().dropLast().split(separator: ",").map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard dims.count == 2, let r = dims[0], let c = dims[1], r >= 1, c >= 1 else {
            throw fail("shape \(shape) is not a 2-D matrix with at least one row and column")
        }
        let (count, overflow) = r.multipliedReportingOverflow(by: c)
        let dataStart = headerStart + headerLength
        guard !overflow, bytes.count - dataStart == 8 * count else {
            throw fail("holds \(bytes.count - dataStart) data bytes, expected \(r)·\(c)·8")
        }
        var values = [Double](repeating: 0, count: count)
        let swap = dtype == ">f8"
        for k in 0..<count {
            var bits: UInt64 = 0
            for b in 0..<8 { bits |= UInt64(bytes[dataStart + 8 * k + b]) << (8 * b) }
            values[k] = Double(bitPattern: swap ? bits.byteSwapped : bits)
        }
        if order == "True" { return Matrix(rows: r, columns: c, columnMajor: values) }
        var m = Matrix(rows: r, columns: c)
        for i in 0..<r {
            for j in 0..<c { m[i, j] = values[i * c + j] }
        }
        return m
    }
}
