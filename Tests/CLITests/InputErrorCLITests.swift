import Foundation
import TestSupport
import Testing

/// Every command, given bad input, prints one line on stderr and exits with status 2 (the built
/// binary, one process per case). Each case names the words the line must contain.
@Suite struct InputErrorCLITests {
    /// A store holding sweep "one" (depth 2 and 3, 50 steps), the sweep file, and a directory for
    /// output paths; `STORE`, `SWEEP`, `DIR` in a case's arguments are replaced by them.
    final class Fixture: @unchecked Sendable {  // immutable after init
        let dir: TemporaryDirectory
        let store: String
        let sweep: String

        init() throws {
            dir = try TemporaryDirectory(prefix: "input-errors")
            sweep = dir.path("one.yaml")
            try "name: one\nmethod: grid\nparameters:\n  depth: {values: [2, 3]}\n  steps: {value: 50}\n"
                .write(toFile: sweep, atomically: true, encoding: .utf8)
            try "name: one\nmethod: grid\nparameters:\n  depth: {values: [2]}\n  steps: {value: 50}\n"
                .write(toFile: dir.path("shrunk.yaml"), atomically: true, encoding: .utf8)
            try "name: bad\nmethod: grid\nparameters:\n  alpah: {value: 0.1}\n"
                .write(toFile: dir.path("bad.yaml"), atomically: true, encoding: .utf8)
            store = dir.path("s.sqlite")
            let out = try runProcess(["run", sweep, "--inline", "--quiet", "--store", store])
            guard out.status == 0 else { throw FixtureError(message: "fixture run failed: \(out.stderr)") }
        }

        func expand(_ arguments: [String]) -> [String] {
            arguments.map {
                $0.replacingOccurrences(of: "STORE", with: store).replacingOccurrences(of: "SWEEP", with: sweep)
                    .replacingOccurrences(of: "DIR", with: dir.url.path)
            }
        }
    }

    struct FixtureError: Error { let message: String }

    static let fixture = Result { try Fixture() }

    static let cases: [(arguments: [String], message: String)] = [
        (["simulate", "--depth", "0"], "--depth: must be an integer ≥ 1, got 0"),
        (["simulate", "--problem", "completion", "--spectrum", "1,2", "--path", "spectral"], "--path: spectral"),
        (["plan", "DIR/bad.yaml"], "unknown parameter 'alpah'"),
        (["plan", "DIR/missing.yaml"], "cannot read sweep file: no such file"),
        (["plan", "SWEEP", "--show", "-1"], "--show: must be ≥ 0"),
        (["run", "SWEEP", "--inline", "--store", "DIR/none/x.sqlite"], "directory 'DIR/none' does not exist"),
        (["run", "SWEEP", "--store", "STORE", "--workers", "0"], "--workers: must be between 1 and 1024"),
        (["run", "SWEEP", "--inline", "--store", "STORE", "--batch", "0"], "--batch: must be between"),
        (["run", "DIR/shrunk.yaml", "--inline", "--store", "STORE"], "sweep 'one' is already in the store"),
        (["run", "DIR/shrunk.yaml", "--store", "STORE", "--workers", "1"], "sweep 'one' is already in the store"),
        (["query", "--store", "STORE", "--metric", "nope"], "unknown metric 'nope'"),
        (["query", "--store", "STORE", "--sweep", "nope", "--metric", "final_loss"], "no sweep named 'nope'"),
        (["query", "--store", "DIR/none.sqlite", "--metric", "final_loss"], "no summary store at"),
        (["query", "--store", "STORE", "--metric", "final_loss", "--where", "depth>>3"], "unknown operator"),
        (["export", "--store", "STORE", "--what", "nope", "--out", "-"], "--what: expected one of"),
        (["export", "--store", "STORE", "--what", "results", "--out", "DIR/none/x.csv"], "cannot create the file"),
        (["export", "--store", "STORE", "--what", "results", "--sweep", "nope", "--out", "-"], "no sweep named"),
        (["sweeps", "--store", "SWEEP"], "is not a dmfsweep summary store"),
        (["status", "--store", "STORE", "--sweep", "nope"], "no sweep named 'nope'"),
        (["status", "--store", "DIR/none.sqlite"], "no summary store at"),
        (["coordinator", "SWEEP", "--store", "STORE", "--max-attempts", "0"], "--max-attempts: must be between"),
        (["coordinator", "SWEEP", "--store", "STORE", "--bind", "tcp://127.0.0.1:99999"], "the port must be"),
        (["coordinator", "SWEEP", "--store", "STORE", "--curve", "--keys", "DIR/nokeys"], "missing key file"),
        (["coordinator", "DIR/bad.yaml", "--store", "STORE"], "unknown parameter 'alpah'"),
        (["worker", "--connect", "garbage"], "Invalid argument"),
        (["worker", "--connect", "tcp://127.0.0.1:1", "--curve", "--keys", "DIR/nokeys"], "missing key file"),
        (["worker", "--connect", "tcp://127.0.0.1:1", "--jobs", "0"], "--jobs: must be between"),
        (["keys", "generate", "--keys", "DIR/k", "--name", "a/b"], "a/b"),
        (["keys", "rotate", "--keys", "DIR/k", "--name", "a"], "unknown action 'rotate'"),
        (["plot", "--store", "STORE", "--kind", "heatmap", "--out", "DIR/h.svg"], "a heatmap needs two varied"),
        (["plot", "--store", "STORE", "--kind", "staircase", "--out", "DIR/none/h.svg"], "does not exist"),
        (["plot", "--store", "STORE", "--kind", "staircase", "--x", "alpha", "--out", "DIR/x.svg"], "only one value"),
        (["plot", "--store", "STORE", "--kind", "pie", "--out", "DIR/x.svg"], "--kind: expected one of"),
        (["plot", "--store", "STORE", "--kind", "status", "--x", "alpah", "--out", "DIR/x.svg"], "unknown parameter"),
        (["report", "--store", "STORE", "--out", "DIR/none/r.html"], "does not exist"),
        (["report", "--store", "STORE", "--out", "DIR/r.html", "--sweep", "nope"], "no sweep named 'nope'"),
    ]

    @Test(arguments: cases)
    func inputErrorExitsTwoWithOneLine(arguments: [String], message: String) throws {
        let fixture = try Self.fixture.get()
        let out = try runProcess(fixture.expand(arguments), timeout: 60)
        let expected = fixture.expand([message])[0]
        #expect(out.status == 2 && !out.signaled, "\(arguments): status \(out.status), \(out.stderr)")
        let errorLines = out.stderr.split(separator: "\n").filter { $0.hasPrefix("dmfsweep: error: ") }
        #expect(errorLines.count == 1 && errorLines[0].contains(expected), "\(arguments): \(out.stderr)")
    }
}
