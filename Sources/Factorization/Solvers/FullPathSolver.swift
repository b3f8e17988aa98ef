/// The full matrix path: dense factors, BLAS products, every problem and every initialisation.
///
/// One step from factors `W_1…W_N` (product `W = W_N ⋯ W_1`):
/// 1. prefixes `P_j = W_j P_{j−1}` (P_1 = W_1, P_N = W): N − 1 products;
/// 2. the residual gradient G and the loss (O(n²), or two `dgemv` for sensing);
/// 3. for j = N…1 with `T_N = G`: `T_{j−1} = W_jᵀ T_j` (from the old W_j), then
///    `W_j ← W_j − η T_j P_{j−1}ᵀ`. Since `T_j = (W_N ⋯ W_{j+1})ᵀ G`, this is exactly
///    `∇_j L = (W_N⋯W_{j+1})ᵀ G (W_{j−1}⋯W_1)ᵀ`, applied to all factors from the same iterate.
///    2(N − 1) products.
/// So 3(N − 1) matrix products per step (the suffix products are folded into T). All buffers live in
/// one arena allocated in `init`; a step allocates nothing.
final class FullPathSolver: DescentEngine {
    let dimension: Int
    let depth: Int
    /// Step size (a variable so tests can take a unit step to read off the gradient).
    var eta: Double
    private let n2: Int
    private let arena: UnsafeMutablePointer<Double>
    private let factors: UnsafeMutablePointer<Double>  // N·n²
    private let prefixes: UnsafeMutablePointer<Double>  // (N−1)·n²: P_2…P_N
    private let gradient: UnsafeMutablePointer<Double>  // G (n²)
    private let scratchA: UnsafeMutablePointer<Double>  // T buffers (n² each)
    private let scratchB: UnsafeMutablePointer<Double>
    private let target: UnsafeMutablePointer<Double>  // Y_noisy (n²)
    private let clean: UnsafeMutablePointer<Double>  // Y (n²)
    private let mask: UnsafeMutablePointer<Double>?  // completion (n²)
    private let truncation: UnsafeMutablePointer<Double>  // V_R (n·R)
    private let projected: UnsafeMutablePointer<Double>  // W V_R (n·R)
    private let rank: Int
    private let sensing: (operator: [Double], measurements: [Double], count: Int)?
    private let residual: UnsafeMutablePointer<Double>?  // sensing residual (m)
    private let svd: SingularValueWorkspace

    /// The floating-point operations of one step's matrix products: `3(N−1) · 2n³`.
    static func flopsPerStep(n: Int, depth: Int) -> Double { Double(3 * (depth - 1)) * 2 * pow3(Double(n)) }
    private static func pow3(_ x: Double) -> Double { x * x * x }

    /// - Parameters:
    ///   - instance: the problem (with its matrices).
    ///   - initial: the N initial factors, W_1 first.
    ///   - eta: the step size.
    init(instance: ProblemInstance, initial: [Matrix], eta: Double) {
        let n = instance.n
        precondition(!initial.isEmpty && initial.allSatisfy { $0.rows == n && $0.columns == n })
        precondition(instance.target != nil && instance.clean != nil, "the full path needs the target matrices")
        dimension = n
        depth = initial.count
        self.eta = eta
        n2 = n * n
        rank = instance.truth.rank
        let completion = instance.kind == .completion
        let count = n2 * (2 * depth - 1) + n2 * 5 + (completion ? n2 : 0) + 2 * n * rank
        arena = .allocate(capacity: max(count, 1))
        arena.initialize(repeating: 0, count: max(count, 1))
        var cursor = arena
        func take(_ k: Int) -> UnsafeMutablePointer<Double> {
            defer { cursor += k }
            return cursor
        }
        factors = take(n2 * depth)
        prefixes = take(n2 * (depth - 1))
        gradient = take(n2)
        scratchA = take(n2)
        scratchB = take(n2)
        target = take(n2)
        clean = take(n2)
        mask = completion ? take(n2) : nil
        truncation = take(n * rank)
        projected = take(n * rank)
        for (j, w) in initial.enumerated() { (factors + j * n2).update(from: w.elements, count: n2) }
        target.update(from: instance.target!.elements, count: n2)
        clean.update(from: instance.clean!.elements, count: n2)
        if let mask, let m = instance.mask { mask.update(from: m, count: n2) }
        if let vr = instance.truncationBasis, rank > 0 { truncation.update(from: vr.elements, count: n * rank) }
        if let s = instance.sensing {
            sensing = (s.operator.elements, s.measurements, s.measurements.count)
            residual = .allocate(capacity: max(s.measurements.count, 1))
            residual!.initialize(repeating: 0, count: max(s.measurements.count, 1))
        } else {
            sensing = nil
            residual = nil
        }
        svd = SingularValueWorkspace(rows: n, columns: n)
    }

