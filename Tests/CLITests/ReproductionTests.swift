import Foundation
import TestSupport
import Testing

/// The two published results the shipped sweeps reproduce (`sweeps/arora2019-completion.yaml`,
/// `sweeps/razin-cohen2020.yaml`), each run for real in a reduced version through the built
/// binary, with the qualitative result asserted from the store; and Razin and Cohen's |W₁₁|
/// series checked against an independent numpy descent from `simulate --save-instance`.
@Suite struct ReproductionTests {
    static let sweeps = TestPaths.repositoryRoot.appendingPathComponent("sweeps")

    /// The shipped sweep file with some lines replaced (each replacement must match exactly one
    /// line), written next to the shipped instances so relative instance paths still resolve.
    static func reduced(_ name: String, into dir: TemporaryDirectory, replacing: [(String, String)]) throws -> String {
        var text = try String(contentsOf: sweeps.appendingPathComponent(name), encoding: .utf8)
        for (old, new) in replacing {
            try #require(text.components(separatedBy: old).count == 2, "\(name): '\(old)' is not one line of the file")
            text = text.replacingOccurrences(of: old, with: new)
        }
        let path = dir.path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let instances = dir.path("instances")
        if !FileManager.default.fileExists(atPath: instances) {
            try FileManager.default.copyItem(
                atPath: sweeps.appendingPathComponent("instances").path, toPath: instances)
        }
        return path
    }

    /// `query … --format json` as one dictionary per group.
    static func query(_ arguments: [String]) throws -> [[String: Any]] {
        let out = try runProcess(["query", "--format", "json"] + arguments)
        try #require(out.status == 0, "query: \(out.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
    }

