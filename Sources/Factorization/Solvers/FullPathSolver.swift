/// The full matrix path: dense factors, BLAS products, every problem, every initialisation and
/// every shape.
///
/// Shapes: `d_0 = n`, `d_1 … d_{N−1}` the hidden width, `d_N` = rows; factor `W_j` is `d_j × d_{j−1}`,
/// the product `W = W_N ⋯ W_1` is rows × n. One step:
/// 1. prefixes `P_j = W_j P_{j−1}` (P_1 = W_1, P_N = W; `P_j` is `d_j × n`): N − 1 products;
/// 2. the residual gradient G (rows × n) and the loss (O(rows·n), or two `dgemv` for sensing);
/// 3. for j = N…1 with `T_N = G`: `T_{j−1} = W_jᵀ T_j` (from the old W_j), then
///    `W_j ← W_j − η T_j P_{j−1}ᵀ`. Since `T_j = (W_N ⋯ W_{j+1})ᵀ G`, this is exactly
///    `∇_j L = (W_N⋯W_{j+1})ᵀ G (W_{j−1}⋯W_1)ᵀ`, applied to all factors from the same iterate.
///    2(N − 1) products.
/// So 3(N − 1) matrix products per step (the suffix products are folded into T). All buffers live in
/// one arena allocated in `init`; a step allocates nothing.
final class FullPathSolver: DescentEngine {
    /// The number of singular values of the product, min(rows, n).
    let dimension: Int
    let depth: Int
    /// Rows of the target and the product.
    let rows: Int
    /// Columns of the target and the product.
    let columns: Int
    /// Step size (a variable so tests can take a unit step to read off the gradient).
    var eta: Double
    /// `d_0 … d_N`.
    private let dims: [Int]
    private let entries: Int  // rows·n
    private let arena: UnsafeMutablePointer<Double>
    private let factorStart: [UnsafeMutablePointer<Double>]  // W_1…W_N
    private let prefixStart: [UnsafeMutablePointer<Double>]  // P_2…P_N
    private let gradient: UnsafeMutablePointer<Double>  // G (rows·n)
    private let scratchA: UnsafeMutablePointer<Double>  // T buffers (max d · n each)
    private let scratchB: UnsafeMutablePointer<Double>
    private let target: UnsafeMutablePointer<Double>  // Y_noisy (rows·n)
    private let clean: UnsafeMutablePointer<Double>  // Y (rows·n)
    private let mask: UnsafeMutablePointer<Double>?  // completion (rows·n)
    private let truncation: UnsafeMutablePointer<Double>  // V_R (n·R)
    private let leftTruncation: UnsafeMutablePointer<Double>  // U_R (rows·R)
    private let projected: UnsafeMutablePointer<Double>  // W V_R (rows·R)
    private let rank: Int
    private let sensing: (operator: [Double], measurements: [Double], count: Int)?
    private let residual: UnsafeMutablePointer<Double>?  // sensing residual (m)
    private let svd: SingularValueWorkspace
    /// `‖Y_clean‖_F²`.
    let cleanNormSquared: Double
    /// `‖P_Ωᶜ Y_clean‖_F²` for completion, else `nil`.
    let unobservedNormSquared: Double?

    /// The floating-point operations of one step's matrix products for square n×n factors:
    /// `3(N−1) · 2n³`.
    static func flopsPerStep(n: Int, depth: Int) -> Double { Double(3 * (depth - 1)) * 2 * pow3(Double(n)) }
    private static func pow3(_ x: Double) -> Double { x * x * x }

    /// The floating-point operations of one step's matrix products for factors of the given shapes
    /// (W_1 first) and n columns: `3 · Σ_{j≥2} 2 d_j d_{j−1} n`.
    static func flopsPerStep(shapes: [(rows: Int, columns: Int)], n: Int) -> Double {
        shapes.dropFirst().reduce(0.0) { $0 + 6 * Double($1.rows) * Double($1.columns) * Double(n) }
    }

