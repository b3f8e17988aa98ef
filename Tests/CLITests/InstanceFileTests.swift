import Foundation
import Sweeps
import TestSupport
import Testing

/// `target: FILE`, `clean: FILE`, `mask: FILE`: .npy (C and Fortran order) and .csv files written by
/// numpy, keys from the content's SHA-256 (checked with `sha256sum`), paths relative to the sweep
/// file, and one-line errors with exit 2 at `plan` for every kind of bad file.
@Suite struct InstanceFileTests {
    /// Runs a short numpy program with `dir` as its working directory.
    static func numpy(_ code: String, in dir: String) throws {
        let python = try InstanceCrossCheckTests.python()
        let out = try runProcess(["-c", "import os, numpy as np; os.chdir('\(dir)')\n" + code], executable: python)
        try #require(out.status == 0, "numpy: \(out.stderr)")
    }

    static func keys(_ sweepPath: String) throws -> [String] {
        try SweepFile.load(path: sweepPath).expand().map(\.key.hex)
    }

    @Test func theSameMatrixGivesTheSameKeyFromAnyFileAndFolder() throws {
        let tmp = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: tmp.path("a/sub"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tmp.path("b"), withIntermediateDirectories: true)
        try Self.numpy(
            """
            m = np.array([[3.0, 1.0, 0.5], [1.0, 2.0, -0.25]])
            np.save('a/sub/c.npy', np.ascontiguousarray(m))
            np.save('b/f.npy', np.asfortranarray(m))
            np.savetxt('b/m.csv', m, delimiter=',', fmt='%.17g')
            np.save('b/edited.npy', m + np.eye(2, 3) * 1e-12)
            """, in: tmp.url.path)
        func sweep(_ folder: String, _ file: String) throws -> String {
            let path = tmp.path(folder + "/s-\(file.replacingOccurrences(of: "/", with: "_")).yaml")
            try "name: s\nmethod: grid\nparameters:\n  target: {value: \(file)}\n  symmetric: {value: false}\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let c = try Self.keys(sweep("a", "sub/c.npy"))
        #expect(c.count == 1)
        #expect(try Self.keys(sweep("b", "f.npy")) == c)
        #expect(try Self.keys(sweep("b", "m.csv")) == c)
        #expect(try Self.keys(sweep("b", "../a/sub/c.npy")) == c)
        #expect(try Self.keys(sweep("b", tmp.path("b/f.npy"))) == c)
        #expect(try Self.keys(sweep("b", "edited.npy")) != c)
        // The canonical form holds the content's digest: the SHA-256 of the matrix's own .npy
        // encoding, which `simulate --save-instance` writes as target.npy; checked with sha256sum.
        let spec = try SweepFile.load(path: sweep("b", "f.npy")).expand()[0]
        let out = try runProcess(
            [
                "simulate", "--target", tmp.path("b/m.csv"), "--symmetric", "false", "--steps", "0",
                "--save-instance", tmp.path("saved"),
            ])
        try #require(out.status == 0, "\(out.stderr)")
        let sum = try runProcess([tmp.path("saved/target.npy")], executable: URL(fileURLWithPath: "/usr/bin/sha256sum"))
        let digest = String(sum.stdout.prefix(64))
        #expect(spec.canonicalJSON.hasSuffix(#","symmetric":"false","target":"sha256:\#(digest)"}"#))
        #expect(!spec.canonicalJSON.contains("f.npy"))
    }

    @Test(arguments: [
        ("target: {value: missing.npy}", "missing.npy: no such file"),
        ("target: {value: nan.npy}", "non-finite entry nan at row 1, column 2"),
        ("target: {value: ints.npy}", "dtype is '<i8', expected float64"),
        ("target: {value: cube.npy}", "is not a 2-D matrix"),
        ("target: {value: bad.csv}", "line 2 has 1 entries, line 1 has 2"),
        ("target: {value: notes.txt}", "expected a .npy or .csv file"),
        (
            "target: {value: good.npy}\n  problem: {value: completion}\n  mask: {value: mask3.npy}",
            "mask: is 3×3 but the target is 2×2"
        ),
        (
            "target: {value: good.npy}\n  problem: {value: completion}\n  mask: {value: half.npy}",
            "mask: must hold only 0 and 1, got 0.5"
        ),
        ("target: {value: good.npy}\n  mask: {value: ones.npy}", "mask: is only for problem completion"),
        ("target: {value: good.npy}\n  clean: {value: mask3.npy}", "clean: is 3×3 but the target is 2×2"),
        ("clean: {value: good.npy}", "clean: needs a target file"),
        ("target: {value: wide.npy}", "a 2×3 target cannot be symmetric"),
        ("target: {value: good.npy}\n  path: {value: spectral}", "spectral is exact only for a target drawn"),
        ("target: {value: good.npy}\n  n: {value: 3}", "n: is 3 but the target has 2 columns"),
    ])
    func badFilesAreOneLineWithExitTwoAtPlan(parameters: String, message: String) throws {
        let tmp = try TemporaryDirectory()
        try Self.numpy(
            """
            np.save('nan.npy', np.array([[1.0, np.nan], [0.0, 1.0]]))
            np.save('ints.npy', np.array([[1, 2], [3, 4]]))
            np.save('cube.npy', np.zeros((2, 2, 2)))
            np.save('good.npy', np.array([[0.0, 1.0], [1.0, 0.0]]))
            np.save('wide.npy', np.ones((2, 3)))
            np.save('mask3.npy', np.ones((3, 3)))
            np.save('half.npy', np.array([[1.0, 0.5], [1.0, 1.0]]))
            np.save('ones.npy', np.ones((2, 2)))
            open('bad.csv', 'w').write('1,2\\n3\\n')
            open('notes.txt', 'w').write('1,2\\n3,4\\n')
            """, in: tmp.url.path)
        let sweep = tmp.path("s.yaml")
        try "name: s\nmethod: grid\nparameters:\n  \(parameters)\n".write(
            toFile: sweep, atomically: true, encoding: .utf8)
        let store = tmp.path("store.sqlite")
        let out = try runProcess(["plan", sweep, "--store", store])
        #expect(out.status == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
        #expect(out.stderr.contains(message), "\(out.stderr)")
        #expect(out.stderr.contains("s.yaml:"), "names the sweep file: \(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    /// Razin and Cohen (2020)'s 2×2 completion: off-diagonals 1, one diagonal 0, the other free.
    /// Depth 3 with small init drives the effective rank towards 1 (and the free entry up); depth
    /// 2 stays near a completion of effective rank about 2 (paper notes: 1.02–1.09 vs 1.85–2.0).
    @Test func razinCohenCompletionIsOneSmallSweep() throws {
        let tmp = try TemporaryDirectory()
        try Self.numpy(
            """
            np.savetxt('target.csv', np.array([[0.0, 1.0], [1.0, 0.0]]), delimiter=',')
            np.savetxt('mask.csv', np.array([[0.0, 1.0], [1.0, 1.0]]), delimiter=',')
            """, in: tmp.url.path)
        var eranks: [Int: Double] = [:]
        for depth in [2, 3] {
            let out = try runProcess([
                "simulate", "--format", "json", "--problem", "completion", "--target", tmp.path("target.csv"),
                "--mask", tmp.path("mask.csv"), "--depth", "\(depth)", "--init", "gaussian", "--alpha", "0.05",
                "--eta", "0.05", "--steps", "30000", "--record-every", "1000", "--seed", "1",
            ])
            try #require(out.status == 0, "\(out.stderr)")
            let o = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
            eranks[depth] = o["final_erank"] as? Double
            // The free entry of the target is 0: the relative error there is undefined (null).
            #expect(o["final_unobserved_error"] is NSNull)
            #expect(o["final_error"] is Double)
        }
        let deep = try #require(eranks[3])
        let shallow = try #require(eranks[2])
        #expect(deep < 1.2, "depth 3 effective rank \(deep)")
        #expect(shallow > 1.5, "depth 2 effective rank \(shallow)")
    }
}
