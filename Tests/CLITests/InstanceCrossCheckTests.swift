import Foundation
import TestSupport
import Testing

/// The full gradient-descent path against an independent numpy implementation
/// (`Tests/Scripts/numpy_descent.py`) started from the files `simulate --save-instance` writes:
/// every problem × init × (symmetric square, non-symmetric square, non-symmetric 3×5) × (default
/// width, wider) — loss, both effective ranks, the product's Frobenius norm and (completion) the
/// largest |W_ij| over the unobserved entries at every recorded step, to 1e-8 relative.
@Suite struct InstanceCrossCheckTests {
    /// The Python with numpy (`TestPaths.python()`).
    static func python() throws -> URL { try TestPaths.python() }

    struct Case {
        var flags: [String]
        var problem: String
        var depth: Int
    }

    static var cases: [Case] {
        var out: [Case] = []
        let shapes: [[String]] = [
            ["--n", "4"], ["--n", "4", "--symmetric", "false"], ["--n", "5", "--rows", "3", "--symmetric", "false"],
        ]
        for problem in ["estimation", "sensing", "completion"] {
            for initKind in ["identity", "orthogonal", "gaussian"] {
                for (s, shape) in shapes.enumerated() {
                    for wide in [false, true] {
                        let depth = wide ? 3 : 2 + s % 2
                        var flags =
                            shape + [
                                "--problem", problem, "--init", initKind, "--depth", String(depth), "--spectrum",
                                "3,2,1",
                                "--alpha", "0.5", "--eta", "0.05", "--steps", "12", "--record-every", "4", "--noise",
                                "0.05", "--observed", "0.6", "--path", "full", "--seed", String(out.count + 1),
                            ]
                        if wide { flags += ["--width", "7"] }
                        if out.count % 4 == 1 { flags += ["--alpha-scope", "product"] }
                        out.append(Case(flags: flags, problem: problem, depth: depth))
                    }
                }
            }
        }
        return out
    }

    @Test func fullPathMatchesNumpyForEveryShapeProblemAndInit() throws {
        let python = try Self.python()
        let check = try runProcess(["-c", "import numpy"], executable: python)
        try #require(check.status == 0, "\(python.path) cannot import numpy: \(check.stderr)")
        let tmp = try TemporaryDirectory()
        var specs: [[String: Any]] = []
        var swift: [[[String: Any]]] = []
        for (i, c) in Self.cases.enumerated() {
            let dir = tmp.path("case\(i)")
            let out = try runProcess(["simulate", "--format", "json", "--save-instance", dir] + c.flags)
            try #require(out.status == 0, "\(c.flags): \(out.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
            swift.append(try #require(object["trajectory"] as? [[String: Any]]))
            specs.append([
                "dir": dir, "problem": c.problem, "depth": c.depth, "eta": 0.05, "steps": 12, "record_every": 4,
            ])
        }
        let casesFile = tmp.path("cases.json")
        try JSONSerialization.data(withJSONObject: specs).write(to: URL(fileURLWithPath: casesFile))
        let script = TestPaths.repositoryRoot.appendingPathComponent("Tests/Scripts/numpy_descent.py").path
        let ref = try runProcess([script, casesFile], executable: python)
        try #require(ref.status == 0, "numpy reference failed: \(ref.stderr)")
        let numpy = try #require(try JSONSerialization.jsonObject(with: Data(ref.stdout.utf8)) as? [[[String: Any]]])
        try #require(numpy.count == swift.count)
        var worst = 0.0
        for (i, (a, b)) in zip(swift, numpy).enumerated() {
            let c = Self.cases[i]
            #expect(a.count == b.count && a.count == 4, "case \(i): recorded steps")
            for (p, q) in zip(a, b) {
                #expect(p["step"] as? Int == q["step"] as? Int)
                // The unobserved maximum exists for completion masks that leave an entry unobserved
                // (null in numpy otherwise), and is left out of the JSON where it does not exist.
                let hasMaximum = !(q["unobserved_max"] is NSNull)
                #expect(hasMaximum == (c.problem == "completion"), "case \(i): unobserved_max")
                #expect(hasMaximum || p["unobserved_max"] == nil, "case \(i): unobserved_max")
                for field in ["loss", "erank", "erank_ratio", "product_norm"] + (hasMaximum ? ["unobserved_max"] : []) {
                    let x = try #require(p[field] as? Double)
                    let y = try #require(q[field] as? Double)
                    let rel = abs(x - y) / max(abs(y), 1e-300)
                    worst = max(worst, rel)
                    #expect(rel <= 1e-8, "case \(i) \(Self.cases[i].flags) step \(p["step"]!) \(field): \(x) vs \(y)")
                }
            }
        }
        print("InstanceCrossCheckTests: \(swift.count) cases, worst relative difference \(worst)")
    }

    /// The saved files have the documented shapes: target/clean/mask rows×n, operator m×(rows·n),
    /// W_1 d×n … W_N rows×d.
    @Test func savedInstanceHasTheDocumentedShapes() throws {
        let python = try Self.python()
        let tmp = try TemporaryDirectory()
        for problem in ["sensing", "completion"] {
            let dir = tmp.path(problem)
            let out = try runProcess([
                "simulate", "--save-instance", dir, "--problem", problem, "--rows", "3", "--n", "5", "--symmetric",
                "false", "--spectrum", "2,1", "--width", "6", "--depth", "3", "--steps", "1", "--measurements", "11",
            ])
            try #require(out.status == 0, "\(out.stderr)")
            let code = """
                import numpy as np, sys
                d = sys.argv[1]
                names = ['target', 'clean', 'factor1', 'factor2', 'factor3'] + (['operator'] if 'sensing' in d else ['mask'])
                print(' '.join(f'{n}={np.load(d + "/" + n + ".npy").shape}' for n in names))
                """
            let shapes = try runProcess(["-c", code, dir], executable: python)
            try #require(shapes.status == 0, "\(shapes.stderr)")
            let expected =
                "target=(3, 5) clean=(3, 5) factor1=(6, 5) factor2=(6, 6) factor3=(3, 6) "
                + (problem == "sensing" ? "operator=(11, 15)" : "mask=(3, 5)")
            #expect(shapes.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
        }
    }

    /// Bad combinations of the new parameters: one line on stderr, exit 2, nothing on stdout.
    @Test(arguments: [
        (["--path", "spectral", "--width", "7"], "--path: spectral is exact only for a square target"),
        (["--rows", "3"], "--symmetric: a 3×5 target cannot be symmetric"),
        (["--rows", "3", "--symmetric", "false", "--spectrum", "3,2,1,1"], "--spectrum: has 4 values"),
        (["--symmetric", "false", "--spectrum", "1,-1"], "--spectrum: singular values"),
        (["--width", "0"], "--width: must be an integer ≥ 1, got 0"),
        (["--alpha-scope", "whole"], "--alpha-scope"),
    ])
    func badCombinationsAreOneLineWithExitTwo(flags: [String], message: String) throws {
        let out = try runProcess(["simulate", "--steps", "1"] + flags)
        #expect(out.status == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
        #expect(out.stderr.contains(message), "\(out.stderr)")
    }
}
