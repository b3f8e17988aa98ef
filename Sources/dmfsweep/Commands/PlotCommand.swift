import Factorization
import Foundation
import Reports
import SummaryStore

/// `dmfsweep plot`: one figure of one sweep as a standalone SVG file.
enum PlotCommand {
    static let kinds = ["staircase", "heatmap", "predicted-vs-measured", "status", "recovery", "final-error"]
    /// What a staircase's y axis shows: the chosen measure's effective rank, or another recorded series.
    static let quantities = ["effective_rank", "loss", "clean_error", "product_norm", "unobserved_max"]
    /// `--measure` values of the first release (the staircase's quantity), still accepted.
    static let legacyMeasures: [String: (EffectiveRankMeasure, String)] = [
        "erank": (.entropy, "effective_rank"), "erank_ratio": (.ratio, "effective_rank"),
        "loss": (.entropy, "loss"), "clean_error": (.entropy, "clean_error"),
    ]

    static let command = Command(
        name: "plot",
        summary: "draw one figure of a sweep as SVG (staircase, heatmap, predicted-vs-measured, status, recovery, "
            + "final-error)",
        usage:
            "--store STORE [--sweep NAME] --kind KIND --out FILE.svg [--x PARAM] [--y PARAM] [--rank R] "
            + "[--group-by PARAM] [--series S] [--metric M] [--measure entropy|ratio] [--quantity Q]",
        discussion: """
            Kinds:
              staircase              effective rank vs step, one curve per value of --x (default: the first
                                     varied parameter), mean ± std over seeds, targets t_r dashed,
                                     measured intervals shaded. --quantity loss|clean_error|product_norm|
                                     unobserved_max plots another recorded quantity instead (‖W‖_F; the
                                     largest |W_ij| over the unobserved entries of a completion).
              heatmap                mean length of the interval for rank --rank (default 2) over --y (rows)
                                     × --x (columns); default: the first two varied parameters.
              predicted-vs-measured  measured interval starts vs the theory's switch-on steps, one colour
                                     per value of --x (default: depth), with the diagonal.
              status                 fractions of finished / converged / diverged runs per value of --x
                                     (default: eta when it varies).
              recovery               a recorded series against step (--series, default error: the relative
                                     recovery error ‖W − Y_clean‖_F/‖Y_clean‖_F, log scale), one curve per
                                     value of --group-by (default: depth), median over seeds with the
                                     25th–75th percentile band.
              final-error            a recovery metric of each run (--metric, default final_error) against
                                     the numeric parameter --x (default: observed, alpha, noise, … whichever
                                     varies first), one line per value of --group-by (default: depth),
                                     median over seeds with the 25th–75th percentile band.
            --measure entropy|ratio picks the effective rank (README, Definitions): the staircase's curves,
            targets and intervals, the heatmap's and predicted-vs-measured's intervals. It is refused where it
            would change nothing (other kinds, a --quantity other than effective_rank).
            The earlier staircase values --measure erank|erank_ratio|loss|clean_error still work (erank is
            entropy, erank_ratio is ratio, loss and clean_error set --quantity).
            Parameters a figure does not show are held at their first value (named in the subtitle).
            --sweep may be left out when the store holds one sweep. --out - writes to standard output.
            """,
        options: [
            OptionSpec(flag: "--store", valueName: "STORE", help: "summary store: a file or a postgresql:// URI"),
            OptionSpec(flag: "--sweep", valueName: "NAME", help: "the sweep to draw", defaultValue: "the only one"),
            OptionSpec(flag: "--kind", valueName: "KIND", help: kinds.joined(separator: "|")),
            OptionSpec(flag: "--out", valueName: "FILE", help: "the SVG file to write (- for stdout)"),
            OptionSpec(flag: "--x", valueName: "PARAM", help: "parameter on the x axis / grouping parameter"),
            OptionSpec(flag: "--y", valueName: "PARAM", help: "parameter on the y axis (heatmap)"),
            OptionSpec(flag: "--rank", valueName: "R", help: "interval rank (heatmap)", defaultValue: "2"),
            OptionSpec(
                flag: "--group-by", valueName: "PARAM", help: "one curve per value (recovery, final-error)",
                defaultValue: "depth"),
            OptionSpec(
                flag: "--series", valueName: "S",
                help: "recovery: the recorded series: " + TrajectorySeries.all.map(\.name).joined(separator: "|"),
                defaultValue: "error"),
            OptionSpec(
                flag: "--metric", valueName: "M",
                help: "final-error: " + RecoveryMetric.allCases.map(\.rawValue).joined(separator: "|"),
                defaultValue: "final_error"),
            OptionSpec(
                flag: "--measure", valueName: "entropy|ratio", help: "the effective rank (intervals, targets, curves)",
                defaultValue: "entropy"),
            OptionSpec(
                flag: "--quantity", valueName: "Q", help: "staircase y axis: " + quantities.joined(separator: "|"),
                defaultValue: "effective_rank"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        _ = try args.positionals(exactly: 0, names: "nothing")
        let path = try args.required("--store")
        guard let kind = try args.choice("--kind", kinds) else {
            throw UsageError("missing --kind: one of " + kinds.joined(separator: "|"))
        }
        let out = try args.required("--out")
        let rank = try args.int("--rank", in: 1...Int.max) ?? 2
        let (effectiveRank, quantity) = try measureAndQuantity(args)
        let measure: SweepFigures.Measure =
            quantity == "effective_rank"
            ? .effectiveRank(effectiveRank) : SweepFigures.Measure(rawValue: quantity) ?? .loss
        let x = args.string("--x")
        let y = args.string("--y")
        let groupBy = args.string("--group-by")
        let series = try args.choice("--series", TrajectorySeries.all.map(\.name)).flatMap(TrajectorySeries.named)
        let metric = try args.choice("--metric", RecoveryMetric.allCases.map(\.rawValue))
            .flatMap(RecoveryMetric.init(rawValue:))
        for (flag, used, users) in [
            ("--group-by", groupBy != nil, ["recovery", "final-error"]), ("--series", series != nil, ["recovery"]),
            ("--metric", metric != nil, ["final-error"]), ("--x", x != nil, kinds.filter { $0 != "recovery" }),
            ("--measure", args.string("--measure") != nil, ["staircase", "heatmap", "predicted-vs-measured"]),
            ("--quantity", args.string("--quantity") != nil, ["staircase"]),
            // The first release's --measure loss|clean_error is a staircase quantity, not an effective rank.
            ("--measure \(args.string("--measure") ?? "")", quantity != "effective_rank", ["staircase"]),
        ] where used && !users.contains(kind) {
            throw UsageError("\(flag) is not used by --kind \(kind) (only by \(users.joined(separator: ", ")))")
        }
        let svg: String
        do {
            let loader = try ReportLoader(path: path)
            StoreAccess.announceUpgrades(loader.store)
            let name = try ReportAccess.sweepName(args.string("--sweep"), loader: loader)
            if effectiveRank == .ratio { StoreAccess.noteMissingRatioMeasure(loader.store, sweep: name) }
            let records = try loader.sweep(
                name, trajectories: ["staircase", "recovery"].contains(kind) ? .all : .none, measure: effectiveRank)
            switch kind {
            case "staircase":
                svg = try SweepFigures.staircase(records, groupBy: x, measure: measure).figure().svg(id: "fig")
            case "heatmap": svg = try SweepFigures.heatmap(records, x: x, y: y, rank: rank).svg(id: "fig")
            case "predicted-vs-measured":
                svg = try SweepFigures.predictedVsMeasured(records, groupBy: x).figure().svg(id: "fig")
            case "recovery":
                svg = try SweepFigures.trajectory(records, series: series ?? .error, groupBy: groupBy).figure()
                    .svg(id: "fig")
            case "final-error":
                svg = try SweepFigures.finalErrors(records, metric: metric ?? .finalError, x: x, groupBy: groupBy)
                    .figure().svg(id: "fig")
            default: svg = try SweepFigures.status(records, x: x).svg(id: "fig")
            }
        } catch let e as ReportError {
            throw ReportAccess.failure(e)
        } catch let e as StoreError {
            throw StoreAccess.failure(e)
        }
        try ReportAccess.write(svg + "\n", to: out)
        if out != "-" { print("wrote \(out) (\(kind), \(svg.utf8.count / 1024 + 1) KiB)") }
        return 0
    }

    /// `--measure` (the effective rank) and `--quantity` (the staircase's y axis), with the first
    /// release's `--measure erank|erank_ratio|loss|clean_error` read as both.
    /// - Throws: `UsageError` for an unknown value, a legacy quantity given together with `--quantity`,
    ///   or an effective rank with a `--quantity` that draws none.
    static func measureAndQuantity(_ args: ParsedArguments) throws -> (EffectiveRankMeasure, String) {
        let asked = try args.choice(
            "--measure", EffectiveRankMeasure.allCases.map(\.rawValue) + legacyMeasures.keys.sorted())
        let quantity = try args.choice("--quantity", quantities)
        if let asked, let legacy = legacyMeasures[asked] {
            if let quantity, quantity != legacy.1 {
                throw UsageError(
                    "--measure \(asked) is the quantity \(legacy.1); it contradicts --quantity \(quantity)")
            }
            return legacy
        }
        // A staircase of another recorded quantity draws no effective rank: the measure would change nothing.
        if let asked, let quantity, quantity != "effective_rank" {
            throw UsageError(
                "--measure \(asked) is not used by --quantity \(quantity) (only by --quantity effective_rank)")
        }
        return (asked.flatMap(EffectiveRankMeasure.init) ?? .entropy, quantity ?? "effective_rank")
    }
}
