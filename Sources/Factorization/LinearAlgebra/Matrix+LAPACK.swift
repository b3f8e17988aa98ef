import CBLAS

/// The character arguments LAPACKE takes (`jobz`, `uplo`) as C `char`.
@inline(__always) func lapackChar(_ c: Unicode.Scalar) -> CChar { CChar(bitPattern: UInt8(ascii: c)) }

extension Matrix {
    /// The singular values, largest first (LAPACK `dgesdd`, values only).
    /// - Returns: min(rows, columns) values, each ≥ 0.
    /// - Throws: `LinearAlgebraError` if LAPACK fails (e.g. the matrix contains NaN).
    public func singularValues() throws(LinearAlgebraError) -> [Double] {
        let ws = SingularValueWorkspace(rows: rows, columns: columns)
        var s = Array(repeating: 0.0, count: min(rows, columns))
        let ok = elements.withUnsafeBufferPointer { a in
            s.withUnsafeMutableBufferPointer { out in ws.singularValues(of: a.baseAddress!, into: out.baseAddress!) }
        }
        if ok != 0 { throw LinearAlgebraError(routine: "dgesdd", info: ok) }
        return s
    }

    /// Eigen-decomposition of a symmetric matrix (LAPACK `dsyevd`, upper triangle used).
    /// - Returns: eigenvalues in ascending order and the orthogonal matrix whose columns are the
    ///   matching unit eigenvectors.
    /// - Throws: `LinearAlgebraError` if LAPACK fails.
    public func symmetricEigen() throws(LinearAlgebraError) -> (values: [Double], vectors: Matrix) {
        precondition(isSquare, "symmetricEigen needs a square matrix")
        let n = rows
        var vectors = self
        var values = Array(repeating: 0.0, count: n)
        if n == 0 { return (values, vectors) }
        let n32 = Int32(n)
        let layout = Int32(LAPACK_COL_MAJOR)
        var info: Int32 = 0
        // Workspace query (lwork = liwork = -1), then the real call.
        var workSize = 0.0
        var iworkSize: Int32 = 0
        info = vectors.elements.withUnsafeMutableBufferPointer { a in
            values.withUnsafeMutableBufferPointer { w in
                LAPACKE_dsyevd_work(
                    layout, lapackChar("V"), lapackChar("U"), n32, a.baseAddress, n32, w.baseAddress, &workSize, -1,
                    &iworkSize, -1)
            }
        }
        if info != 0 { throw LinearAlgebraError(routine: "dsyevd", info: Int(info)) }
        var work = Array(repeating: 0.0, count: max(Int(workSize), 1))
        var iwork = Array(repeating: Int32(0), count: max(Int(iworkSize), 1))
        let lwork = Int32(work.count)
        let liwork = Int32(iwork.count)
        info = vectors.elements.withUnsafeMutableBufferPointer { a in
            values.withUnsafeMutableBufferPointer { w in
                work.withUnsafeMutableBufferPointer { wk in
                    iwork.withUnsafeMutableBufferPointer { iw in
                        LAPACKE_dsyevd_work(
                            layout, lapackChar("V"), lapackChar("U"), n32, a.baseAddress, n32, w.baseAddress,
                            wk.baseAddress, lwork, iw.baseAddress, liwork)
                    }
                }
            }
        }
        if info != 0 { throw LinearAlgebraError(routine: "dsyevd", info: Int(info)) }
        return (values, vectors)
    }

    /// The thin singular value decomposition `A = U diag(s) Vᵀ` (LAPACK `dgesdd`, jobz = 'S').
    /// - Returns: U (rows × k, orthonormal columns), s (k values, largest first) and V (columns × k),
    ///   k = min(rows, columns).
    /// - Throws: `LinearAlgebraError` if LAPACK fails.
    public func svd() throws(LinearAlgebraError) -> (u: Matrix, values: [Double], v: Matrix) {
        let (m, n) = (rows, columns)
        let k = min(m, n)
        var a = self
        var s = [Double](repeating: 0, count: k)
        var u = Matrix(rows: m, columns: k)
        var vt = Matrix(rows: k, columns: n)
        if k == 0 { return (u, s, vt.transposed) }
        let m32 = Int32(m)
        let n32 = Int32(n)
        let k32 = Int32(k)
        let layout = Int32(LAPACK_COL_MAJOR)
        let info = a.elements.withUnsafeMutableBufferPointer { pa in
            s.withUnsafeMutableBufferPointer { ps in
                u.elements.withUnsafeMutableBufferPointer { pu in
                    vt.elements.withUnsafeMutableBufferPointer { pv in
                        LAPACKE_dgesdd(
                            layout, lapackChar("S"), m32, n32, pa.baseAddress, m32, ps.baseAddress, pu.baseAddress,
                            m32, pv.baseAddress, k32)
                    }
                }
            }
        }
        if info != 0 { throw LinearAlgebraError(routine: "dgesdd", info: Int(info)) }
        return (u, s, vt.transposed)
    }

