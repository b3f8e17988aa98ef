import Foundation

/// Independent fixture computations (not the project's core): the exact scalar recursion of GD on
/// a deep factorization with identity init, `w ← w − η w^{N−1}(w^N − λ)`, and Roy–Vetterli erank.
enum Fixtures {
    /// Effective rank of a matrix with singular values `s`.
    static func erank(_ s: [Double]) -> Double {
        let total = s.reduce(0, +)
        guard total > 0 else { return 0 }
        var h = 0.0
        for v in s where v > 0 {
            let p = v / total
            h -= p * log(p)
        }
        return exp(h)
    }

    /// Recorded (step, erank) of the spectral recursion.
    static func trajectory(
        lambda: [Double], depth: Int, alpha: Double, eta: Double, steps: Int, every: Int
    ) -> [(step: Int, erank: Double)] {
        var w = [Double](repeating: alpha, count: lambda.count)
        var out: [(Int, Double)] = []
        func record(_ k: Int) { out.append((k, erank(w.map { abs(pow($0, Double(depth))) }))) }
        record(0)
        for k in 1...steps {
            for i in w.indices {
                let p = pow(w[i], Double(depth))
                w[i] -= eta * pow(w[i], Double(depth - 1)) * (p - lambda[i])
            }
            if k % every == 0 || k == steps { record(k) }
        }
        return out
    }

    /// Targets erank(Y_r), r = 1…count, for a descending spectrum.
    static func targets(_ lambda: [Double]) -> [Double] {
        (1...lambda.count).map { erank(Array(lambda.prefix($0))) }
    }

    /// Longest run of recorded steps within `tol` of `target`: (start, end).
    static func interval(_ traj: [(step: Int, erank: Double)], target: Double, tol: Double) -> (Int, Int)? {
        var best: (Int, Int)? = nil
        var start: Int? = nil
        var last = 0
        for p in traj {
            if abs(p.erank - target) <= tol {
                if start == nil { start = p.step }
                last = p.step
                if best == nil || last - start! > best!.1 - best!.0 { best = (start!, last) }
            } else {
                start = nil
            }
        }
        return best
    }
}
