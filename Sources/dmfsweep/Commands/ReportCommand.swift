import Factorization
import Foundation
import Reports
import SummaryStore

/// `dmfsweep report`: one self-contained HTML file with every figure and table of every sweep.
enum ReportCommand {
    static let command = Command(
        name: "report",
        summary: "write one self-contained HTML report: figures and tables of every sweep, specs, run metadata",
        usage: "--store STORE --out FILE.html [--sweep NAME …] [--title TEXT] [--measure entropy|ratio]",
        discussion: """
            The report holds, per sweep: the effective-rank staircase (mean ± std over seeds, targets, intervals),
            the recovery error against step (and, for completion, the error on the unobserved entries; median
            and 25th–75th percentile band over seeds, by depth) and the final errors against a numeric varied
            parameter (plot --kind recovery and final-error), a heatmap of the r = 2 interval length when two
            parameters vary, measured vs predicted interval starts, run-status fractions, the aggregate tables
            (runs, intervals by rank, agreement with the theory by depth, early stopping for noisy targets,
            monotonicity of the effective rank) and the sweep file; then the software, machine and timing
            metadata. Figures a sweep cannot have (no recovery errors stored, one varied parameter) are left
            out. Figures are inline SVG: no scripts, no external files; open it in any browser.
            --measure picks the effective rank (README, Definitions) of the staircases, targets, intervals and
            their tables: entropy (Roy-Vetterli, the default) or ratio (nuclear over operator norm); the
            monotonicity table shows both.
            """,
        options: [
            OptionSpec(flag: "--store", valueName: "STORE", help: "summary store: a file or a postgresql:// URI"),
            OptionSpec(flag: "--out", valueName: "FILE", help: "the HTML file to write (- for stdout)"),
            OptionSpec(
                flag: "--sweep", valueName: "NAME", help: "only this sweep", defaultValue: "all", repeatable: true),
            OptionSpec(flag: "--title", valueName: "TEXT", help: "the report's title", defaultValue: "dmfsweep report"),
            OptionSpec(
                flag: "--measure", valueName: "entropy|ratio", help: "effective rank of intervals and staircases",
                defaultValue: "entropy"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        _ = try args.positionals(exactly: 0, names: "nothing")
        let path = try args.required("--store")
        let out = try args.required("--out")
        let measure =
            try args.choice("--measure", EffectiveRankMeasure.allCases.map(\.rawValue))
            .flatMap(EffectiveRankMeasure.init) ?? .entropy
        let data: ReportData
        do {
            let loader = try ReportLoader(path: path)
            StoreAccess.announceUpgrades(loader.store)
            var sweeps: [String]? = nil
            if !args.strings("--sweep").isEmpty {
                // A sweep named twice is one section, in the order first named.
                var seen: Set<String> = []
                sweeps = try args.strings("--sweep").map { try ReportAccess.sweepName($0, loader: loader) }
                    .filter { seen.insert($0).inserted }
            }
            if measure == .ratio {
                for name in try sweeps ?? loader.sweepNames() {
                    StoreAccess.noteMissingRatioMeasure(loader.store, sweep: name)
                }
            }
            data = try loader.report(
                version: Version.string, sweeps: sweeps,
                title: args.string("--title") ?? "dmfsweep report", measure: measure)
        } catch let e as ReportError {
            throw ReportAccess.failure(e)
        } catch let e as StoreError {
            throw StoreAccess.failure(e)
        }
        let html = HTMLReport.render(data)
        try ReportAccess.write(html, to: out)
        if out != "-" {
            let figures = data.sweeps.map(\.figures.count).reduce(0, +)
            let tables = data.sweeps.map(\.tables.count).reduce(0, +)
            print(
                "wrote \(out): \(data.sweeps.count) sweep(s), \(figures) figures, \(tables) tables, "
                    + "\(html.utf8.count / 1024 + 1) KiB")
        }
        return 0
    }
}

/// Shared pieces of `plot` and `report`: sweep choice, error mapping, output.
enum ReportAccess {
    /// The sweep to use: the one named (checked), or the only one in the store.
    static func sweepName(_ asked: String?, loader: ReportLoader) throws -> String {
        let names = try loader.sweepNames()
        if let asked {
            guard names.contains(asked) else { throw ReportError.unknownSweep(name: asked, available: names) }
            return asked
        }
        guard names.count == 1 else {
            throw UsageError(
                names.isEmpty
                    ? "the store holds no sweeps yet; run one with 'dmfsweep run'"
                    : "the store holds \(names.count) sweeps; choose one with --sweep: " + names.joined(separator: ", ")
            )
        }
        return names[0]
    }

    /// A report error with its exit status: every `ReportError` is an input error (`ExitStatus`), a
    /// figure or sweep the store cannot give as asked.
    static func failure(_ e: ReportError) -> Error {
        ExitStatus.failure(e)
    }

    /// Writes `text` to a file (atomically) or to standard output for `-`.
    static func write(_ text: String, to path: String) throws {
        if path == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        // A directory that does not exist is a wrong argument (exit 2); other write errors are failures.
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UsageError("cannot write \(path): directory \(directory) does not exist")
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CommandFailure("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
