import CBLAS

/// Thin wrappers over the OpenBLAS calls the core uses, on raw column-major buffers.
///
/// Integer arguments are converted into typed locals first: long inline conversions inside a C call
/// make the Swift type checker give up ("unable to type-check this expression").
enum BLAS {
    /// `c ← alpha · op(a) · op(b) + beta · c`, column-major; op(a) is m×k, op(b) is k×n, c is m×n.
    @inline(__always)
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        let ta: CBLAS_TRANSPOSE = transposeA ? CblasTrans : CblasNoTrans
        let tb: CBLAS_TRANSPOSE = transposeB ? CblasTrans : CblasNoTrans
        let m32 = Int32(m)
        let n32 = Int32(n)
        let k32 = Int32(k)
        let lda32 = Int32(lda)
        let ldb32 = Int32(ldb)
        let ldc32 = Int32(ldc)
        cblas_dgemm(CblasColMajor, ta, tb, m32, n32, k32, alpha, a, lda32, b, ldb32, beta, c, ldc32)
    }

    /// Square n×n product `c ← alpha · op(a) · op(b) + beta · c` with leading dimensions n.
    @inline(__always)
    static func gemm(
        _ n: Int, transposeA: Bool = false, transposeB: Bool = false, alpha: Double = 1,
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, beta: Double = 0, into c: UnsafeMutablePointer<Double>
    ) {
        gemm(
            transposeA: transposeA, transposeB: transposeB, m: n, n: n, k: n, alpha: alpha, a: a, lda: n, b: b,
            ldb: n, beta: beta, c: c, ldc: n)
    }

    /// `y ← alpha · op(a) · x + beta · y`, a is m×n column-major.
    @inline(__always)
    static func gemv(
        transpose: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        let t: CBLAS_TRANSPOSE = transpose ? CblasTrans : CblasNoTrans
        let m32 = Int32(m)
        let n32 = Int32(n)
        let lda32 = Int32(lda)
        cblas_dgemv(CblasColMajor, t, m32, n32, alpha, a, lda32, x, 1, beta, y, 1)
    }

    /// `Σ x_i y_i` over `count` contiguous entries (`cblas_ddot`, vectorised).
    @inline(__always)
    static func dot(_ count: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        let n32 = Int32(count)
        return cblas_ddot(n32, x, 1, y, 1)
    }
}
