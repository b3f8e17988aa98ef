import Factorization
import Foundation
import SummaryStore

/// `dmfsweep export`: results, intervals or trajectories as tidy CSV or JSON Lines for pandas and R.
enum ExportCommand {
    static let command = Command(
        name: "export",
        summary: "write results, intervals or trajectories as tidy CSV or JSON Lines (pandas, R)",
        usage: "--store STORE [--sweep NAME] [--where COND …] --what results|intervals|trajectories "
            + "[--measure entropy|ratio] [--format csv|jsonl] --out FILE|-",
        discussion: """
            Long format, every parameter a column: one row per task (results), per task, measure and
            rank (intervals; r is the interval's rank, rank the parameter) or per task and recorded step
            (trajectories). Reads with no post-processing:
              pandas.read_csv(FILE)   pandas.read_json(FILE, lines=True)   read.csv(FILE) in R.
            results: key, the parameters, status (finished/converged/diverged/failed), path_used,
            steps_run, final_loss, final_erank, seconds, best_step, best_clean_error, best_inside (0/1),
            monotone_from, rank_drops (entropy effective rank), monotone_from_ratio, rank_drops_ratio,
            observed_entries, unobserved_lines (completion masks), final_error, final_unobserved_error,
            final_clean_error, best_error, best_recovery_step (recovery errors, as query names them).
            intervals: key, the parameters, measure (entropy: Roy-Vetterli effective rank; ratio:
            nuclear / operator norm), r, t_r (the target; target is the parameter), start, end, length,
            middle_error, predicted_start, predicted_end; --measure keeps one measure's rows.
            trajectories: key, the parameters, step, loss, erank (Roy-Vetterli), erank_ratio
            (nuclear / operator norm), clean_error, product_norm (Frobenius norm of W), unobserved_max
            (completion: largest |W_ij| over the unobserved entries), error and unobserved_error (the
            relative recovery errors, as plot --kind recovery --series names them).
            Missing or non-finite values are empty in CSV (NaN in pandas, NA in R) and null in JSON;
            lists (spectrum) are one quoted CSV field "10.0,5.0" or a JSON array. --where as in
            query. Rows stream in task order; memory does not grow with the store. --out FILE is
            written to FILE.partial and renamed when complete; - writes to standard output.
            """,
        options: [
            OptionSpec(flag: "--store", valueName: "STORE", help: "summary store: a file or a postgresql:// URI"),
            OptionSpec(flag: "--sweep", valueName: "NAME", help: "only this sweep's tasks", defaultValue: "all"),
            OptionSpec(
                flag: "--where", valueName: "COND", help: "condition, as for query (e.g. 'depth IN (3,4)')",
                repeatable: true),
            OptionSpec(flag: "--what", valueName: "results|intervals|trajectories", help: "what one row is"),
            OptionSpec(
                flag: "--measure", valueName: "entropy|ratio",
                help: "intervals of this effective rank only (default: both measures' rows)"),
            OptionSpec(flag: "--format", valueName: "csv|jsonl", help: "output format", defaultValue: "csv"),
            OptionSpec(flag: "--out", valueName: "FILE|-", help: "the output file, or - for standard output"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        _ = try args.positionals(exactly: 0, names: "nothing")
        let path = try args.required("--store")
        let what = try args.choice("--what", ExportQuery.Table.allCases.map(\.rawValue)).flatMap(ExportQuery.Table.init)
        guard let what else { throw UsageError("missing --what results|intervals|trajectories") }
        let format = try args.choice("--format", ["csv", "jsonl"]).flatMap(OutputFormat.init) ?? .csv
        let out = try args.required("--out")
        var filters: [Filter] = []
        do {
            for text in args.strings("--where") { filters.append(try Filter(parsing: text)) }
        } catch {
            throw UsageError(error.description)
        }
        let measure = try args.choice("--measure", EffectiveRankMeasure.allCases.map(\.rawValue))
            .flatMap(EffectiveRankMeasure.init)
        if measure != nil && what != .intervals {
            throw UsageError(
                "--measure applies to --what intervals (results and trajectories carry both measures' columns)")
        }
        let query = ExportQuery(sweep: args.string("--sweep"), filters: filters, table: what, measure: measure)
        let store = try StoreAccess.open(path, readOnly: true)
        let sink = try ExportSink(path: out)
        do {
            var writer = TableWriter(
                columns: query.columns, format: format, listColumns: ExportQuery.listColumns, write: sink.write)
            try store.export(query) { writer.add($0) }
            writer.finish()
            try sink.close()
        } catch let error as StoreError {
            sink.discard()
            throw StoreAccess.failure(error)
        } catch {
            sink.discard()
            throw error
        }
        return 0
    }
}

/// Standard output, or a file written as `FILE.partial` and renamed into place when complete
/// (a failed export leaves no file that looks whole); buffered in 64 KiB chunks.
final class ExportSink {
    private let handle: FileHandle
    private let target: String?
    private let partial: String?
    private var buffer = Data()
    private var failure: (any Error)?

    /// Opens the output.
    /// - Throws: `UsageError` when the file cannot be created (missing directory, permissions).
    init(path: String) throws {
        guard path != "-" else {
            handle = FileHandle.standardOutput
            target = nil
            partial = nil
            return
        }
        let partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil),
            let handle = FileHandle(forWritingAtPath: partial)
        else {
            throw UsageError("--out \(path): cannot create the file (does its directory exist and is it writable?)")
        }
        self.handle = handle
        self.target = path
        self.partial = partial
    }

    /// Appends text, writing out full chunks.
    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    private func flush() {
        guard !buffer.isEmpty, failure == nil else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            failure = error
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes the rest and, for a file, renames it into place.
    /// - Throws: `CommandFailure` when a write failed (disk full) or the rename fails.
    func close() throws {
        flush()
        if let failure {
            discard()
            throw CommandFailure("export: writing failed: \(failure)")
        }
        guard let target, let partial else { return }
        try? handle.close()
        guard rename(partial, target) == 0 else {
            throw CommandFailure("export: cannot rename \(partial) to \(target): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the partial file.
    func discard() {
        guard let partial else { return }
        try? handle.close()
        unlink(partial)
    }
}
