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
}
