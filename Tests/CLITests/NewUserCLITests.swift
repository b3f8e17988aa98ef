import Factorization
import Foundation
import SummaryStore
import Sweeps
import TestSupport
import Testing

/// What a new user met trying the measures, recovery figures and exports end to end: answers that
/// looked like what was asked and were not, messages that named the wrong cause, and recovery
/// errors that were stored but could not be read out row by row.
@Suite struct NewUserCLITests {
    /// A small completion sweep (depth 2 and 3, two observed fractions, two seeds) run for real.
    static let completionSweep = """
        name: newuser
        method: grid
        parameters:
          problem: {value: completion}
          n: {value: 6}
          spectrum: {value: [4, 2]}
          observed: {values: [0.5, 0.8]}
          depth: {values: [2, 3]}
          init: {value: gaussian}
          alpha: {value: 0.1}
          eta: {value: 0.02}
          steps: {value: 1500}
          record_every: {value: 50}
          seed: {values: [0, 1]}
        """

    static func runSweep(_ dir: TemporaryDirectory, text: String = completionSweep) throws -> String {
        let file = dir.path("sweep.yaml")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let store = dir.path("store.sqlite")
        let run = try runProcess(["run", file, "--inline", "--quiet", "--store", store])
        try #require(run.status == 0, "\(run.stderr)")
        return store
    }

    /// One line on stderr, exit status 2, containing `text`.
    static func expectUsageError(_ out: ProcessOutput, _ text: String, _ args: [String]) {
        #expect(out.status == 2, "\(args): \(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1, "\(args): \(out.stderr)")
        #expect(out.stderr.contains(text), "\(args): \(out.stderr)")
        #expect(out.stdout.isEmpty, "\(args): \(out.stdout)")
    }

    /// `final_erank` is the entropy effective rank: `--measure ratio` with it answered with the
    /// entropy values under a ratio request. A `--measure` that no asked metric uses is refused as
    /// `plot` refuses it for kinds that do not use it.
    @Test func queryRefusesAMeasureItsMetricsDoNotUse() throws {
        let dir = try TemporaryDirectory(prefix: "newuser-measure")
        let path = try MeasureCLITests.makeStore(dir)
        for (extra, message) in [
            (["--metric", "final_erank", "--measure", "ratio"], "final_erank is the entropy effective rank"),
            (
                ["--metric", "interval.length,final_erank", "--rank", "2", "--measure", "ratio"],
                "final_erank is the entropy effective rank"
            ),
            (["--metric", "final_loss", "--measure", "ratio"], "--measure is not used by --metric final_loss"),
            (["--metric", "final_erank,steps", "--measure", "entropy"], "--measure is not used by --metric"),
        ] {
            let args = ["query", "--store", path, "--group-by", "depth"] + extra
            Self.expectUsageError(try runProcess(args), message, args)
        }
        // What uses the measure still answers, and the ratio answer differs from the entropy one.
        for extra in [
            ["--metric", "monotone,final_erank", "--measure", "entropy"],
            ["--metric", "rank_drops,final_loss", "--measure", "ratio"],
            ["--metric", "interval.length", "--rank", "2", "--measure", "ratio"],
        ] {
            let out = try runProcess(["query", "--store", path, "--group-by", "depth"] + extra)
            #expect(out.status == 0 && out.stderr.isEmpty, "\(extra): \(out.stderr)")
        }
        let raw = try runProcess(["query", "--store", path, "--raw", "--measure", "ratio"])
        #expect(raw.status == 0, "\(raw.stderr)")
    }

    /// The first release's `--measure loss|clean_error` set the staircase's quantity; a heatmap or
    /// predicted-vs-measured figure drew the entropy intervals instead, without a word.
    @Test func plotRefusesAStaircaseQuantityForOtherKinds() throws {
        let dir = try TemporaryDirectory(prefix: "newuser-plot")
        let path = try MeasureCLITests.makeStore(dir)
        for (kind, value) in [("heatmap", "loss"), ("predicted-vs-measured", "clean_error")] {
            let args = ["plot", "--store", path, "--kind", kind, "--measure", value, "--out", "-"]
            Self.expectUsageError(
                try runProcess(args), "--measure \(value) is not used by --kind \(kind) (only by staircase)", args)
        }
        // A staircase of the loss draws no effective rank: --measure ratio changed nothing there.
        for measure in ["ratio", "entropy"] {
            let args = [
                "plot", "--store", path, "--kind", "staircase", "--quantity", "loss", "--measure", measure, "--out",
                "-",
            ]
            Self.expectUsageError(
                try runProcess(args), "--measure \(measure) is not used by --quantity loss", args)
        }
        // The legacy effective-rank names still pick the measure.
        let legacy = try runProcess([
            "plot", "--store", path, "--kind", "heatmap", "--measure", "erank_ratio", "--out", "-",
        ])
        let ratio = try runProcess(["plot", "--store", path, "--kind", "heatmap", "--measure", "ratio", "--out", "-"])
        #expect(legacy.status == 0 && ratio.status == 0, "\(legacy.stderr)\(ratio.stderr)")
        #expect(legacy.stdout == ratio.stdout)
    }

