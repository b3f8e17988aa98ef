import CBLAS
import Factorization
import Foundation

/// `dmfsweep-bench core`: full-path step time and GFLOP/s against `cblas_dgemm` at the same n,
/// measured in the same run, and the spectral path against the full path.
///
/// The machine is shared, so every figure is the best of several short rounds, and the dgemm and
/// step rounds are interleaved so both see the same background load.
/// Prints a table and, for scripts, `RESULT` lines (`RESULT full n=100 N=3 ms=…`).
/// Options: `--quick` (n = 100 only, two rounds), `--rounds K` (default 5), `--rectangular` (only
/// the rectangular and wide shapes).
enum CoreBench {
    static func run(_ args: [String]) throws {
        let quick = args.contains("--quick")
        var rounds = quick ? 2 : 5
        if let i = args.firstIndex(of: "--rounds"), i + 1 < args.count, let k = Int(args[i + 1]), k >= 1 { rounds = k }
        let env = ProcessInfo.processInfo.environment
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
        print(
            "dmfsweep-bench core — OPENBLAS_CORETYPE=\(env["OPENBLAS_CORETYPE"] ?? "(unset)")"
                + "  OPENBLAS_NUM_THREADS=\(env["OPENBLAS_NUM_THREADS"] ?? "(unset)")")
        print(
            "load average \(load?.joined(separator: " ") ?? "?") on \(ProcessInfo.processInfo.activeProcessorCount) "
                + "cores; best of \(rounds) interleaved rounds")
        if args.contains("--rectangular") {
            try rectangular(rounds: rounds, quick: false)
            return
        }
        print("system OpenBLAS; estimation, identity init α=0.05, η=0.002, λ=10,5,2,1,0.5 padded with zeros\n")
        print(pad(["n", "N", "step ms", "GFLOP/s", "dgemm GFLOP/s", "% of dgemm"]))
        for n in quick ? [100] : [100, 200, 500] {
            let dgemm = DgemmProbe(n: n)
            let depths = [3, 5]
            let configs = depths.map { config(n: n, depth: $0) }
            let counts = try configs.map { c in
                max(5, min(2000, Int(0.25 / (try secondsPerStep(c, steps: 3)))))
            }
            var bestRate = 0.0
            var bestStep = Array(repeating: Double.infinity, count: depths.count)
            for _ in 0..<rounds {
                bestRate = max(bestRate, dgemm.round())
                for i in depths.indices {
                    bestStep[i] = min(bestStep[i], try secondsPerStep(configs[i], steps: counts[i]))
                }
            }
            for (i, depth) in depths.enumerated() {
                let seconds = bestStep[i]
                let rate = Simulation.matrixProductFlopsPerStep(n: n, depth: depth) / seconds / 1e9
                print(
                    pad([
                        "\(n)", "\(depth)", String(format: "%.3f", seconds * 1e3), String(format: "%.1f", rate),
                        String(format: "%.1f", bestRate), String(format: "%.0f%%", 100 * rate / bestRate),
                    ]))
                print("RESULT full n=\(n) N=\(depth) ms=\(seconds * 1e3) gflops=\(rate) dgemm_gflops=\(bestRate)")
            }
        }
        try rectangular(rounds: rounds, quick: quick)
        // Spectral vs full at n = 200, N = 4.
        var full = config(n: 200, depth: 4)
        var spectral = full
        spectral.path = .spectral
        full.path = .full
        let fullCount = max(5, min(500, Int(0.25 / (try secondsPerStep(full, steps: 3)))))
        var bestFull = Double.infinity
        var bestSpectral = Double.infinity
        for _ in 0..<rounds {
            bestFull = min(bestFull, try secondsPerStep(full, steps: fullCount))
            bestSpectral = min(bestSpectral, try secondsPerStep(spectral, steps: 200_000, warmup: 1000))
        }
        print(
            "\nspectral vs full, n=200 N=4: full \(String(format: "%.3f", bestFull * 1e3)) ms/step, spectral "
                + "\(String(format: "%.3f", bestSpectral * 1e6)) µs/step → "
                + "\(String(format: "%.0f", bestFull / bestSpectral))× faster")
        print(
            "RESULT spectral n=200 N=4 full_ms=\(bestFull * 1e3) spectral_us=\(bestSpectral * 1e6) "
                + "speedup=\(bestFull / bestSpectral)")
    }

