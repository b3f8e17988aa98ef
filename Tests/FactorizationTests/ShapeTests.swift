import Foundation
import Testing

@testable import Factorization

/// Rectangular and non-symmetric targets, hidden widths and `alpha_scope`: the definitions of the
/// inits and targets for every shape, the recovery errors, and where the spectral path and the
/// theory apply.
@Suite struct ShapeTests {
    static func maxDeviation(_ a: Matrix, _ b: Matrix) -> Double {
        zip(a.elements, b.elements).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: [(3, 5), (5, 3), (4, 4)])
    func everyInitIsDefinedForEveryShape(rows: Int, columns: Int) throws {
        let shapes = [(rows: rows, columns: columns)]
        let s = 0.7
        let identity = try Initialization.factors(.identity, shapes: shapes, scale: s, seed: 1)[0]
        for j in 0..<columns {
            for i in 0..<rows { #expect(identity[i, j] == (i == j ? s : 0)) }
        }
        let q = try Initialization.factors(.orthogonal, shapes: shapes, scale: s, seed: 1)[0]
        #expect(q.rows == rows && q.columns == columns)
        // Orthonormal columns (rows ≥ columns) or rows (rows ≤ columns), scaled by s.
        let gram = rows >= columns ? q.transposed * q : q * q.transposed
        #expect(Self.maxDeviation(gram, .identity(min(rows, columns), scale: s * s)) < 1e-13)
    }

    @Test func gaussianInitHasVarianceScaleSquaredOverFanIn() throws {
        let w = try Initialization.factors(.gaussian, shapes: [(rows: 300, columns: 200)], scale: 2, seed: 3)[0]
        let variance = w.elements.reduce(0) { $0 + $1 * $1 } / Double(w.elements.count)
        #expect(close(variance, 4.0 / 200, rel: 0.02))  // 60 000 samples: standard error ≈ 0.6 %
    }

    @Test func productScopeGivesEachFactorAlphaToTheOneOverN() throws {
        var c = SimulationConfig()
        c.alpha = 1e-3
        c.depth = 3
        c.alphaScope = .product
        c.path = .full
        c.steps = 0
        let instance = try Simulation.instance(c)
        for w in instance.factors { #expect(Self.maxDeviation(w, .identity(5, scale: 0.1)) < 1e-15) }
        // The identity product starts at α·I: on the spectral path too.
        c.path = .spectral
        let r = try Simulation.run(c)
        #expect(close(r.trajectory[0].erankRatio, 5, rel: 1e-12))
        var full = c
        full.path = .full
        full.steps = 200
        c.steps = 200
        #expect(close(try Simulation.run(full).finalLoss, try Simulation.run(c).finalLoss, rel: 1e-10))
    }

    @Test func nonSymmetricTargetHasTheGivenSingularValues() throws {
        var c = SimulationConfig()
        c.rows = 3
        c.n = 5
        c.symmetric = false
        c.spectrum = [4, 2]
        let instance = try Simulation.instance(c)
        #expect(instance.clean.rows == 3 && instance.clean.columns == 5)
        let sv = try instance.clean.singularValues().sorted(by: >)
        #expect(close(sv[0], 4, rel: 1e-13) && close(sv[1], 2, rel: 1e-13) && sv[2] < 1e-13)
        // Not symmetric in general even when square.
        c.rows = nil
        let square = try Simulation.instance(c).clean
        #expect(Self.maxDeviation(square, square.transposed) > 0.1)
        // Defaults: width max(rows, n), W_1 d×n, W_N rows×d.
        c.rows = 3
        c.depth = 3
        #expect(c.factorShapes.map { [$0.rows, $0.columns] } == [[5, 5], [5, 5], [3, 5]])
        c.width = 7
        #expect(c.factorShapes.map { [$0.rows, $0.columns] } == [[7, 5], [7, 7], [3, 7]])
    }

    /// `final_error`, `final_unobserved_error` and `best_error` against the product rebuilt from the
    /// solver's factors.
    @Test func recoveryErrorsAreRelativeAndUnobservedOnesUseTheHiddenEntries() throws {
        var c = SimulationConfig()
        c.problem = .completion
        c.rows = 4
        c.n = 6
        c.symmetric = false
        c.spectrum = [3, 1]
        c.initKind = .gaussian
        c.alpha = 0.3
        c.eta = 0.1
        c.observed = 0.5
        c.seed = 5
        c.steps = 30
        c.recordEvery = 10
        let result = try Simulation.run(c)
        let instance = try Simulation.instance(c)
        let p = try ProblemInstance(config: c, needMatrices: true)
        let solver = FullPathSolver(instance: p, initial: instance.factors, eta: c.eta)
        for _ in 0..<30 {
            _ = solver.evaluate()
            solver.descend()
        }
        _ = solver.evaluate()
        let w = solver.currentProduct
        let y = instance.clean
        let mask = try #require(instance.mask)
        var hidden = 0.0
        var hiddenNorm = 0.0
        for k in 0..<y.elements.count where mask.elements[k] == 0 {
            hidden += pow(w.elements[k] - y.elements[k], 2)
            hiddenNorm += y.elements[k] * y.elements[k]
        }
        #expect(hiddenNorm > 0)
        let relative = (w - y).frobeniusNorm / y.frobeniusNorm
        #expect(close(try #require(result.finalError), relative, rel: 1e-12))
        #expect(close(try #require(result.finalUnobservedError), (hidden / hiddenNorm).squareRoot(), rel: 1e-12))
        let errors = result.trajectory.compactMap(\.error)
        #expect(errors.count == result.trajectory.count)
        #expect(result.bestRecoveryError == errors.min())
        #expect(result.trajectory.allSatisfy { $0.unobservedError != nil })
        // Predictions assume a square symmetric target: null here.
        #expect(result.predicted.allSatisfy { $0.start == nil && $0.end == nil })
        // Estimation has no unobserved entries.
        c.problem = .estimation
        let estimation = try Simulation.run(c)
        #expect(estimation.finalUnobservedError == nil && estimation.finalError != nil)
    }

    @Test func rectangularTruncationErrorsMatchTheBestRankRApproximations() throws {
        var c = SimulationConfig()
        c.rows = 4
        c.n = 6
        c.symmetric = false
        c.spectrum = [4, 2, 1]
        c.noise = 0.2
        c.seed = 9
        c.depth = 2
        c.width = 8
        let p = try ProblemInstance(config: c, needMatrices: true)
        let factors = try Initialization.factors(.gaussian, shapes: c.factorShapes, scale: 1, seed: 9)
        let solver = FullPathSolver(instance: p, initial: factors, eta: 0.01)
        _ = solver.evaluate()
        let w = solver.currentProduct
        var q = [Double](repeating: 0, count: 3)
        q.withUnsafeMutableBufferPointer { solver.truncationProjections(into: $0) }
        var errors = [Double](repeating: 0, count: 3)
        q.withUnsafeBufferPointer { qp in
            errors.withUnsafeMutableBufferPointer { out in
                DescentDriver.truncationErrors(
                    cleanErrorSquared: solver.cleanErrorSquared(), projections: qp, lambdas: [4, 2, 1], into: out)
            }
        }
        let u = try #require(p.leftBasis)
        let v = try #require(p.basis)
        for r in 1...3 {
            var yr = Matrix(rows: 4, columns: 6)
            for k in 0..<r {
                let uk = Matrix(rows: 4, columns: 1, columnMajor: u.column(k))
                let vk = Matrix(rows: 6, columns: 1, columnMajor: v.column(k))
                yr = yr + [4.0, 2, 1][k] * (uk * vk.transposed)
            }
            #expect(close(errors[r - 1], (w - yr).frobeniusNorm, rel: 1e-10), "r = \(r)")
        }
    }

    @Test(arguments: [
        (["rows": "3", "symmetric": "false"], "a square target with n×n factors"),
        (["width": "7"], "a square target with n×n factors"),
        (["symmetric": "false"], "a symmetric target"),
        (["init": "gaussian"], "problem estimation with init identity"),
    ])
    func spectralIsRefusedWhereItIsNotExact(settings: [String: String], reason: String) throws {
        var c = SimulationConfig()
        c.path = .spectral
        for (name, value) in settings {
            try c.set(name, to: Int(value).map(ParameterValue.integer) ?? .text(value))
        }
        #expect(throws: ParameterError.self) { try c.validate() }
        do {
            try c.validate()
        } catch {
            #expect(error.parameter == "path" && error.message.contains(reason), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func badShapeCombinationsAreRefused() throws {
        var c = SimulationConfig()
        c.rows = 3
        #expect(
            throws: ParameterError(
                parameter: "symmetric", message: "a 3×5 target cannot be symmetric; set symmetric: false (or rows = n)")
        ) { try c.validate() }
        c.symmetric = false
        c.spectrum = [3, 2, 1, 0.5]
        #expect(throws: ParameterError.self) { try c.validate() }
        c.spectrum = [3, -2]
        #expect(throws: ParameterError.self) { try c.validate() }
        c.spectrum = nil
        c.width = 0
        #expect(throws: ParameterError.self) { try c.validate() }
    }
}
