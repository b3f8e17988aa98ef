import CBLAS

/// A dense real matrix with contiguous **column-major** storage.
///
/// Element `(i, j)` (row `i`, column `j`, both from 0) lives at `elements[i + j * rows]`, the layout
/// BLAS and LAPACK expect with `CblasColMajor` / `LAPACK_COL_MAJOR` and a leading dimension equal to
/// `rows`. The type is a plain value (copy-on-write through its array); products and factorizations go
/// through OpenBLAS and LAPACKE. The gradient-descent hot loop does not use this type: it works on
/// preallocated buffers (see `FullPathSolver`), so no step allocates.
public struct Matrix: Sendable, Hashable, CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries, column after column (`rows * columns` values).
    public var elements: [Double]

    /// A matrix filled with `value`.
    /// - Parameters:
    ///   - rows: number of rows (≥ 0).
    ///   - columns: number of columns (≥ 0).
    ///   - value: the value of every entry.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        elements = Array(repeating: value, count: rows * columns)
    }

    /// A matrix from column-major entries.
    /// - Parameters:
    ///   - rows: the number of rows.
    ///   - columns: the number of columns.
    ///   - elements: the entries, column after column.
    /// - Precondition: `elements.count == rows * columns`.
    public init(rows: Int, columns: Int, columnMajor elements: [Double]) {
        precondition(elements.count == rows * columns, "expected \(rows * columns) entries, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from its rows, written as in mathematics (`[[1, 2], [3, 4]]`).
    /// - Parameter rowsOfValues: the rows, top to bottom.
    /// - Precondition: every row has the same length.
    public init(rowMajor rowsOfValues: [[Double]]) {
        let r = rowsOfValues.count
        let c = rowsOfValues.first?.count ?? 0
        precondition(rowsOfValues.allSatisfy { $0.count == c }, "rows of different lengths")
        self.init(rows: r, columns: c)
        for i in 0..<r {
            for j in 0..<c { self[i, j] = rowsOfValues[i][j] }
        }
    }

    /// The n×n identity scaled by `scale`.
    /// - Parameters:
    ///   - n: the dimension.
    ///   - scale: the value on the diagonal.
    /// - Returns: `scale · I_n`.
    public static func identity(_ n: Int, scale: Double = 1) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = scale }
        return m
    }

    /// The top-left `rows × columns` block.
    /// - Parameters:
    ///   - rows: the block's rows (≤ `self.rows`).
    ///   - columns: the block's columns (≤ `self.columns`).
    /// - Returns: the block, a new matrix.
    public func block(rows: Int, columns: Int) -> Matrix {
        precondition(rows <= self.rows && columns <= self.columns)
        if rows == self.rows && columns == self.columns { return self }
        var m = Matrix(rows: rows, columns: columns)
        for j in 0..<columns {
            for i in 0..<rows { m[i, j] = self[i, j] }
        }
        return m
    }

    /// A square diagonal matrix with `diagonal` on its diagonal.
    /// - Parameter diagonal: the diagonal entries.
    /// - Returns: an n×n matrix, n = `diagonal.count`.
    public static func diagonal(_ diagonal: [Double]) -> Matrix {
        var m = Matrix(rows: diagonal.count, columns: diagonal.count)
        for (i, d) in diagonal.enumerated() { m[i, i] = d }
        return m
    }

    /// Entry in row `i`, column `j`.
    @inlinable public subscript(i: Int, j: Int) -> Double {
        get { elements[i + j * rows] }
        set { elements[i + j * rows] = newValue }
    }

    /// Column `j` as an array.
    /// - Parameter j: the column index, 0 ≤ j < columns.
    /// - Returns: its `rows` entries.
    public func column(_ j: Int) -> [Double] { Array(elements[(j * rows)..<((j + 1) * rows)]) }

    /// Whether the matrix is square.
    public var isSquare: Bool { rows == columns }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for j in 0..<columns {
            for i in 0..<rows { t.elements[j + i * columns] = elements[i + j * rows] }
        }
        return t
    }

    /// The Frobenius norm `sqrt(Σ a_ij²)`.
    public var frobeniusNorm: Double { elements.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// The largest absolute entry (0 for an empty matrix).
    public var maxAbs: Double { elements.reduce(0) { max($0, abs($1)) } }

    /// Whether every entry is finite.
    public var isFinite: Bool { elements.allSatisfy(\.isFinite) }

    /// The entries row by row, for debugging.
    public var description: String {
        (0..<rows).map { i in (0..<columns).map { j in String(self[i, j]) }.joined(separator: " ") }
            .joined(separator: "\n")
    }

    /// Entry-wise sum.
    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "dimension mismatch in +")
        return Matrix(rows: a.rows, columns: a.columns, columnMajor: zip(a.elements, b.elements).map { $0 + $1 })
    }

    /// Entry-wise difference.
    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns, "dimension mismatch in -")
        return Matrix(rows: a.rows, columns: a.columns, columnMajor: zip(a.elements, b.elements).map { $0 - $1 })
    }

    /// Scalar multiple.
    public static func * (s: Double, a: Matrix) -> Matrix {
        Matrix(rows: a.rows, columns: a.columns, columnMajor: a.elements.map { s * $0 })
    }

    /// Matrix product through `cblas_dgemm`.
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        var c = Matrix(rows: a.rows, columns: b.columns)
        c.multiply(a, b)
        return c
    }

    /// `self ← alpha · op(a) · op(b) + beta · self` through `cblas_dgemm` (op = transpose or not).
    /// - Parameters:
    ///   - a: the left factor.
    ///   - b: the right factor.
    ///   - transposeA: use aᵀ.
    ///   - transposeB: use bᵀ.
    ///   - alpha: the product's scale.
    ///   - beta: the scale of the old `self` (0: overwrite).
    /// - Precondition: the dimensions agree and `self` is the right size.
    public mutating func multiply(
        _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Double = 1, beta: Double = 0
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb && rows == m && columns == n, "dimension mismatch in multiply")
        if m == 0 || n == 0 { return }
        let (ra, rb, rc) = (a.rows, b.rows, rows)
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                elements.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: pa.baseAddress!, lda: max(ra, 1), b: pb.baseAddress!, ldb: max(rb, 1), beta: beta,
                        c: pc.baseAddress!, ldc: max(rc, 1))
                }
            }
        }
    }

    /// Matrix–vector product `op(self) · x` through `cblas_dgemv`.
    /// - Parameters:
    ///   - x: the vector, as long as `op(self)` has columns.
    ///   - transpose: multiply by the transpose instead.
    /// - Returns: the product vector.
    public func times(_ x: [Double], transpose: Bool = false) -> [Double] {
        precondition(x.count == (transpose ? rows : columns), "dimension mismatch in times")
        var y = Array(repeating: 0.0, count: transpose ? columns : rows)
        if y.isEmpty || x.isEmpty { return y }
        let (r, c) = (rows, columns)
        elements.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    BLAS.gemv(
                        transpose: transpose, m: r, n: c, alpha: 1, a: pa.baseAddress!, lda: max(r, 1),
                        x: px.baseAddress!, beta: 0, y: py.baseAddress!)
                }
            }
        }
        return y
    }
}
