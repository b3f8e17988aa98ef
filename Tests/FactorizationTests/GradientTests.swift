import Foundation
import Testing

@testable import Factorization

/// The full path's gradient against central finite differences of the loss, for every problem,
/// with a random (Gaussian) initialisation so the factors are generic; square symmetric 4×4 with
/// 4×4 factors, and a non-symmetric 3×5 target with hidden width 6 (W_1 6×5, W_2 6×6, W_3 3×6).
@Suite struct GradientTests {
    static func instance(_ problem: ProblemKind, rectangular: Bool = false) throws
        -> (ProblemInstance, [Matrix], SimulationConfig)
    {
        var c = SimulationConfig()
        c.problem = problem
        c.n = rectangular ? 5 : 4
        if rectangular {
            c.rows = 3
            c.width = 6
            c.symmetric = false
        }
        c.spectrum = rectangular ? [2, 1, 0.5] : [2, -1, 0.5]
        c.depth = 3
        c.initKind = .gaussian
        c.alpha = 1.1
        c.noise = 0.1
        c.observed = 0.6
        c.measurements = 11
        c.seed = 17
        try c.validate()
        let inst = try ProblemInstance(config: c, needMatrices: true)
        let initial = try Initialization.factors(.gaussian, shapes: c.factorShapes, scale: 1.1, seed: 17)
        return (inst, initial, c)
    }

    /// The loss written out naively from the definitions, from explicit products.
    static func naiveLoss(_ inst: ProblemInstance, _ factors: [Matrix]) -> Double {
        var w = factors[0]
        for f in factors.dropFirst() { w = f * w }
        let target = inst.target!
        switch inst.kind {
        case .estimation:
            return 0.5 * pow((w - target).frobeniusNorm, 2)
        case .completion:
            var s = 0.0
            for j in 0..<inst.n {
                for i in 0..<inst.rows where inst.mask![i + j * inst.rows] == 1 {
                    s += pow(w[i, j] - target[i, j], 2)
                }
            }
            return 0.5 * s
        case .sensing:
            let (a, y) = inst.sensing!
            var s = 0.0
            for k in 0..<a.rows {
                var inner = 0.0
                for j in 0..<inst.n {
                    for i in 0..<inst.rows { inner += a[k, i + j * inst.rows] * w[i, j] }  // ⟨A_k, W⟩
                }
                s += pow(inner - y[k], 2)
            }
            return 0.5 * s
        }
    }

    @Test(arguments: ProblemKind.allCases, [false, true])
    func gradientMatchesFiniteDifferences(_ problem: ProblemKind, rectangular: Bool) throws {
        let (inst, initial, _) = try Self.instance(problem, rectangular: rectangular)
        let solver = FullPathSolver(instance: inst, initial: initial, eta: 1)
        let loss = solver.evaluate()
        #expect(close(loss, Self.naiveLoss(inst, initial), rel: 1e-12))
        // Measurements y were taken of the noisy target: the naive loss at W = Y_noisy is 0.
        let r = inst.rows
        #expect(Self.naiveLoss(inst, [inst.target!, .identity(r), .identity(r)]) < 1e-20)
        // One unit step: W_j(1) = W_j(0) − ∇_j L.
        solver.descend()
        let after = solver.currentFactors
        let h = 1e-6
        var worst = 0.0
        for j in 0..<3 {
            let gradient = initial[j] - after[j]
            for e in 0..<initial[j].elements.count {
                var plus = initial
                var minus = initial
                plus[j].elements[e] += h
                minus[j].elements[e] -= h
                let fd = (Self.naiveLoss(inst, plus) - Self.naiveLoss(inst, minus)) / (2 * h)
                let err = abs(fd - gradient.elements[e]) / max(1, abs(fd))
                worst = max(worst, err)
            }
            #expect(gradient.frobeniusNorm > 1e-3, "the gradient of W_\(j + 1) should not vanish here")
        }
        #expect(worst < 1e-6, "worst relative gradient error \(worst)")
        // And the solver's own loss at the perturbed point agrees with the naive one.
        var moved = initial
        moved[1].elements[5] += 0.01
        solver.setFactor(1, moved[0])
        solver.setFactor(2, moved[1])
        solver.setFactor(3, moved[2])
        #expect(close(solver.evaluate(), Self.naiveLoss(inst, moved), rel: 1e-12))
    }

    @Test func depthOneIsPlainGradientDescent() throws {
        var c = SimulationConfig()
        c.spectrum = [3, 1]
        c.depth = 1
        c.alpha = 0.2
        c.eta = 0.25
        c.steps = 1
        c.recordEvery = 1
        c.path = .full
        let r = try Simulation.run(c)
        // W(1) = W(0) − η(W(0) − Y): eigenvalues 0.2 + 0.25·(λ − 0.2) = 0.9, 0.4: loss ½(2.1² + 0.6²).
        #expect(close(r.trajectory[1].loss, 0.5 * (2.1 * 2.1 + 0.6 * 0.6), rel: 1e-13))
    }
}

/// The recorded distances to the truncations Y_r against a direct computation from matrices.
@Suite struct TruncationErrorTests {
    @Test(arguments: [SolverPath.full, .spectral])
    func errorsToBestRankRApproximations(_ path: SolverPath) throws {
        var c = SimulationConfig()
        c.n = 6
        c.spectrum = [4, -2, 1, 0.5]
        c.noise = 0.3
        c.alpha = 0.9
        c.seed = 21
        let inst = try ProblemInstance(config: c, needMatrices: true)
        let engine: any DescentEngine =
            path == .full
            ? FullPathSolver(
                instance: inst, initial: try Initialization.factors(.identity, n: 6, depth: 3, alpha: 0.9, seed: 21),
                eta: 0.01)
            : try SpectralSolver(instance: inst, alpha: 0.9, depth: 3, eta: 0.01)
        for _ in 0..<40 {
            _ = engine.evaluate()
            engine.descend()
        }
        _ = engine.evaluate()
        // W itself: the spectral solver's W is U diag(w³) Uᵀ with U the noisy target's eigenbasis.
        let w: Matrix
        if let full = engine as? FullPathSolver {
            w = full.currentProduct
        } else {
            let spectral = try #require(engine as? SpectralSolver)
            let (_, u) = try inst.target!.symmetricEigen()
            w = u * Matrix.diagonal(spectral.factorEigenvalues.map { $0 * $0 * $0 }) * u.transposed
        }
        let rank = inst.truth.rank
        var q = [Double](repeating: 0, count: rank)
        q.withUnsafeMutableBufferPointer { engine.truncationProjections(into: $0) }
        var errors = [Double](repeating: 0, count: rank)
        q.withUnsafeBufferPointer { qp in
            errors.withUnsafeMutableBufferPointer { out in
                DescentDriver.truncationErrors(
                    cleanErrorSquared: engine.cleanErrorSquared(), projections: qp, lambdas: inst.truth.sortedNonZero,
                    into: out)
            }
        }
        #expect(close(engine.cleanErrorSquared().squareRoot(), (w - inst.clean!).frobeniusNorm, rel: 1e-10))
        let v = try #require(inst.basis)
        let order = [0, 1, 2, 3]  // |λ| = 4, 2, 1, 0.5 are already in decreasing order
        for r in 1...rank {
            var yr = Matrix(rows: 6, columns: 6)
            for k in order.prefix(r) {
                let col = Matrix(rows: 6, columns: 1, columnMajor: v.column(k))
                yr = yr + c.spectrum![k] * (col * col.transposed)
            }
            #expect(close(errors[r - 1], (w - yr).frobeniusNorm, rel: 1e-10), "r = \(r)")
        }
    }
}
