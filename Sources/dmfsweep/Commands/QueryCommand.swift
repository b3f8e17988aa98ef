import Foundation
import SummaryStore

/// `dmfsweep query`: group-by aggregates of one metric, or one raw row per task, from a store.
enum QueryCommand {
    static let command = Command(
        name: "query",
        summary: "aggregate a metric by parameter groups (count, mean, std, min, max, 95% CI), or dump raw rows",
        usage:
            "--store STORE [--sweep NAME] [--where COND …] [--group-by P,Q] --metric M [--rank R] [--format F] | --raw",
        discussion: """
            Metrics: \(Metric.names.joined(separator: ", ")).
            interval.* and predicted.* are per rank: give --rank R or --group-by r (r is the
            interval's rank; rank is the parameter). status.S is 1 for a task
            whose outcome is S (failed: the task failed without a result) and 0 for any other outcome, so its
            mean is the fraction of S; status.running and status.pending count every task, so
            '--where status=running --metric status.running' counts the tasks running now.
            Values that are missing (an empty interval's start) are not counted.
            --where PARAM OP VALUE with OP one of = != < <= > >= (e.g. 'depth>=3', 'init=identity',
            'stop_loss=auto'); conditions combine with AND and are bound as SQL parameters.
            Besides parameters, --where and --group-by take the outcome columns status (finished,
            converged, diverged, failed, pending, running; e.g. 'status!=diverged') and path_used (the
            path that ran, full or spectral; the parameter path is the one requested, often auto), and
            host (the host of the worker that ran the task's latest attempt; = and != only).
            The 95% confidence interval is mean ± t(0.975, count−1) · std / √count (Student's t quantile,
            not 1.96), empty when count < 2.
            --raw prints one row per finished task: every parameter, the result (status, path_used, steps_run,
            final_loss, final_erank, seconds, best_step, best_error, best_inside) and, per rank r,
            r<r>_target, _start, _end, _length, _middle_error, _predicted_start, _predicted_end (only
            --rank's when given). Exit status 2 for a bad query or a missing store.
            """,
        options: [
            OptionSpec(flag: "--store", valueName: "STORE", help: "summary store: a file or a postgresql:// URI"),
            OptionSpec(flag: "--sweep", valueName: "NAME", help: "only this sweep's tasks", defaultValue: "all"),
            OptionSpec(
                flag: "--where", valueName: "COND",
                help: "condition on a parameter or status/path_used, e.g. 'depth>=3'", repeatable: true),
            OptionSpec(
                flag: "--group-by", valueName: "P,Q",
                help: "parameters, status, path_used (and r, the interval rank) to group by",
                defaultValue: "none"),
            OptionSpec(flag: "--metric", valueName: "M", help: "what to aggregate (see above)"),
            OptionSpec(flag: "--rank", valueName: "R", help: "the rank of an interval.*/predicted.* metric"),
            OptionSpec(
                flag: "--format", valueName: "table|csv|json", help: "output format",
                defaultValue: "table; csv with --raw"),
            OptionSpec(flag: "--raw", valueName: nil, help: "one row per task with every parameter and metric"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        _ = try args.positionals(exactly: 0, names: "nothing")
        let path = try args.required("--store")
        let raw = args.has("--raw")
        let format =
            try args.choice("--format", OutputFormat.allCases.map(\.rawValue)).flatMap(OutputFormat.init)
            ?? (raw ? .csv : .table)
        let rank = try args.int("--rank", in: 1...Int.max)
        let sweep = args.string("--sweep")
        var filters: [Filter] = []
        let out = BufferedOutput()
        defer { out.flush() }
        do {
            for text in args.strings("--where") { filters.append(try Filter(parsing: text)) }
            if raw {
                if args.string("--metric") != nil || args.string("--group-by") != nil {
                    throw QueryError.conflict("--raw prints every metric for every task: drop --metric and --group-by")
                }
                let store = try StoreAccess.open(path, readOnly: true)
                var writer: TableWriter? = nil
                try store.raw(
                    RawQuery(sweep: sweep, filters: filters, rank: rank),
                    header: {
                        writer = TableWriter(
                            columns: $0, format: format, listColumns: RawQuery.listColumns, write: out.write)
                    },
                    row: { writer?.add($0) })
                writer?.finish()
                return 0
            }
            guard let metricName = args.string("--metric") else {
                throw UsageError("missing --metric M (or --raw); metrics: " + Metric.names.joined(separator: ", "))
            }
            let query = try AggregateQuery(
                sweep: sweep, filters: filters, groupBy: args.list("--group-by") ?? [],
                metric: Metric(parsing: metricName), rank: rank)
            let store = try StoreAccess.open(path, readOnly: true)
            let table = try store.aggregate(query)
            var writer = TableWriter(columns: table.columns, format: format, write: out.write)
            for row in table.cells { writer.add(row) }
            writer.finish()
            return 0
        } catch let error as QueryError {
            throw UsageError(error.description)
        } catch let error as StoreError {
            throw StoreAccess.failure(error)
        }
    }
}

/// Opening stores from commands, and their errors as exit statuses.
enum StoreAccess {
    /// Tells on stderr what opening `store` upgraded (nothing when nothing was).
    static func announceUpgrades(_ store: SummaryStore) {
        for note in store.upgrades {
            FileHandle.standardError.write(Data("dmfsweep: store \(store.path): \(note)\n".utf8))
        }
    }

    /// What a command prints for a `--store` argument: the path, or the URI with its password masked.
    static func shown(_ argument: String) -> String { StoreLocation(argument).description }

    /// Opens a store (a file path or a libpq URI), mapping its errors to `UsageError` (exit 2) or `CommandFailure` (exit 1).
    static func open(_ path: String, create: Bool = false, readOnly: Bool = false) throws -> SummaryStore {
        do {
            // A store `run` creates or writes is migrated in place (`run --inline`); readers never migrate.
            let store = try SummaryStore(
                location: StoreLocation(path), create: create, readOnly: readOnly, migrate: create)
            announceUpgrades(store)
            return store
        } catch {
            throw failure(error)
        }
    }

    /// Opens an existing store read-only; `nil` when the file does not exist (its directory does),
    /// or when the PostgreSQL database has no store yet.
    static func openIfPresent(_ path: String) throws -> SummaryStore? {
        do {
            return try SummaryStore(location: StoreLocation(path), readOnly: true)
        } catch .missingStore {
            return nil
        } catch {
            throw failure(error)
        }
    }

    /// Input problems (a missing store or directory, an unknown sweep, a file or directory that is
    /// not a store) exit 2; a store that cannot be written (disk full, I/O error, read-only file)
    /// exits 4 — everything committed before is kept, and the same command resumes once the
    /// cause is fixed; everything else (another schema version, other SQLite failures) exits 1.
    static func failure(_ error: StoreError) -> any Error {
        switch error {
        case .missingStore, .missingDirectory, .unknownSweep, .notAStore, .sweepChanged:
            return UsageError(error.description)
        case _ where error.isWriteFailure:
            return CommandFailure(
                error.description + "; results committed before this are kept: fix the cause and run the same command "
                    + "again to resume", status: writeFailureStatus)
        default: return CommandFailure(error.description)
        }
    }

    /// The exit status of a store that cannot be written.
    static let writeFailureStatus: Int32 = 4
}

/// Stdout in 64 KiB chunks: a million raw rows should not cost a million write calls.
final class BufferedOutput {
    private var buffer = Data()

    /// Appends text, writing out full chunks.
    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes everything buffered.
    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