    deinit {
        arena.deallocate()
        residual?.deallocate()
    }

    /// W_j (1-based).
    @inline(__always) private func factor(_ j: Int) -> UnsafeMutablePointer<Double> { factors + (j - 1) * n2 }

    /// P_j = W_j ⋯ W_1 (1-based; P_1 is W_1 itself).
    @inline(__always) private func prefix(_ j: Int) -> UnsafeMutablePointer<Double> {
        j == 1 ? factors : prefixes + (j - 2) * n2
    }

    /// The product W = W_N ⋯ W_1 as of the last `evaluate()`.
    private var product: UnsafeMutablePointer<Double> { prefix(depth) }

    func evaluate() -> Double {
        let n = dimension
        if depth >= 2 {
            for j in 2...depth { BLAS.gemm(n, factor(j), prefix(j - 1), into: prefix(j)) }
        }
        let w = product
        // The residual loops below carry no reduction, so they vectorise; the sums are `ddot`s.
        if let sensing, let residual {
            let m = sensing.count
            // residual = A vec(W) − y ; G = Aᵀ residual.
            sensing.measurements.withUnsafeBufferPointer { residual.update(from: $0.baseAddress!, count: m) }
            sensing.operator.withUnsafeBufferPointer { a in
                BLAS.gemv(
                    transpose: false, m: m, n: n2, alpha: 1, a: a.baseAddress!, lda: m, x: w, beta: -1, y: residual)
                BLAS.gemv(
                    transpose: true, m: m, n: n2, alpha: 1, a: a.baseAddress!, lda: m, x: residual, beta: 0,
                    y: gradient)
            }
            return 0.5 * BLAS.dot(m, residual, residual)
        } else if let mask {
            for k in 0..<n2 { gradient[k] = mask[k] * (w[k] - target[k]) }
        } else {
            for k in 0..<n2 { gradient[k] = w[k] - target[k] }
        }
        return 0.5 * BLAS.dot(n2, gradient, gradient)
    }

    func descend() {
        let n = dimension
        var current = UnsafePointer(gradient)
        var useA = true
        var j = depth
        while j > 1 {
            let next = useA ? scratchA : scratchB
            BLAS.gemm(n, transposeA: true, UnsafePointer(factor(j)), current, into: next)
            BLAS.gemm(n, transposeB: true, alpha: -eta, current, UnsafePointer(prefix(j - 1)), beta: 1, into: factor(j))
            current = UnsafePointer(next)
            useA.toggle()
            j -= 1
        }
        let w1 = factor(1)
        let step = eta
        for k in 0..<n2 { w1[k] -= step * current[k] }
    }

    func singularValues(into values: UnsafeMutableBufferPointer<Double>) -> Bool {
        svd.singularValues(of: product, into: values.baseAddress!) == 0
    }

    func cleanErrorSquared() -> Double {
        let w = product
        var sum = 0.0
        for k in 0..<n2 {
            let e = w[k] - clean[k]
            sum += e * e
        }
        return sum
    }

    func truncationProjections(into q: UnsafeMutableBufferPointer<Double>) {
        guard rank > 0 else { return }
        let n = dimension
        BLAS.gemm(
            transposeA: false, transposeB: false, m: n, n: rank, k: n, alpha: 1, a: product, lda: n, b: truncation,
            ldb: n, beta: 0, c: projected, ldc: n)
        for k in 0..<rank {
            var s = 0.0
            for i in 0..<n { s += truncation[i + k * n] * projected[i + k * n] }
            q[k] = s
        }
    }

    /// The current factors, W_1 first (for tests).
    var currentFactors: [Matrix] {
        (1...depth).map { j in
            Matrix(
                rows: dimension, columns: dimension,
                columnMajor: Array(UnsafeBufferPointer(start: factor(j), count: n2)))
        }
    }

    /// Replaces factor W_j (1-based; for tests).
    func setFactor(_ j: Int, _ value: Matrix) {
        precondition(value.rows == dimension && value.columns == dimension)
        factor(j).update(from: value.elements, count: n2)
    }

    /// The product W as of the last `evaluate()` (for tests).
    var currentProduct: Matrix {
        Matrix(rows: dimension, columns: dimension, columnMajor: Array(UnsafeBufferPointer(start: product, count: n2)))
    }
}
