import Foundation

/// Runs a `DescentEngine` for a configuration's steps: evaluates, records, checks the stopping rules
/// and descends, then turns the recording into a `SimulationResult`.
///
/// Stopping rules, checked on every step's loss before recording it:
/// - **diverged**: the loss is not finite or exceeds `divergenceFactor · max(1, loss at step 0)`;
///   the run stops at once and that step is not recorded (so every recorded number is finite);
///   a LAPACK failure on the iterate counts the same way;
/// - **converged**: `stop_loss` is set and the loss is below it; that step is recorded and is the last;
/// - **finished**: step `steps` was reached and recorded.
struct DescentDriver {
    /// A loss this many times above max(1, initial loss) counts as diverged.
    static let divergenceFactor = 1e10
    /// The most per-record truncation errors kept (records × rank); beyond it `middle_error` is omitted.
    static let maximumStoredErrors = 32_000_000

    let config: SimulationConfig
    let truth: GroundTruth
    let noisy: Bool

    /// What the loop collected.
    struct Recording {
        var status: RunStatus = .finished
        var steps = 0
        var trajectory: [TrajectoryPoint] = []
        /// `‖W(k) − Y_r‖_F` for every record (row) and r = 1…R (column), when within the cap.
        var truncationErrors: [Double]? = []
        var finalCleanError: Double? = nil
    }

    /// `sqrt(a / b)`, or `nil` when `b` is zero or either is `nil`.
    @inline(__always) static func relative(_ a: Double?, _ b: Double?) -> Double? {
        guard let a, let b, b > 0 else { return nil }
        return (a / b).squareRoot()
    }

    /// `‖W‖_F = sqrt(Σ σ_i²)` from the singular values of W (the same on both paths).
    static func frobeniusNorm(_ sigma: UnsafeBufferPointer<Double>) -> Double {
        var sum = 0.0
        for s in sigma { sum += s * s }
        return sum.squareRoot()
    }

