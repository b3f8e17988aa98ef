import Foundation
import TestSupport
import Testing

/// End-to-end tests of `dmfsweep simulate`, running the built binary.
@Suite struct SimulateCLITests {
    static func json(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func helpListsEveryFlagWithItsDefault() throws {
        let out = try runProcess(["simulate", "--help"])
        #expect(out.status == 0)
        let flags = [
            "--problem", "--n", "--depth", "--spectrum", "--rank", "--decay", "--noise", "--init", "--alpha", "--eta",
            "--steps", "--record-every", "--tolerance", "--seed", "--path", "--measurements", "--observed",
            "--stop-loss", "--format",
        ]
        for flag in flags {
            let line = out.stdout.split(separator: "\n").first {
                $0.trimmingCharacters(in: .whitespaces).hasPrefix(flag + " ")
            }
            #expect(line?.contains("(default: ") == true, "\(flag) is listed with a default")
        }
        #expect(out.stdout.contains("(default: 0.05)"))  // --alpha
        #expect(out.stdout.contains("(default: 10,5,2,1,0.5)"))  // --spectrum
        #expect(!out.stdout.contains("(default 10"))  // each default shown once
        let top = try runProcess(["--help"])
        #expect(top.stdout.contains("simulate"))
    }

    @Test func jsonWhenStdoutIsNotATerminal() throws {
        let out = try runProcess(["simulate", "--steps", "300", "--record-every", "50"])
        #expect(out.status == 0)
        #expect(out.stderr.isEmpty)
        let o = try Self.json(out.stdout)
        for key in [
            "status", "path", "steps", "final_loss", "final_erank", "targets", "intervals", "predicted", "trajectory",
        ] {
            #expect(o[key] != nil, "key \(key)")
        }
        #expect(o["status"] as? String == "finished")
        #expect(o["path"] as? String == "spectral")
        #expect(o["steps"] as? Int == 300)
        let trajectory = try #require(o["trajectory"] as? [[String: Any]])
        #expect(trajectory.compactMap { $0["step"] as? Int } == [0, 50, 100, 150, 200, 250, 300])
        #expect(trajectory.allSatisfy { $0["loss"] is Double && $0["erank"] is Double && $0["erank_ratio"] is Double })
        let intervals = try #require(o["intervals"] as? [[String: Any]])
        #expect(intervals.count == 5)
        // 300 steps only reach the first plateaus: the last interval is empty → nulls and length 0.
        let last = try #require(intervals.last)
        #expect(last["start"] is NSNull && last["end"] is NSNull && last["length"] as? Int == 0)
        #expect(Set(intervals[0].keys).isSuperset(of: ["rank", "target", "start", "end", "length"]))
        let predicted = try #require(o["predicted"] as? [[String: Any]])
        #expect(predicted.count == 5 && predicted[0]["rank"] as? Int == 1 && predicted[4]["end"] is NSNull)
    }

    @Test func tableOnRequest() throws {
        let out = try runProcess(["simulate", "--format", "table", "--steps", "100"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("status finished"))
        #expect(out.stdout.contains("target"))
    }

    @Test func sameSeedGivesBitIdenticalResultsInTwoProcesses() throws {
        let args = [
            "simulate", "--problem", "sensing", "--init", "gaussian", "--n", "6", "--spectrum", "3,1", "--noise", "0.1",
            "--steps", "300", "--record-every", "7", "--seed", "12345", "--format", "json",
        ]
        let a = try runProcess(args)
        let b = try runProcess(args)
        #expect(a.status == 0 && b.status == 0)
        let (ja, jb) = (try Self.json(a.stdout), try Self.json(b.stdout))
        // Shortest round-trip printing: equal text means equal bits.
        func withoutTiming(_ s: String) -> String {
            s.replacingOccurrences(of: #""seconds":[^,}]*"#, with: "", options: .regularExpression)
        }
        #expect(withoutTiming(a.stdout) == withoutTiming(b.stdout))
        #expect((ja["trajectory"] as? [Any])?.count == 44)  // 0, 7, …, 294 and 300
        #expect(jb["path"] as? String == "full")
        var other = args
        other[other.firstIndex(of: "12345")!] = "12346"
        #expect(withoutTiming(try runProcess(other).stdout) != withoutTiming(a.stdout))
    }

    @Test func divergenceIsAResultWithFiniteJSON() throws {
        let out = try runProcess([
            "simulate", "--eta", "3", "--steps", "5000", "--record-every", "1", "--format", "json",
        ])
        #expect(out.status == 0)
        #expect(!out.stdout.lowercased().contains("nan") && !out.stdout.lowercased().contains("inf"))
        let o = try Self.json(out.stdout)  // JSONSerialization rejects NaN/Infinity
        #expect(o["status"] as? String == "diverged")
        #expect((o["final_loss"] as? Double)?.isFinite == true)
    }

    @Test(arguments: [
        (["--dept", "3"], "--dept"),
        (["--depth", "0"], "--depth"),
        (["--depth", "three"], "--depth"),
        (["--n", "-3"], "--n"),
        (["--spectrum", "1,abc"], "--spectrum"),
        (["--spectrum", "1,nan"], "--spectrum"),
        (["--spectrum", "inf"], "--spectrum"),
        (["--n", "3", "--spectrum", "1,2,3,4"], "--spectrum"),
        (["--rank", "3", "--spectrum", "1"], "--rank"),
        (["--problem", "sensing", "--path", "spectral"], "--path"),
        (["--init", "gaussian", "--path", "spectral"], "--path"),
        (["--init", "zeros"], "--init"),
        (["--problem", "regression"], "--problem"),
        (["--eta", "-1"], "--eta"),
        (["--alpha", "0"], "--alpha"),
        (["--seed", "-1"], "--seed"),
        (["--steps", "1.5"], "--steps"),
        (["--record-every", "0"], "--record-every"),
        (["--observed", "1.5"], "--observed"),
        (["--tolerance", "0"], "--tolerance"),
        (["--noise", "-0.1"], "--noise"),
        (["--measurements", "0"], "--measurements"),
        (["--stop-loss", "-1"], "--stop-loss"),
        (["--format", "xml"], "--format"),
        (["--depth"], "--depth"),
        (["extra"], "extra"),
        // Resource limits: bad input (exit 2), not an allocation trap.
        (["--steps", "9223372036854775807"], "--record-every"),
        (["--steps", "100000000", "--record-every", "1"], "--record-every"),
        (["--n", "100000", "--noise", "0.1"], "--n"),
        (["--n", "1000000000"], "--n"),
        (["--problem", "sensing", "--n", "500"], "--measurements"),
        (["--spectrum", "1e200,1"], "--spectrum"),
        (["--alpha", "1e60"], "--depth"),
    ])
    func badInputIsOneLineNamingTheFlag(_ args: [String], _ flag: String) throws {
        let out = try runProcess(["simulate"] + args)
        #expect(out.status == 2, "\(args)")
        #expect(out.stdout.isEmpty)
        let lines = out.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(out.stderr)")
        #expect(out.stderr.contains(flag), "\(out.stderr)")
    }

    @Test func aSeedBeyondTheLargestIsNamedWithItsRange() throws {
        let out = try runProcess(["simulate", "--seed", "18446744073709551615"])
        #expect(out.status == 2)
        let expected = "dmfsweep: error: --seed: must be between 0 and 9223372036854775807, got 18446744073709551615"
        #expect(out.stderr == expected + "\n")
    }
}