    /// Arora et al. 2019, reduced to one observed fraction (30 % of a 30×30 rank-2 target, which
    /// has 116 degrees of freedom against 270 observed entries), depths 2 and 3, three seeds, on two
    /// worker processes: depth 3's mean error on the unobserved entries is below half of depth 2's,
    /// and depth 2 has not recovered the matrix (so the comparison is not between two successes).
    @Test func aroraReducedSweepRecoversWithDepthThreeWhereDepthTwoFails() throws {
        let dir = try TemporaryDirectory(prefix: "arora")
        let sweep = try Self.reduced(
            "arora2019-completion.yaml", into: dir,
            replacing: [
                ("  n:            {value: 50}", "  n:            {value: 30}"),
                ("  spectrum:     {value: [1, 1, 1]}", "  spectrum:     {value: [1, 1]}"),
                ("  record_every: {value: 250}", "  record_every: {value: 2000}"),
                ("  depth:        {values: [2, 3, 4]}", "  depth:        {values: [2, 3]}"),
                ("  observed:     {values: [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5]}", "  observed:     {value: 0.3}"),
                ("  seed:         {values: [0, 1, 2, 3, 4]}", "  seed:         {values: [0, 1, 2]}"),
            ])
        let store = dir.path("s.sqlite")
        let run = try runProcess(["run", sweep, "--store", store, "--workers", "2", "--quiet"], timeout: 300)
        try #require(run.status == 0, "run: \(run.stderr)")
        let rows = try Self.query([
            "--store", store, "--group-by", "depth", "--metric", "final_unobserved_error", "--stats", "count,mean",
        ])
        let mean = Dictionary(
            uniqueKeysWithValues: rows.compactMap { row -> (Int, Double)? in
                guard let d = row["depth"] as? Int, let m = row["mean"] as? Double, row["count"] as? Int == 3 else {
                    return nil
                }
                return (d, m)
            })
        let (two, three) = (try #require(mean[2]), try #require(mean[3]))
        print("ReproductionTests: Arora reduced, mean final_unobserved_error depth 2 = \(two), depth 3 = \(three)")
        #expect(three < 0.5 * two)
        #expect(two > 0.25)
    }

    /// The trajectories of a store's tasks from `export --what trajectories --format jsonl`, by depth.
    static func trajectoriesByDepth(_ store: String) throws -> [Int: [[String: Any]]] {
        let out = try runProcess([
            "export", "--store", store, "--what", "trajectories", "--format", "jsonl", "--out", "-",
        ])
        try #require(out.status == 0, "export: \(out.stderr)")
        var byDepth: [Int: [[String: Any]]] = [:]
        for line in out.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            byDepth[try #require(object["depth"] as? Int), default: []].append(object)
        }
        return byDepth
    }

    /// Razin and Cohen 2020, the shipped instance (observed w12 = w21 = 1, w22 = 0; w11 free) at a
    /// fifth of the shipped steps, run inline: at every depth the unobserved entry |W₁₁| (the
    /// `unobserved_max` series) and ‖W‖_F grow from 10⁻³ to above 10 and keep growing (the last
    /// quarter of the recorded steps above the second quarter, on average: past the edge of
    /// stability the iterates oscillate while drifting upward), the loss keeps falling, and the
    /// effective rank ends within 10⁻³ of 1.
    @Test func razinCohenReducedSweepSendsTheUnobservedEntryUpAndTheRankToOne() throws {
        let dir = try TemporaryDirectory(prefix: "razin-cohen")
        let sweep = try Self.reduced(
            "razin-cohen2020.yaml", into: dir,
            replacing: [
                ("  steps:        {value: 2000000}", "  steps:        {value: 400000}"),
                ("  record_every: {value: 100}", "  record_every: {value: 4000}"),
            ])
        let store = dir.path("s.sqlite")
        let run = try runProcess(["run", sweep, "--store", store, "--inline", "--quiet"], timeout: 300)
        try #require(run.status == 0, "run: \(run.stderr)")
        let byDepth = try Self.trajectoriesByDepth(store)
        #expect(byDepth.keys.sorted() == [2, 3, 4])
        func mean(_ x: ArraySlice<Double>) -> Double { x.reduce(0, +) / Double(x.count) }
        for (depth, points) in byDepth.sorted(by: { $0.key < $1.key }) {
            try #require(points.count == 101, "depth \(depth): 0, 4000, …, 400000")
            let w11 = try points.map { try #require($0["unobserved_max"] as? Double) }
            let norm = try points.map { try #require($0["product_norm"] as? Double) }
            let loss = try points.map { try #require($0["loss"] as? Double) }
            let erank = try points.map { try #require($0["erank"] as? Double) }
            let q = points.count / 4
            let (second, last) = (q..<(2 * q), (3 * q)..<points.count)
            print(
                "ReproductionTests: Razin–Cohen depth \(depth): |W11| \(w11[0]) → \(mean(w11[second])) → "
                    + "\(mean(w11[last])) (quarter means), erank \(erank.last!), loss \(loss.last!)")
            #expect(abs(w11[0] - 1e-3) < 1e-12, "depth \(depth): the product starts at 10⁻³ I")
            #expect(mean(w11[last]) > 10 && mean(w11[last]) > 1.05 * mean(w11[second]), "depth \(depth): \(w11)")
            #expect(zip(norm, w11).allSatisfy { $0 >= $1 }, "depth \(depth): ‖W‖_F ≥ |W11|")
            #expect(mean(norm[last]) > 1.05 * mean(norm[second]), "depth \(depth): ‖W‖_F")
            #expect(loss[last].min()! < loss[second].min()! && loss.last! < 1e-2, "depth \(depth): \(loss)")
            #expect(abs(erank.last! - 1) < 1e-3, "depth \(depth): \(erank)")
        }
        // The report draws |W11| against step for this instance (the target is 0 at w11, so there
        // is no relative error on the unobserved entries to draw instead).
        let html = dir.path("report.html")
        let report = try runProcess(["report", "--store", store, "--out", html])
        try #require(report.status == 0, "report: \(report.stderr)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.contains("aria-label=\"razin-cohen2020: max |W_ij| over unobserved (i, j) vs step\""))
    }

    /// The recorded |W₁₁| (`unobserved_max` of the 2×2 instance) and ‖W‖_F at every recorded step
    /// of depths 2, 3 and 4 equal an independent numpy descent from the saved instance
    /// (`Tests/Scripts/numpy_descent.py` reads W₁₁ itself), to 1e-8 relative, through the growth.
    @Test func unobservedEntrySeriesMatchesNumpy() throws {
        let python = try InstanceCrossCheckTests.python()
        let tmp = try TemporaryDirectory(prefix: "razin-cohen-numpy")
        let instances = Self.sweeps.appendingPathComponent("instances")
        // Below the edge of stability (η = 0.05 reaches it at depth 4 near |W₁₁| ≈ 12, and then
        // period-2 oscillations amplify round-off): η = 0.02 grows |W₁₁| to about 10 in 4000 steps.
        let (steps, every, eta) = (4000, 500, 0.02)
        var specs: [[String: Any]] = []
        var swift: [[[String: Any]]] = []
        for depth in [2, 3, 4] {
            let dir = tmp.path("depth\(depth)")
            let out = try runProcess([
                "simulate", "--format", "json", "--save-instance", dir, "--problem", "completion", "--target",
                instances.appendingPathComponent("razin-cohen-target.npy").path, "--mask",
                instances.appendingPathComponent("razin-cohen-mask.npy").path, "--symmetric", "false", "--init",
                "identity", "--alpha", "0.001", "--alpha-scope", "product", "--eta", String(eta), "--steps",
                String(steps), "--record-every", String(every), "--depth", String(depth),
            ])
            try #require(out.status == 0, "simulate: \(out.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
            swift.append(try #require(object["trajectory"] as? [[String: Any]]))
            specs.append([
                "dir": dir, "problem": "completion", "depth": depth, "eta": eta, "steps": steps, "record_every": every,
                "entry": [0, 0],
            ])
        }
        let casesFile = tmp.path("cases.json")
        try JSONSerialization.data(withJSONObject: specs).write(to: URL(fileURLWithPath: casesFile))
        let script = TestPaths.repositoryRoot.appendingPathComponent("Tests/Scripts/numpy_descent.py").path
        let ref = try runProcess([script, casesFile], executable: python)
        try #require(ref.status == 0, "numpy reference failed: \(ref.stderr)")
        let numpy = try #require(try JSONSerialization.jsonObject(with: Data(ref.stdout.utf8)) as? [[[String: Any]]])
        try #require(numpy.count == 3)
        for (i, (a, b)) in zip(swift, numpy).enumerated() {
            try #require(a.count == steps / every + 1 && b.count == a.count, "depth \(i + 2): recorded steps")
            for (p, q) in zip(a, b) {
                let pairs = [
                    ("unobserved_max", "entry_abs"), ("unobserved_max", "unobserved_max"),
                    ("product_norm", "product_norm"),
                ]
                for (ours, theirs) in pairs {
                    let x = try #require(p[ours] as? Double)
                    let y = try #require(q[theirs] as? Double)
                    #expect(abs(x - y) <= 1e-8 * abs(y), "depth \(i + 2) step \(p["step"]!) \(ours): \(x) vs \(y)")
                }
            }
            // The check covers the growth: |W11| rises from 10⁻³ by orders of magnitude.
            let last = try #require(b.last?["entry_abs"] as? Double)
            #expect(last > 1, "depth \(i + 2): |W11| = \(last) at step \(steps)")
        }
    }
}