    /// The orthogonal factor Q of a QR factorization with the signs fixed so that R has a
    /// non-negative diagonal (LAPACK `dgeqrf` + `dorgqr`). Applied to a matrix of i.i.d. standard
    /// Gaussians this gives a Haar-distributed orthogonal matrix (Mezzadri, 2007).
    /// - Returns: Q, rows × columns, with orthonormal columns.
    /// - Throws: `LinearAlgebraError` if LAPACK fails.
    public func orthogonalFactor() throws(LinearAlgebraError) -> Matrix {
        precondition(rows >= columns, "orthogonalFactor needs rows ≥ columns")
        let (m, n) = (rows, columns)
        var q = self
        if n == 0 { return q }
        let m32 = Int32(m)
        let n32 = Int32(n)
        let layout = Int32(LAPACK_COL_MAJOR)
        var tau = Array(repeating: 0.0, count: n)
        var work = Array(repeating: 0.0, count: max(64 * n, 1))
        let lwork = Int32(work.count)
        var info = q.elements.withUnsafeMutableBufferPointer { a in
            tau.withUnsafeMutableBufferPointer { t in
                work.withUnsafeMutableBufferPointer { w in
                    LAPACKE_dgeqrf_work(layout, m32, n32, a.baseAddress, m32, t.baseAddress, w.baseAddress, lwork)
                }
            }
        }
        if info != 0 { throw LinearAlgebraError(routine: "dgeqrf", info: Int(info)) }
        let signs = (0..<n).map { q[$0, $0] < 0 ? -1.0 : 1.0 }
        info = q.elements.withUnsafeMutableBufferPointer { a in
            tau.withUnsafeBufferPointer { t in
                work.withUnsafeMutableBufferPointer { w in
                    LAPACKE_dorgqr_work(
                        layout, m32, n32, n32, a.baseAddress, m32, t.baseAddress, w.baseAddress, lwork)
                }
            }
        }
        if info != 0 { throw LinearAlgebraError(routine: "dorgqr", info: Int(info)) }
        for j in 0..<n where signs[j] < 0 {
            for i in 0..<m { q[i, j] = -q[i, j] }
        }
        return q
    }
}

/// Reusable buffers for values-only SVDs of matrices of one size, so recording the effective rank
/// inside the gradient-descent loop allocates nothing (`LAPACKE_dgesdd_work` with `jobz = 'N'`,
/// column-major: the row-major variant wrongly validates `ldvt`, see platform notes).
final class SingularValueWorkspace {
    let rows: Int
    let columns: Int
    private let copy: UnsafeMutablePointer<Double>
    private let work: UnsafeMutablePointer<Double>
    private let lwork: Int
    private let iwork: UnsafeMutablePointer<Int32>

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        let count = max(rows * columns, 1)
        copy = .allocate(capacity: count)
        copy.initialize(repeating: 0, count: count)
        iwork = .allocate(capacity: max(8 * min(rows, columns), 1))
        var query = 0.0
        if rows > 0 && columns > 0 {
            let m32 = Int32(rows)
            let n32 = Int32(columns)
            _ = LAPACKE_dgesdd_work(
                Int32(LAPACK_COL_MAJOR), lapackChar("N"), m32, n32, copy, m32, copy, nil, 1, nil, 1, &query, -1, iwork)
        }
        // dgesdd's documented minimum for jobz = 'N' is 3·min + max(max, 7·min); never go below it.
        let mn = min(rows, columns)
        let mx = max(rows, columns)
        lwork = max(Int(query), 3 * mn + max(mx, 7 * mn), 1)
        work = .allocate(capacity: lwork)
    }

    deinit {
        copy.deallocate()
        work.deallocate()
        iwork.deallocate()
    }

    /// Writes the singular values of the column-major `rows`×`columns` matrix `a` (not modified)
    /// into `s` (largest first).
    /// - Returns: LAPACK's `info` (0 on success).
    func singularValues(of a: UnsafePointer<Double>, into s: UnsafeMutablePointer<Double>) -> Int {
        if rows == 0 || columns == 0 { return 0 }
        copy.update(from: a, count: rows * columns)
        let m32 = Int32(rows)
        let n32 = Int32(columns)
        let lw = Int32(lwork)
        let layout = Int32(LAPACK_COL_MAJOR)
        let info = LAPACKE_dgesdd_work(layout, lapackChar("N"), m32, n32, copy, m32, s, nil, 1, nil, 1, work, lw, iwork)
        return Int(info)
    }
}