    /// - Parameters:
    ///   - instance: the problem (with its matrices).
    ///   - initial: the N initial factors, W_1 first, of shapes d_1×n, d×d…, rows×d_{N−1}.
    ///   - eta: the step size.
    init(instance: ProblemInstance, initial: [Matrix], eta: Double) {
        let n = instance.n
        let r = instance.rows
        precondition(!initial.isEmpty, "at least one factor")
        precondition(initial[0].columns == n && initial.last!.rows == r, "factor shapes do not match the target")
        for j in 1..<initial.count {
            precondition(initial[j].columns == initial[j - 1].rows, "factor shapes do not chain")
        }
        precondition(instance.target != nil && instance.clean != nil, "the full path needs the target matrices")
        dimension = min(r, n)
        depth = initial.count
        rows = r
        columns = n
        self.eta = eta
        dims = [n] + initial.map(\.rows)
        entries = r * n
        rank = instance.truth.rank
        let completion = instance.kind == .completion
        let widest = dims.max()!
        let factorCount = initial.reduce(0) { $0 + $1.rows * $1.columns }
        let prefixCount = initial.dropFirst().reduce(0) { $0 + $1.rows * n }
        let count =
            factorCount + prefixCount + 2 * widest * n + entries * (completion ? 4 : 3) + (n + 2 * r) * rank
        arena = .allocate(capacity: max(count, 1))
        arena.initialize(repeating: 0, count: max(count, 1))
        var cursor = arena
        func take(_ k: Int) -> UnsafeMutablePointer<Double> {
            defer { cursor += k }
            return cursor
        }
        factorStart = initial.map { take($0.rows * $0.columns) }
        prefixStart = initial.dropFirst().map { take($0.rows * n) }
        gradient = take(entries)
        scratchA = take(widest * n)
        scratchB = take(widest * n)
        target = take(entries)
        clean = take(entries)
        mask = completion ? take(entries) : nil
        truncation = take(n * rank)
        leftTruncation = take(r * rank)
        projected = take(r * rank)
        for (j, w) in initial.enumerated() { factorStart[j].update(from: w.elements, count: w.elements.count) }
        target.update(from: instance.target!.elements, count: entries)
        clean.update(from: instance.clean!.elements, count: entries)
        if let mask, let m = instance.mask { mask.update(from: m, count: entries) }
        if rank > 0, let vr = instance.truncationBasis, let ur = instance.leftTruncationBasis {
            truncation.update(from: vr.elements, count: n * rank)
            leftTruncation.update(from: ur.elements, count: r * rank)
        }
        if let s = instance.sensing {
            sensing = (s.operator.elements, s.measurements, s.measurements.count)
            residual = .allocate(capacity: max(s.measurements.count, 1))
            residual!.initialize(repeating: 0, count: max(s.measurements.count, 1))
        } else {
            sensing = nil
            residual = nil
        }
        svd = SingularValueWorkspace(rows: r, columns: n)
        var norm = 0.0
        var hidden = 0.0
        for k in 0..<entries {
            let y = clean[k]
            norm += y * y
            if let mask, mask[k] == 0 { hidden += y * y }
        }
        cleanNormSquared = norm
        unobservedNormSquared = completion ? hidden : nil
    }

    deinit {
        arena.deallocate()
        residual?.deallocate()
    }

    /// W_j (1-based).
    @inline(__always) private func factor(_ j: Int) -> UnsafeMutablePointer<Double> { factorStart[j - 1] }

    /// P_j = W_j ⋯ W_1 (1-based; P_1 is W_1 itself), `d_j × n`.
    @inline(__always) private func prefix(_ j: Int) -> UnsafeMutablePointer<Double> {
        j == 1 ? factorStart[0] : prefixStart[j - 2]
    }

    /// The product W = W_N ⋯ W_1 as of the last `evaluate()`.
    private var product: UnsafeMutablePointer<Double> { prefix(depth) }