    /// The recovery errors are stored and queryable as metrics, and `README` says every name means
    /// the same in `query`, `--raw` and `export`; `--raw` and `export --what results` now carry them,
    /// with the values the sqlite3 shell reads from the `recovery` table.
    @Test func rawAndExportCarryTheRecoveryErrors() throws {
        let dir = try TemporaryDirectory(prefix: "newuser-export")
        let path = try Self.runSweep(dir)
        let expected = try MeasureCLITests.sqlite3(
            path,
            """
            SELECT t.key, e.final_error, e.final_unobserved_error, e.final_clean_error, e.best_recovery_error,
                e.best_recovery_step FROM recovery e JOIN tasks t ON t.id = e.task_id ORDER BY t.id
            """)
        #expect(expected.count == 8)
        let names = ["final_error", "final_unobserved_error", "final_clean_error", "best_error", "best_recovery_step"]
        let raw = try runProcess(["query", "--store", path, "--raw", "--format", "json"])
        #expect(raw.status == 0, "\(raw.stderr)")
        let rawRows = try #require(try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [[String: Any]])
        let export = try runProcess(["export", "--store", path, "--what", "results", "--format", "jsonl", "--out", "-"])
        #expect(export.status == 0, "\(export.stderr)")
        let exportRows = try export.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        for rows in [rawRows, exportRows] {
            #expect(rows.count == expected.count)
            for (row, line) in zip(rows, expected) {
                let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                #expect(row["key"] as? String == fields[0])
                for (name, text) in zip(names, fields.dropFirst()) {
                    let value = (row[name] as? NSNumber)?.doubleValue
                    let stored = try #require(Double(text), "\(name) stored as '\(text)'")
                    #expect(value != nil && abs(value! - stored) <= 1e-12 * max(1, abs(stored)), "\(name)")
                }
            }
        }
        // A completion run has an unobserved error, and the best error is at most the final one.
        #expect(exportRows.allSatisfy { ($0["final_unobserved_error"] as? NSNumber) != nil })
        #expect(
            exportRows.allSatisfy {
                (($0["best_error"] as? NSNumber)?.doubleValue ?? .infinity)
                    <= (($0["final_error"] as? NSNumber)?.doubleValue ?? -1)
            })
    }

    /// The per-step recovery errors (`plot --kind recovery --series error|unobserved_error`) were
    /// not in `export --what trajectories`; now they are, equal to the `recovery` table's BLOBs as
    /// numpy decodes them.
    @Test func trajectoryExportCarriesTheRecoveryErrors() throws {
        let dir = try TemporaryDirectory(prefix: "newuser-traj")
        let path = try Self.runSweep(dir)
        let csv = dir.path("t.csv")
        let export = try runProcess(["export", "--store", path, "--what", "trajectories", "--out", csv])
        #expect(export.status == 0, "\(export.stderr)")
        let script = """
            import sqlite3, sys
            import numpy as np, pandas as pd
            t = pd.read_csv(sys.argv[2])
            rows = sqlite3.connect(sys.argv[1]).execute(
                "SELECT k.key, e.error, e.unobserved_error FROM recovery e JOIN tasks k ON k.id = e.task_id").fetchall()
            worst, n = 0.0, 0
            for key, error, unobserved in rows:
                mine = t[t.key == key]
                for column, blob in (("error", error), ("unobserved_error", unobserved)):
                    want = np.frombuffer(blob, dtype="<f8")
                    got = mine[column].to_numpy()
                    assert len(got) == len(want) > 10, (key, column, len(got), len(want))
                    assert np.array_equal(np.isnan(got), ~np.isfinite(want)), (key, column)
                    ok = np.isfinite(want)
                    worst = max(worst, float(np.max(np.abs(got[ok] - want[ok]) / np.maximum(1, np.abs(want[ok])))))
                    n += int(ok.sum())
            print(len(rows), n, worst)
            """
        let out = try runProcess(
            ["-c", script, path, csv], executable: try InstanceCrossCheckTests.python())
        #expect(out.status == 0, "\(out.stderr)")
        let fields = out.stdout.split(separator: " ").map { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(fields.count == 3 && fields[0] == 8 && (fields[1] ?? 0) > 8 * 2 * 10, "\(out.stdout)")
        #expect((fields[2] ?? 1) <= 1e-15, "\(out.stdout)")
    }

    /// A figure with nothing to draw said "(diverged runs left out)" when no run had diverged:
    /// the cause is a completion-only metric in a sweep without completion, or results stored by
    /// a dmfsweep before recovery errors (the release-0.1 store, upgraded).
    @Test func recoveryFiguresSayWhyTheyHaveNothingToDraw() throws {
        let dir = try TemporaryDirectory(prefix: "newuser-nothing")
        let estimation = try Self.runSweep(
            dir,
            text: Self.completionSweep.replacingOccurrences(of: "completion}", with: "estimation}")
                .replacingOccurrences(of: "observed: {values: [0.5, 0.8]}", with: "alpha_scope: {value: factor}")
                .replacingOccurrences(of: "alpha: {value: 0.1}", with: "alpha: {values: [0.1, 0.2]}"))
        for (extra, message) in [
            (
                ["--kind", "final-error", "--metric", "final_unobserved_error"],
                "sweep 'newuser' has no run that recorded final_unobserved_error: only completion runs"
            ),
            (
                ["--kind", "recovery", "--series", "unobserved_error"],
                "sweep 'newuser' has no run that recorded unobserved_error: only completion runs"
            ),
        ] {
            let args = ["plot", "--store", estimation, "--out", "-"] + extra
            let out = try runProcess(args)
            Self.expectUsageError(out, message, args)
            #expect(!out.stderr.contains("diverged"), "\(out.stderr)")
        }

        let old = dir.path("old.sqlite")
        try FileManager.default.copyItem(
            atPath: TestPaths.repositoryRoot.appendingPathComponent(
                "Tests/SummaryStoreTests/Fixtures/release-0.1.sqlite"
            ).path, toPath: old)
        let upgrade = try runProcess(["store", "upgrade", "--store", old])
        try #require(upgrade.status == 0, "\(upgrade.stderr)")
        let results = try MeasureCLITests.sqlite3(
            old,
            "SELECT count(*) FROM results r JOIN sweep_tasks m ON m.task_id = r.task_id JOIN sweeps s "
                + "ON s.id = m.sweep_id WHERE s.name = 'fixture-estimation'")
        for kind in ["final-error", "recovery"] {
            let args = ["plot", "--store", old, "--sweep", "fixture-estimation", "--kind", kind, "--out", "-"]
            let out = try runProcess(args)
            Self.expectUsageError(
                out, "its \(results[0]) result(s) were stored by a dmfsweep that did not record recovery errors", args)
            #expect(!out.stderr.contains("diverged"), "\(out.stderr)")
        }
    }

    /// A recovery metric over results stored before recovery errors answered with an empty table
    /// and no word; it now says on stderr how many results it leaves out (the sqlite3 shell's count
    /// of results without a `recovery` row), and says nothing when every result has one.
    @Test func queryNotesResultsWithoutRecoveryErrors() throws {
        let dir = try TemporaryDirectory(prefix: "newuser-recovery-note")
        let path = try Self.runSweep(dir)
        let quiet = try runProcess(["query", "--store", path, "--group-by", "depth", "--metric", "final_error"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        // Two results lose their recovery rows, as if stored by an earlier release.
        _ = try MeasureCLITests.sqlite3(path, "DELETE FROM recovery WHERE task_id IN (1, 2); SELECT 1")
        let missing = try MeasureCLITests.sqlite3(
            path, "SELECT count(*) FROM results r LEFT JOIN recovery e ON e.task_id = r.task_id WHERE e.task_id IS NULL"
        )
        #expect(missing == ["2"])
        let noted = try runProcess([
            "query", "--store", path, "--sweep", "newuser", "--group-by", "depth", "--metric", "final_loss,best_error",
        ])
        #expect(noted.status == 0, "\(noted.stderr)")
        #expect(
            noted.stderr
                == "dmfsweep: note: 2 result(s) have no recovery errors and are left out (stored by a dmfsweep "
                + "that did not record them; they are not recomputed)\n")
        let other = try runProcess(["query", "--store", path, "--group-by", "depth", "--metric", "final_loss"])
        #expect(other.status == 0 && other.stderr.isEmpty, "\(other.stderr)")
    }

    /// `--pivot` with several statistics blamed ci95 even when none was asked for.
    @Test func pivotNamesTheStatisticsAsked() throws {
        let dir = try TemporaryDirectory(prefix: "newuser-pivot")
        let path = try MeasureCLITests.makeStore(dir)
        let base = ["query", "--store", path, "--group-by", "depth", "--pivot", "seed", "--metric", "final_loss"]
        let two = try runProcess(base + ["--stats", "mean,median"])
        Self.expectUsageError(two, "asked: --metric final_loss --stats mean,median", base)
        #expect(!two.stderr.contains("ci95"), "\(two.stderr)")
        Self.expectUsageError(
            try runProcess(base), "--stats count,mean,std,min,max,ci95", base)
        Self.expectUsageError(try runProcess(base + ["--stats", "ci95"]), "--stats ci95 (two columns)", base)
    }

    /// The report's runs table shows `final_erank`, the entropy effective rank, under `--measure
    /// ratio` too: its column says which measure it is.
    @Test func reportRunsTableNamesTheMeasureOfTheFinalErank() throws {
        let dir = try TemporaryDirectory(prefix: "newuser-report")
        let path = try MeasureCLITests.makeStore(dir)
        let report = try runProcess(["report", "--store", path, "--out", "-", "--measure", "ratio"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains(">final erank (entropy)<"))
        // The run metadata names the measure and its definition once ("ratio: effective rank (…)" before).
        #expect(report.stdout.contains(">ratio (‖W‖*/‖W‖op)<"), "\(report.stdout.prefix(3000))")
        let plain = try runProcess(["report", "--store", path, "--out", "-"])
        #expect(plain.stdout.contains(">entropy (Roy–Vetterli, exp of the singular-value entropy)<"))
    }

    /// Help that said less than the command does: `--save-instance` writes the initial factors
    /// (not the result), `export` reads PostgreSQL too, and the report draws recovery errors.
    @Test func helpSaysWhatTheCommandsDo() throws {
        let simulate = try runProcess(["simulate", "--help"])
        #expect(simulate.stdout.contains("the initial factors factor1…N (W_j(0))"), "\(simulate.stdout)")
        let export = try runProcess(["export", "--help"])
        #expect(export.stdout.contains("--store STORE") && export.stdout.contains("postgresql://"))
        #expect(!export.stdout.contains("(SQLite)"))
        #expect(export.stdout.contains("final_error, final_unobserved_error"))
        let report = try runProcess(["report", "--help"])
        #expect(report.stdout.contains("the recovery error against step"))
        let query = try runProcess(["query", "--help"])
        #expect(query.stdout.contains("--measure ratio with final_erank"))
        #expect(query.stdout.contains("best_error (alias best_recovery_error) its smallest recorded value"))
        // 'store info' upgrades an older store like every reader (docs/summary-store.md); its help
        // said it never changes the store.
        let store = try runProcess(["store", "--help"])
        #expect(!store.stdout.contains("never changes the store") && store.stdout.contains("Like every reader"))
        for out in [simulate, export, report, query, store] { #expect(out.status == 0) }
    }

    /// `simulate`'s table showed only the absolute error to the clean target; the relative recovery
    /// errors (final, best and its step, unobserved entries) are there now, equal to the JSON's.
    @Test func simulateTableShowsTheRecoveryErrors() throws {
        let args = [
            "simulate", "--problem", "completion", "--n", "6", "--spectrum", "4,2", "--depth", "3", "--alpha", "0.1",
            "--eta", "0.02", "--steps", "800", "--record-every", "20", "--init", "gaussian",
        ]
        let json = try runProcess(args + ["--format", "json"])
        let table = try runProcess(args + ["--format", "table"])
        #expect(json.status == 0 && table.status == 0, "\(json.stderr)\(table.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        func sci(_ name: String) -> String {
            String(format: "%.3e", (object[name] as? NSNumber)?.doubleValue ?? .nan)
        }
        let step = (object["best_recovery_step"] as? NSNumber)?.intValue ?? -1
        let line =
            "recovery error ‖W − Y_clean‖_F/‖Y_clean‖_F: final \(sci("final_error")), best "
            + "\(sci("best_recovery_error")) at step \(step); unobserved entries: final \(sci("final_unobserved_error"))"
        #expect(table.stdout.split(separator: "\n").contains { $0 == line }, "\(line)\n\(table.stdout)")
    }

    /// A heatmap of a rank no run has drew a map of zero-length intervals (exit 0); a sweep named
    /// twice made the report hold it twice.
    @Test func heatmapOfAMissingRankAndARepeatedSweep() throws {
        let dir = try TemporaryDirectory(prefix: "newuser-heatmap")
        let path = try MeasureCLITests.makeStore(dir)
        let args = ["plot", "--store", path, "--kind", "heatmap", "--rank", "9", "--out", "-"]
        Self.expectUsageError(
            try runProcess(args), "no run of sweep 'm' has a target of rank r = 9 (its ranks: 1–4)", args)
        let four = try runProcess(["plot", "--store", path, "--kind", "heatmap", "--rank", "4", "--out", "-"])
        #expect(four.status == 0, "\(four.stderr)")
        // The same for a query: it printed the header alone with exit status 0.
        let query = ["query", "--store", path, "--sweep", "m", "--metric", "interval.length", "--rank", "9"]
        Self.expectUsageError(
            try runProcess(query + ["--group-by", "depth"]),
            "no result of sweep 'm' has a target of rank r = 9 (its ranks: 1–4); choose another --rank", query)
        let rankFour = try runProcess(query.dropLast() + ["4", "--group-by", "depth", "--format", "csv"])
        #expect(rankFour.status == 0 && rankFour.stdout.split(separator: "\n").count > 1, "\(rankFour.stderr)")
        let once = try runProcess(["report", "--store", path, "--sweep", "m", "--out", dir.path("once.html")])
        let twice = try runProcess([
            "report", "--store", path, "--sweep", "m", "--sweep", "m", "--out", dir.path("twice.html"),
        ])
        #expect(once.status == 0 && twice.status == 0, "\(once.stderr)\(twice.stderr)")
        #expect(once.stdout.contains(": 1 sweep(s),") && twice.stdout.contains(": 1 sweep(s),"), "\(twice.stdout)")
    }

    /// Every command `dmfsweep --help` lists has a row in the README's command table and its exit
    /// statuses in the exit-status table (`store` had neither).
    @Test func readmeTablesListEveryCommand() throws {
        let help = try runProcess(["--help"])
        #expect(help.status == 0)
        let lines = help.stdout.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex(of: "commands:"))
        let names = lines[(start + 1)...].prefix { $0.hasPrefix("  ") }.compactMap {
            $0.split(separator: " ").first.map(String.init)
        }
        #expect(names.count >= 13 && names.contains("store"), "\(names)")
        let readme = try String(
            contentsOf: TestPaths.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The table after the heading and its blank line, up to the next blank line.
        let heading = try #require(rows.firstIndex(of: "### Exit statuses"))
        let exitRows = rows[(heading + 2)...].prefix { !$0.isEmpty }
        #expect(exitRows.count >= 4)
        for name in names {
            #expect(rows.contains { $0.hasPrefix("| `\(name)") }, "README command table: no row for \(name)")
            #expect(exitRows.contains { $0.contains("`\(name)`") }, "README exit statuses: no \(name)")
        }
    }

    /// `simulate --save-instance` factors are the initialisation: identity init writes α·I.
    @Test func savedFactorsAreTheInitialFactors() throws {
        let dir = try TemporaryDirectory(prefix: "newuser-instance")
        let out = try runProcess([
            "simulate", "--n", "4", "--spectrum", "3,1", "--depth", "3", "--alpha", "0.25", "--eta", "0.05",
            "--steps", "500", "--format", "json", "--save-instance", dir.path("inst"),
        ])
        #expect(out.status == 0, "\(out.stderr)")
        for j in 1...3 {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.path("inst/factor\(j).npy")))
            // .npy version 1.0: magic (6), version (2), header length (2, little-endian), header, data.
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            let data = bytes.dropFirst(10 + headerLength)
            let values = stride(from: data.startIndex, to: data.endIndex, by: 8).map { i in
                Double(bitPattern: data[i..<i + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.1) << (8 * $1.0) })
            }
            #expect(values == (0..<16).map { $0 % 5 == 0 ? 0.25 : 0 }, "factor\(j)")
        }
    }
}
