import Foundation
import TestSupport
import Testing

/// The command table and the shared argument handling, through the built binary.
@Suite struct TopLevelCLITests {
    @Test func helpListsEveryCommandAndExitsZero() throws {
        let out = try runProcess(["--help"])
        #expect(out.status == 0)
        for name in [
            "simulate", "plan", "run", "query", "sweeps", "status", "coordinator", "worker", "keys", "plot", "report",
        ] {
            #expect(out.stdout.contains("\n  \(name) "), "\(name) missing from --help")
        }
    }

    @Test func unknownCommandIsOneLineUsageErrorWithSuggestion() throws {
        let out = try runProcess(["staus"])
        #expect(out.status == 2)
        #expect(
            out.stderr == "dmfsweep: error: unknown command 'staus' (did you mean 'status'?); see 'dmfsweep --help'\n")
    }

    @Test(arguments: [
        (
            ["status"],
            "missing --store STORE: summary store: a file or a postgresql:// URI; see 'dmfsweep status --help'"
        ),
        (
            ["query", "--metric", "final_loss"],
            "missing --store STORE: summary store: a file or a postgresql:// URI; see 'dmfsweep query --help'"
        ),
        (
            ["worker"],
            "missing --connect ENDPOINT: the coordinator, e.g. tcp://node1:5555; see 'dmfsweep worker --help'"
        ),
        (
            ["report", "--store", "x.sqlite"],
            "missing --out FILE: the HTML file to write (- for stdout); see 'dmfsweep report --help'"
        ),
    ])
    func missingRequiredOptionIsNamedWithItsHelp(arguments: [String], message: String) throws {
        let out = try runProcess(arguments)
        #expect(out.status == 2)
        #expect(out.stderr == "dmfsweep: error: \(message)\n")
    }
}
