import Factorization
import Foundation
import TestSupport
import Testing

/// What `plan` and `run` say about a sweep file before running it: collapsed draws, and a file
/// `run` would refuse.
@Suite struct SweepFileCLITests {
    /// W&B makes 10 runs of `count: 10` over two values; dmfsweep makes 2 tasks and says so.
    @Test func planAndRunSayHowManyDrawsCollapsed() throws {
        let dir = try TemporaryDirectory(prefix: "collapse")
        let file = dir.path("r.yaml")
        try "name: r\nmethod: random\ncount: 10\nparameters:\n  depth: {values: [2, 3]}\n  steps: {value: 20}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let note =
            "count: 10 draws, 8 of them repeated an earlier draw (same parameters, same task key) and collapsed into "
            + "it: 2 distinct task(s)"
        let plan = try runProcess(["plan", file])
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("r (random, \(file)): 2 task(s)\nnote: " + note))
        let inline = try runProcess(["run", file, "--inline", "--quiet", "--store", dir.path("a.sqlite")])
        #expect(inline.status == 0 && inline.stdout.contains("sweep r: " + note))
        let cluster = try runProcess(["run", file, "--workers", "1", "--store", dir.path("b.sqlite")])
        #expect(cluster.status == 0 && cluster.stderr.contains("sweep r: " + note), "\(cluster.stderr)")
    }

    /// `plan --store` warns with `run`'s own refusal when a stored sweep of the same name would lose tasks.
    @Test func planWarnsWhenRunWouldRefuseTheFile() throws {
        let dir = try TemporaryDirectory(prefix: "refuse")
        let full = dir.path("full.yaml")
        let shrunk = dir.path("shrunk.yaml")
        let store = dir.path("s.sqlite")
        try "name: s\nmethod: grid\nparameters:\n  depth: {values: [2, 3, 4]}\n  steps: {value: 20}\n"
            .write(toFile: full, atomically: true, encoding: .utf8)
        try "name: s\nmethod: grid\nparameters:\n  depth: {values: [2]}\n  steps: {value: 20}\n"
            .write(toFile: shrunk, atomically: true, encoding: .utf8)
        #expect(try runProcess(["run", full, "--inline", "--quiet", "--store", store]).status == 0)
        let refusal =
            "sweep 's' is already in the store with 2 task(s) this sweep file does not have (it has 1); is it another "
            + "sweep under the same name? Rename it, or pass --replace-sweep to make this file the sweep's definition "
            + "(the dropped tasks' results stay in the store)"
        let plan = try runProcess(["plan", shrunk, "--store", store])
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("\nwarning: run would refuse this file: " + refusal + "\n"), "\(plan.stdout)")
        let run = try runProcess(["run", shrunk, "--inline", "--store", store])
        #expect(run.status == 2 && run.stderr == "dmfsweep: error: " + refusal + "\n")
        // The same file grown, or unchanged, gets no warning.
        let same = try runProcess(["plan", full, "--store", store])
        #expect(same.status == 0 && !same.stdout.contains("warning"))
        // With --replace-sweep run accepts it, and the counts are the store's.
        let replaced = try runProcess(["run", shrunk, "--inline", "--quiet", "--replace-sweep", "--store", store])
        #expect(replaced.status == 0 && replaced.stdout.contains("2 earlier task(s) are no longer part of it"))
    }

    /// Completion masks are known from the seed: `plan` and `run` warn about tasks whose mask leaves a
    /// whole row or column unobserved, and the store keeps each task's counts for `query`.
    @Test func completionMasksAreReportedAndQueryable() throws {
        let dir = try TemporaryDirectory(prefix: "masks")
        let file = dir.path("c.yaml")
        let store = dir.path("c.sqlite")
        try """
        name: c
        method: grid
        parameters:
          problem: {value: completion}
          n: {value: 4}
          observed: {value: 0.5}
          seed: {values: [0, 1, 2, 3, 4, 5, 6, 7]}
          steps: {value: 50}

        """.write(toFile: file, atomically: true, encoding: .utf8)
        // Independent counts: the documented draw, entry (i, j) observed when the seed's `mask`
        // stream's draw in column-major order is below 0.5.
        var expected: [(observed: Int, lines: Int)] = []
        for seed in 0..<8 {
            var stream = RandomStream(seed: UInt64(seed), purpose: .mask)
            var seen = [[Bool]](repeating: [Bool](repeating: false, count: 4), count: 4)
            for j in 0..<4 { for i in 0..<4 { seen[i][j] = stream.uniform() < 0.5 } }
            let rows = (0..<4).filter { !seen[$0].contains(true) }.count
            let columns = (0..<4).filter { j in !(0..<4).contains { seen[$0][j] } }.count
            expected.append((seen.joined().filter { $0 }.count, rows + columns))
        }
        let partial = expected.filter { $0.lines > 0 }.count
        #expect(partial > 0 && partial < 8)
        let plan = try runProcess(["plan", file])
        #expect(plan.status == 0)
        #expect(
            plan.stdout.contains(
                "\nwarning: \(partial) of 8 completion task(s) leave a whole row or column of the "
                    + "target unobserved (first: #"), "\(plan.stdout)")
        let run = try runProcess(["run", file, "--inline", "--quiet", "--store", store])
        #expect(run.status == 0 && run.stdout.contains("sweep c: warning: \(partial) of 8 completion task(s)"))
        let query = try runProcess([
            "query", "--store", store, "--group-by", "seed", "--metric", "observed_entries", "--format", "csv",
        ])
        let lines = query.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(lines.map { Int($0[0])! } == Array(0..<8))
        #expect(lines.map { Double($0[2])! } == expected.map { Double($0.observed) })
        let unobserved = try runProcess([
            "query", "--store", store, "--group-by", "seed", "--metric", "unobserved_lines", "--format", "csv",
        ])
        let rows = unobserved.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(rows.map { Double($0[2])! } == expected.map { Double($0.lines) })
        let export = try runProcess([
            "export", "--store", store, "--what", "results", "--format", "jsonl", "--out", "-",
        ])
        var exported: [Int: (Int, Int)] = [:]
        for line in export.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let seed = try #require(object["seed"] as? Int)
            exported[seed] = (object["observed_entries"] as? Int ?? -1, object["unobserved_lines"] as? Int ?? -1)
        }
        #expect(
            (0..<8).allSatisfy { exported[$0]?.0 == expected[$0].observed && exported[$0]?.1 == expected[$0].lines })
    }
}