    func evaluate() -> Double {
        let n = columns
        if depth >= 2 {
            for j in 2...depth {
                let (dj, dk) = (dims[j], dims[j - 1])
                BLAS.gemm(
                    transposeA: false, transposeB: false, m: dj, n: n, k: dk, alpha: 1, a: factor(j), lda: dj,
                    b: prefix(j - 1), ldb: dk, beta: 0, c: prefix(j), ldc: dj)
            }
        }
        let w = product
        let count = entries
        // The residual loops below carry no reduction, so they vectorise; the sums are `ddot`s.
        if let sensing, let residual {
            let m = sensing.count
            // residual = A vec(W) − y ; G = Aᵀ residual.
            sensing.measurements.withUnsafeBufferPointer { residual.update(from: $0.baseAddress!, count: m) }
            sensing.operator.withUnsafeBufferPointer { a in
                BLAS.gemv(
                    transpose: false, m: m, n: count, alpha: 1, a: a.baseAddress!, lda: m, x: w, beta: -1,
                    y: residual)
                BLAS.gemv(
                    transpose: true, m: m, n: count, alpha: 1, a: a.baseAddress!, lda: m, x: residual, beta: 0,
                    y: gradient)
            }
            return 0.5 * BLAS.dot(m, residual, residual)
        } else if let mask {
            for k in 0..<count { gradient[k] = mask[k] * (w[k] - target[k]) }
        } else {
            for k in 0..<count { gradient[k] = w[k] - target[k] }
        }
        return 0.5 * BLAS.dot(count, gradient, gradient)
    }

    func descend() {
        let n = columns
        var current = UnsafePointer(gradient)
        var useA = true
        var j = depth
        while j > 1 {
            let (dj, dk) = (dims[j], dims[j - 1])
            let next = useA ? scratchA : scratchB
            // T_{j−1} = W_jᵀ T_j  (d_{j−1} × n)
            BLAS.gemm(
                transposeA: true, transposeB: false, m: dk, n: n, k: dj, alpha: 1, a: factor(j), lda: dj,
                b: current, ldb: dj, beta: 0, c: next, ldc: dk)
            // W_j ← W_j − η T_j P_{j−1}ᵀ  (d_j × d_{j−1})
            BLAS.gemm(
                transposeA: false, transposeB: true, m: dj, n: dk, k: n, alpha: -eta, a: current, lda: dj,
                b: prefix(j - 1), ldb: dk, beta: 1, c: factor(j), ldc: dj)
            current = UnsafePointer(next)
            useA.toggle()
            j -= 1
        }
        let w1 = factor(1)
        let step = eta
        for k in 0..<(dims[1] * n) { w1[k] -= step * current[k] }
    }

    func singularValues(into values: UnsafeMutableBufferPointer<Double>) -> Bool {
        svd.singularValues(of: product, into: values.baseAddress!) == 0
    }

    func cleanErrorSquared() -> Double {
        let w = product
        var sum = 0.0
        for k in 0..<entries {
            let e = w[k] - clean[k]
            sum += e * e
        }
        return sum
    }

    func unobservedErrorSquared() -> Double? {
        guard let mask else { return nil }
        let w = product
        var sum = 0.0
        for k in 0..<entries {
            let e = (1 - mask[k]) * (w[k] - clean[k])
            sum += e * e
        }
        return sum
    }

    func unobservedMaximum() -> Double? {
        guard let mask else { return nil }
        let w = product
        var largest: Double? = nil
        for k in 0..<entries where mask[k] == 0 {
            let a = abs(w[k])
            if largest.map({ a > $0 }) ?? true { largest = a }
        }
        return largest
    }

    func truncationProjections(into q: UnsafeMutableBufferPointer<Double>) {
        guard rank > 0 else { return }
        let (r, n) = (rows, columns)
        BLAS.gemm(
            transposeA: false, transposeB: false, m: r, n: rank, k: n, alpha: 1, a: product, lda: r, b: truncation,
            ldb: n, beta: 0, c: projected, ldc: r)
        for k in 0..<rank {
            var s = 0.0
            for i in 0..<r { s += leftTruncation[i + k * r] * projected[i + k * r] }
            q[k] = s
        }
    }

    /// The current factors, W_1 first (for tests).
    var currentFactors: [Matrix] {
        (1...depth).map { j in
            let (r, c) = (dims[j], dims[j - 1])
            return Matrix(rows: r, columns: c, columnMajor: Array(UnsafeBufferPointer(start: factor(j), count: r * c)))
        }
    }

    /// Replaces factor W_j (1-based; for tests).
    func setFactor(_ j: Int, _ value: Matrix) {
        precondition(value.rows == dims[j] && value.columns == dims[j - 1])
        factor(j).update(from: value.elements, count: value.elements.count)
    }

    /// The product W as of the last `evaluate()` (for tests).
    var currentProduct: Matrix {
        Matrix(rows: rows, columns: columns, columnMajor: Array(UnsafeBufferPointer(start: product, count: entries)))
    }
}