    /// Rectangular targets and wide factors, depth 3: the full-path step against the same sequence of
    /// `cblas_dgemm` calls (the same m, n, k and transposes as the step's 3(N−1) products) on
    /// preallocated buffers, interleaved; the fraction is dgemm-sequence time / step time.
    static func rectangular(rounds: Int, quick: Bool) throws {
        print("\nrectangular and wide, depth 3, non-symmetric target, gaussian init:")
        print(pad(["rows", "n", "width", "step ms", "GFLOP/s", "dgemm ms", "fraction"]))
        for (rows, n, width) in quick ? [(200, 100, 400)] : [(200, 100, 400), (500, 500, 1000)] {
            var c = SimulationConfig()
            c.rows = rows
            c.n = n
            c.width = width
            c.symmetric = false
            c.depth = 3
            c.initKind = .gaussian
            c.alpha = 1
            c.eta = 1e-6
            c.spectrum = [10, 5, 2, 1, 0.5]
            c.path = .full
            let shapes = c.factorShapes
            var calls: [GemmCall] = []
            for j in 1..<shapes.count {  // forward: P_{j+1} = W_{j+1} P_j
                calls.append(GemmCall(ta: false, tb: false, m: shapes[j].rows, n: n, k: shapes[j].columns))
            }
            for j in stride(from: shapes.count - 1, through: 1, by: -1) {  // backward
                let (dj, dk) = (shapes[j].rows, shapes[j].columns)
                calls.append(GemmCall(ta: true, tb: false, m: dk, n: n, k: dj))
                calls.append(GemmCall(ta: false, tb: true, m: dj, n: dk, k: n))
            }
            let probe = GemmSequence(calls)
            let count = max(3, min(500, Int(0.25 / (try secondsPerStep(c, steps: 2)))))
            var bestStep = Double.infinity
            var bestGemm = Double.infinity
            for _ in 0..<rounds {
                bestGemm = min(bestGemm, probe.seconds(repetitions: count))
                bestStep = min(bestStep, try secondsPerStep(c, steps: count))
            }
            let flops = Simulation.matrixProductFlopsPerStep(c)
            let fraction = bestGemm / bestStep
            print(
                pad([
                    "\(rows)", "\(n)", "\(width)", String(format: "%.3f", bestStep * 1e3),
                    String(format: "%.1f", flops / bestStep / 1e9), String(format: "%.3f", bestGemm * 1e3),
                    String(format: "%.2f", fraction),
                ]))
            print(
                "RESULT rectangular rows=\(rows) n=\(n) width=\(width) N=3 step_ms=\(bestStep * 1e3) "
                    + "dgemm_ms=\(bestGemm * 1e3) fraction=\(fraction) (reference ≥ 0.9)")
        }
    }

    /// The mean wall-clock seconds of one gradient-descent step (residual + update, no recording)
    /// for `config`, after `warmup` untimed steps; setup (ground truth, factors) is not timed.
    static func secondsPerStep(_ config: SimulationConfig, steps: Int, warmup: Int = 2) throws -> Double {
        let run = try Simulation.prepare(config)
        var sink = 0.0
        for _ in 0..<warmup { sink += run.step() }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<max(steps, 1) { sink += run.step() }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // Keep the losses observable so the loop cannot be optimised away.
        if sink.isNaN && steps < 0 { print(sink) }
        return elapsed / Double(max(steps, 1))
    }

    struct GemmCall {
        var ta: Bool
        var tb: Bool
        var m: Int
        var n: Int
        var k: Int
    }

    /// A fixed sequence of `cblas_dgemm` calls on buffers allocated once.
    final class GemmSequence {
        let calls: [GemmCall]
        let a: UnsafeMutablePointer<Double>
        let b: UnsafeMutablePointer<Double>
        let c: UnsafeMutablePointer<Double>

        init(_ calls: [GemmCall]) {
            self.calls = calls
            let size = calls.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max() ?? 1
            var rng = RandomStream(seed: 2)
            a = .allocate(capacity: size)
            b = .allocate(capacity: size)
            c = .allocate(capacity: size)
            for i in 0..<size {
                a[i] = rng.gaussian() * 1e-3
                b[i] = rng.gaussian() * 1e-3
                c[i] = 0
            }
            _ = seconds(repetitions: 1)  // warm-up
        }

        deinit {
            a.deallocate()
            b.deallocate()
            c.deallocate()
        }

        /// Mean seconds of one pass over the sequence.
        func seconds(repetitions: Int) -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repetitions {
                for g in calls {
                    let lda = Int32(g.ta ? g.k : g.m)
                    let ldb = Int32(g.tb ? g.n : g.k)
                    cblas_dgemm(
                        CblasColMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans, Int32(g.m),
                        Int32(g.n), Int32(g.k), 1, a, lda, b, ldb, 0, c, Int32(g.m))
                }
            }
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 / Double(repetitions)
        }
    }

    static func config(n: Int, depth: Int) -> SimulationConfig {
        var c = SimulationConfig()
        c.n = n
        c.depth = depth
        c.alpha = 0.05
        c.eta = 0.002
        c.spectrum = [10, 5, 2, 1, 0.5]
        c.path = .full
        return c
    }

    /// `cblas_dgemm` on two n×n matrices, in rounds of about 0.2 s.
    final class DgemmProbe {
        let n: Int
        let a: Matrix
        let b: Matrix
        var c: Matrix
        let reps: Int

        init(n: Int) {
            self.n = n
            var rng = RandomStream(seed: 1)
            a = rng.gaussianMatrix(rows: n, columns: n)
            b = rng.gaussianMatrix(rows: n, columns: n)
            c = Matrix(rows: n, columns: n)
            c.multiply(a, b)  // warm-up
            let start = DispatchTime.now().uptimeNanoseconds
            c.multiply(a, b)
            let once = max(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, 1e-7)
            reps = max(3, Int(0.2 / once))
        }

        /// One round: the achieved GFLOP/s.
        func round() -> Double {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps { c.multiply(a, b) }
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            return Double(reps) * 2 * Double(n * n * n) / dt / 1e9
        }
    }

    static func pad(_ cells: [String]) -> String {
        cells.map { $0.count >= 14 ? $0 : String(repeating: " ", count: 14 - $0.count) + $0 }.joined()
    }
}