    /// Runs the loop.
    func run(_ engine: some DescentEngine) -> Recording {
        let n = engine.dimension
        let rank = truth.rank
        let lambdas = truth.sortedNonZero
        let total = config.steps
        let every = config.recordEvery
        let expectedRecords = total / every + 2
        var rec = Recording()
        // Locals, not `rec`'s fields: appending through an optional's `!` may copy the array.
        var trajectory: [TrajectoryPoint] = []
        trajectory.reserveCapacity(expectedRecords)
        let keepErrors = rank > 0 && expectedRecords * rank <= Self.maximumStoredErrors
        var errors: [Double] = []
        if keepErrors { errors.reserveCapacity(expectedRecords * rank) }
        let sigma = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1))
        let q = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(rank, 1))
        defer {
            sigma.deallocate()
            q.deallocate()
        }
        let cleanNorm = engine.cleanNormSquared
        let hiddenNorm = engine.unobservedNormSquared
        var limit = Double.infinity
        var lastCleanError: Double? = nil
        var k = 0
        while true {
            let loss = engine.evaluate()
            if k == 0 { limit = Self.divergenceFactor * max(1, loss) }
            if !loss.isFinite || loss > limit {
                rec.status = .diverged
                break
            }
            let converged = config.stopLoss.map { loss < $0 } ?? false
            if k % every == 0 || k == total || converged {
                guard engine.singularValues(into: sigma) else {
                    rec.status = .diverged
                    break
                }
                let s = UnsafeBufferPointer(sigma)
                let e2 = engine.cleanErrorSquared()
                trajectory.append(
                    TrajectoryPoint(
                        step: k, loss: loss, erank: EffectiveRank.royVetterli(s),
                        erankRatio: EffectiveRank.nuclearToOperatorRatio(s), cleanError: noisy ? e2.squareRoot() : nil,
                        error: Self.relative(e2, cleanNorm),
                        unobservedError: Self.relative(engine.unobservedErrorSquared(), hiddenNorm),
                        productNorm: Self.frobeniusNorm(s), unobservedMax: engine.unobservedMaximum()))
                lastCleanError = e2.squareRoot()
                if keepErrors {
                    engine.truncationProjections(into: q)
                    let base = errors.count
                    for _ in 0..<rank { errors.append(0) }
                    errors.withUnsafeMutableBufferPointer { out in
                        Self.truncationErrors(
                            cleanErrorSquared: e2, projections: UnsafeBufferPointer(q), lambdas: lambdas,
                            into: UnsafeMutableBufferPointer(rebasing: out[base..<(base + rank)]))
                    }
                }
            }
            if converged {
                rec.status = .converged
                break
            }
            if k == total { break }
            engine.descend()
            k += 1
        }
        rec.trajectory = trajectory
        rec.truncationErrors = keepErrors ? errors : nil
        rec.finalCleanError = lastCleanError
        rec.steps = k
        return rec
    }

    /// `‖W − Y_r‖_F` for r = 1…R from `‖W − Y‖_F²` and the projections `q_k = v_kᵀ W v_k`:
    /// `‖W − Y_r‖² = ‖W − Y‖² + Σ_{k>r} λ_k (2 q_k − λ_k)` (expand `W − Y_r = (W − Y) + Σ_{k>r} λ_k v_k v_kᵀ`),
    /// accumulated from r = R down. No cancellation at r = R, where the error may be tiny.
    static func truncationErrors(
        cleanErrorSquared e2: Double, projections q: UnsafeBufferPointer<Double>, lambdas: [Double],
        into out: UnsafeMutableBufferPointer<Double>
    ) {
        var acc = e2
        for r in stride(from: lambdas.count, through: 1, by: -1) {
            out[r - 1] = max(acc, 0).squareRoot()
            let l = lambdas[r - 1]
            acc += l * (2 * q[r - 1] - l)
        }
    }

    /// Builds the result from a recording.
    func result(_ rec: Recording, path: SolverPath, seconds: Double) -> SimulationResult {
        let rank = truth.rank
        let steps = rec.trajectory.map(\.step)
        let errors = rec.truncationErrors
        // Both measures from the one recording; the middle errors ‖W(k) − Y_r‖_F do not depend on it.
        func measured(_ measure: EffectiveRankMeasure) -> [IntervalStat] {
            IntervalExtraction.intervals(
                values: rec.trajectory.map(measure.value), steps: steps, targets: truth.targets(measure),
                tolerance: config.tolerance, middleError: { i, r in errors.map { $0[i * rank + r - 1] } })
        }
        let intervals = measured(.entropy)
        let predicted = Simulation.predictions(config, truth: truth)
        var bestStep: Int? = nil
        var bestError: Double? = nil
        var inside: Bool? = nil
        if noisy {
            for p in rec.trajectory {
                if let e = p.cleanError, bestError == nil || e < bestError! {
                    bestError = e
                    bestStep = p.step
                }
            }
            if let b = bestStep {
                inside = intervals.contains { iv in iv.start.map { $0 <= b } == true && iv.end.map { b <= $0 } == true }
            }
        }
        let last = rec.trajectory.last
        var result = SimulationResult(
            status: rec.status, path: path, steps: rec.steps,
            finalLoss: last?.loss ?? Double.greatestFiniteMagnitude, finalErank: last?.erank ?? 0,
            targets: truth.targets, intervals: intervals, predicted: predicted, trajectory: rec.trajectory,
            bestStep: bestStep, bestCleanError: bestError, bestInsideInterval: inside, seconds: seconds)
        result.ratio = RankIntervals(targets: truth.ratioTargets, intervals: measured(.ratio), predicted: predicted)
        result.finalCleanError = rec.finalCleanError
        result.finalError = last?.error
        result.finalUnobservedError = last?.unobservedError
        for p in rec.trajectory {
            if let e = p.error, result.bestRecoveryError.map({ e < $0 }) ?? true {
                result.bestRecoveryError = e
                result.bestRecoveryStep = p.step
            }
        }
        return result
    }
}
