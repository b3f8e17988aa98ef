import CBLAS
import Factorization
import Foundation

/// `dmfsweep-bench core`: full-path step time and GFLOP/s against `cblas_dgemm` at the same n,
/// measured in the same run, and the spectral path against the full path.
///
/// Prints a table and, for scripts, `RESULT` lines (`RESULT full n=100 N=3 ms=…`).
/// Options: `--quick` (fewer sizes, for a smoke run).
enum CoreBench {
    static func run(_ args: [String]) throws {
        let quick = args.contains("--quick")
        let env = ProcessInfo.processInfo.environment
        print(
            "dmfsweep-bench core — OPENBLAS_CORETYPE=\(env["OPENBLAS_CORETYPE"] ?? "(unset)")"
                + "  OPENBLAS_NUM_THREADS=\(env["OPENBLAS_NUM_THREADS"] ?? "(unset)")")
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
        print(
            "load average \(load?.joined(separator: " ") ?? "?") on \(ProcessInfo.processInfo.activeProcessorCount) cores"
        )
        print(
            "system OpenBLAS (libopenblas0-pthread); estimation, identity init α=0.05, η=0.002, λ=10,5,2,1,0.5 padded\n"
        )
        print(pad(["n", "N", "step ms", "GFLOP/s", "dgemm GFLOP/s", "% of dgemm"]))
        let sizes = quick ? [100] : [100, 200, 500]
        for n in sizes {
            let dgemm = dgemmRate(n: n)
            for depth in [3, 5] {
                let seconds = try fullStep(n: n, depth: depth)
                let rate = Simulation.matrixProductFlopsPerStep(n: n, depth: depth) / seconds / 1e9
                print(
                    pad([
                        "\(n)", "\(depth)", String(format: "%.3f", seconds * 1e3), String(format: "%.1f", rate),
                        String(format: "%.1f", dgemm), String(format: "%.0f%%", 100 * rate / dgemm),
                    ]))
                print("RESULT full n=\(n) N=\(depth) ms=\(seconds * 1e3) gflops=\(rate) dgemm_gflops=\(dgemm)")
            }
        }
        // Spectral vs full at n = 200, N = 4.
        let full = try fullStep(n: 200, depth: 4)
        var c = config(n: 200, depth: 4)
        c.path = .spectral
        var spectral = Double.infinity
        for _ in 0..<3 { spectral = min(spectral, try Simulation.secondsPerStep(c, steps: 200_000, warmup: 1000)) }
        print(
            "\nspectral vs full, n=200 N=4: full \(String(format: "%.3f", full * 1e3)) ms/step, spectral "
                + "\(String(format: "%.3f", spectral * 1e6)) µs/step → \(String(format: "%.0f", full / spectral))× faster"
        )
        print(
            "RESULT spectral n=200 N=4 full_ms=\(full * 1e3) spectral_us=\(spectral * 1e6) speedup=\(full / spectral)")
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

    /// Seconds per full-path step: the best of three rounds of about 0.3 s each (the machine is shared;
    /// the best round is the least disturbed one, as for dgemm below).
    static func fullStep(n: Int, depth: Int) throws -> Double {
        let c = config(n: n, depth: depth)
        let probe = try Simulation.secondsPerStep(c, steps: 3)
        let steps = max(5, min(2000, Int(0.3 / probe)))
        var best = Double.infinity
        for _ in 0..<3 { best = min(best, try Simulation.secondsPerStep(c, steps: steps)) }
        return best
    }

    /// `cblas_dgemm` GFLOP/s for n×n times n×n, best of a few rounds of about 0.2 s.
    static func dgemmRate(n: Int) -> Double {
        var rng = RandomStream(seed: 1)
        let a = rng.gaussianMatrix(rows: n, columns: n)
        let b = rng.gaussianMatrix(rows: n, columns: n)
        var c = Matrix(rows: n, columns: n)
        c.multiply(a, b)  // warm-up
        let start = DispatchTime.now().uptimeNanoseconds
        c.multiply(a, b)
        let once = max(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, 1e-7)
        let reps = max(3, Int(0.2 / once))
        var best = 0.0
        for _ in 0..<3 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps { c.multiply(a, b) }
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = max(best, Double(reps) * 2 * Double(n * n * n) / dt / 1e9)
        }
        return best
    }

    static func pad(_ cells: [String]) -> String {
        cells.map { $0.count >= 14 ? $0 : String(repeating: " ", count: 14 - $0.count) + $0 }.joined()
    }
}
