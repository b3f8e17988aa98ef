/// A matrix given as a parameter value (`target`, `clean`, `mask`: a user's own instance), with the
/// SHA-256 that identifies it in task keys.
///
/// `sha256` is the digest of the matrix's canonical encoding — the bytes of a version-1.0 `.npy`
/// file, `<f8`, Fortran order, as `NPYFile.encode` writes them (module Sweeps) — so the same matrix
/// gives the same digest whether it was read from a `.npy` in C or Fortran order or from a `.csv`,
/// and whatever the file's name or folder. Equality and hashing use the digest only.
public struct MatrixValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The matrix.
    public let matrix: Matrix
    /// 64 lowercase hex digits (see the type's documentation).
    public let sha256: String

    /// Wraps a matrix and its digest (computed by the caller, which links the hash function).
    /// - Parameters:
    ///   - matrix: the matrix.
    ///   - sha256: the digest of its canonical encoding.
    public init(matrix: Matrix, sha256: String) {
        self.matrix = matrix
        self.sha256 = sha256
    }

    /// `sha256:<digest>`, as written into the canonical form.
    public var description: String { "sha256:" + sha256 }

    public static func == (a: MatrixValue, b: MatrixValue) -> Bool { a.sha256 == b.sha256 }
    public func hash(into hasher: inout Hasher) { hasher.combine(sha256) }

    private enum CodingKeys: String, CodingKey { case rows, columns, elements, sha256 }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try c.decode(Int.self, forKey: .rows)
        let columns = try c.decode(Int.self, forKey: .columns)
        let elements = try c.decode([Double].self, forKey: .elements)
        guard rows >= 0, columns >= 0, elements.count == rows * columns else {
            throw DecodingError.dataCorruptedError(
                forKey: .elements, in: c, debugDescription: "\(elements.count) elements for \(rows)×\(columns)")
        }
        matrix = Matrix(rows: rows, columns: columns, columnMajor: elements)
        sha256 = try c.decode(String.self, forKey: .sha256)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(matrix.rows, forKey: .rows)
        try c.encode(matrix.columns, forKey: .columns)
        try c.encode(matrix.elements, forKey: .elements)
        try c.encode(sha256, forKey: .sha256)
    }
}
