import Factorization
import Foundation
import SummaryStore

/// `dmfsweep query`: group-by aggregates of metrics, or one raw row per task, from a store.
enum QueryCommand {
    static let command = Command(
        name: "query",
        summary: "aggregate metrics by parameter groups (count, mean, std, percentiles, 95% CI …), or dump raw rows",
        usage:
            "--store STORE [--sweep NAME] [--where COND …] [--group-by P,Q] --metric M[,M…] [--stats S,…] "
            + "[--rank R] [--pivot P] [--sort COL[:desc]] [--limit N] [--measure entropy|ratio] [--format F] | --raw",
        discussion: """
            Metrics: \(Metric.names.joined(separator: ", ")).
            interval.* and predicted.* are per rank: give --rank R or --group-by r (r is the
            interval's rank; rank is the parameter). status.S is 1 for a task
            whose outcome is S (failed: the task failed without a result) and 0 for any other outcome, so its
            mean is the fraction of S; status.running and status.pending count every task, so
            '--where status=running --metric status.running' counts the tasks running now.
            Values that are missing (an empty interval's start) are not counted.
            Recovery errors (README, Definitions): final_error is ‖W − Y_clean‖_F / ‖Y_clean‖_F at the last
            recorded step, best_error (alias best_recovery_error) its smallest recorded value, at
            best_recovery_step; final_unobserved_error the same on the unobserved entries (completion);
            final_clean_error is the absolute ‖W − Y_clean‖_F at the last step and best_clean_error its
            smallest value for a noisy target, at best_step. Results stored before recovery errors were
            recorded have none; the query says on stderr how many it leaves out.
            Several metrics make one table, columns METRIC.STAT (e.g. --metric interval.length,final_loss).
            --stats picks among \(Statistic.words); default count,mean,std,min,max,ci95. Percentiles
            interpolate linearly between closest ranks (numpy's default, R's type 7).
            --pivot P: the values of P (a parameter, status, path_used or r) become columns, named P=VALUE;
            one metric and one statistic (--group-by depth --pivot alpha --metric interval.length --rank 2
            --stats median is the text twin of the heatmap).
            --sort COLUMN[:desc] orders the output by one of its columns (NULLs last); --limit N keeps N rows.
            monotone_from, rank_drops and monotone measure whether the effective rank rises monotonically
            after its initial descent (README, Definitions): rank_drops counts falls by more than the
            tolerance between recorded steps after the first minimum, monotone is 1 when there are none
            (its mean is the fraction of monotone runs), monotone_from is the step after the last fall.
            --measure entropy|ratio picks the effective rank (README, Definitions) of the interval.*,
            predicted.* metrics, the --raw interval columns and the monotonicity metrics (default entropy:
            Roy-Vetterli; ratio: nuclear over operator norm); it is refused with metrics that do not use it,
            and --measure ratio with final_erank (always the entropy effective rank).
            --where PARAM OP VALUE with OP one of = != < <= > >= (e.g. 'depth>=3', 'init=identity',
            'stop_loss=auto'), or PARAM [NOT] IN (a,b,c); combine with AND, OR and parentheses
            ('depth IN (3,4) OR init=gaussian'). Several --where combine with AND; values are bound as
            SQL parameters.
            Besides parameters, --where and --group-by take the outcome columns status (finished,
            converged, diverged, failed, pending, running; e.g. 'status!=diverged') and path_used (the
            path that ran, full or spectral; the parameter path is the one requested, often auto), and
            host (the host of the worker that ran the task's latest attempt; = and != only).
            The 95% confidence interval is mean ± t(0.975, count−1) · std / √count (Student's t quantile,
            not 1.96), empty when count < 2.
            --raw prints one row per finished task: every parameter, the result (status, path_used, steps_run,
            final_loss, final_erank, seconds, best_step, best_clean_error, best_inside, observed_entries,
            unobserved_lines, final_error, final_unobserved_error, final_clean_error, best_error,
            best_recovery_step) and, per rank r,
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
            OptionSpec(flag: "--metric", valueName: "M,…", help: "what to aggregate (see above)"),
            OptionSpec(
                flag: "--stats", valueName: "S,…", help: "statistics: count mean std min max median pNN ci95",
                defaultValue: "count,mean,std,min,max,ci95"),
            OptionSpec(flag: "--rank", valueName: "R", help: "the rank of an interval.*/predicted.* metric"),
            OptionSpec(flag: "--pivot", valueName: "P", help: "a column whose values become output columns"),
            OptionSpec(
                flag: "--measure", valueName: "entropy|ratio",
                help: "effective rank of interval.*, predicted.* and monotonicity metrics", defaultValue: "entropy"),
            OptionSpec(flag: "--sort", valueName: "COL[:desc]", help: "order rows by an output column"),
            OptionSpec(flag: "--limit", valueName: "N", help: "print at most N rows"),
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
            try args.choice("--format", [OutputFormat.table, .csv, .json].map(\.rawValue)).flatMap(OutputFormat.init)
            ?? (raw ? .csv : .table)
        let rank = try args.int("--rank", in: 1...Int.max)
        let sweep = args.string("--sweep")
        let measure =
            try args.choice("--measure", EffectiveRankMeasure.allCases.map(\.rawValue))
            .flatMap(EffectiveRankMeasure.init) ?? .entropy
        var filters: [Filter] = []
        let out = BufferedOutput()
        defer { out.flush() }
        do {
            for text in args.strings("--where") { filters.append(try Filter(parsing: text)) }
            if raw {
                for option in ["--metric", "--group-by", "--stats", "--pivot", "--sort", "--limit"]
                where args.string(option) != nil {
                    throw QueryError.conflict("--raw prints every metric for every task: drop \(option)")
                }
                let store = try StoreAccess.open(path, readOnly: true)
                if measure == .ratio { StoreAccess.noteMissingRatioMeasure(store, sweep: sweep) }
                var writer: TableWriter? = nil
                try store.raw(
                    RawQuery(sweep: sweep, filters: filters, rank: rank, measure: measure),
                    header: {
                        writer = TableWriter(
                            columns: $0, format: format, listColumns: RawQuery.listColumns, write: out.write)
                    },
                    row: { writer?.add($0) })
                writer?.finish()
                return 0
            }
            guard let metricNames = args.list("--metric") else {
                throw UsageError("missing --metric M (or --raw); metrics: " + Metric.names.joined(separator: ", "))
            }
            var metrics: [Metric] = []
            for name in metricNames { metrics.append(try Metric(parsing: name)) }
            if args.string("--measure") != nil { try checkMeasure(measure, metrics: metrics) }
            var statistics = Statistic.defaults
            if let words = args.list("--stats") {
                statistics = []
                for word in words { statistics.append(try Statistic(parsing: word)) }
            }
            let sort = try args.string("--sort").map { (text: String) throws(QueryError) in
                try AggregateQuery.Sort(parsing: text)
            }
            let query = try AggregateQuery(
                sweep: sweep, filters: filters, groupBy: args.list("--group-by") ?? [], metrics: metrics,
                statistics: statistics, rank: rank, pivot: args.string("--pivot"), sort: sort,
                limit: try args.int("--limit", in: 1...Int.max),
                measure: measure)
            let store = try StoreAccess.open(path, readOnly: true)
            if measure == .ratio && metrics.contains(where: \.isPerRank) {
                StoreAccess.noteMissingRatioMeasure(store, sweep: sweep)
            }
            if metrics.contains(where: { if case .recovery = $0 { return true } else { return false } }) {
                StoreAccess.noteMissingRecovery(store, sweep: sweep)
            }
            let table = try store.aggregate(query)
            if table.cells.isEmpty, let rank, metrics.contains(where: \.isPerRank) {
                try checkRank(rank, store: store, sweep: sweep)
            }
            // A pivot column's name depends on the values found (`alpha=0.01`): checked now.
            if let sort = query.sort, !table.columns.contains(sort.column) {
                throw QueryError.unknownSortColumn(name: sort.column, columns: table.columns)
            }
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

extension QueryCommand {
    /// The metrics whose values depend on `--measure`.
    /// Refuses a `--rank` that no result has intervals for: the query would print an empty table
    /// with exit status 0, as if the sweep had no results.
    /// - Throws: `QueryError.conflict` naming the ranks the results have.
    static func checkRank(_ rank: Int, store: SummaryStore, sweep: String?) throws {
        let ranks = try store.intervalRanks(sweep: sweep)
        guard let first = ranks.first, let last = ranks.last, !ranks.contains(rank) else { return }
        throw QueryError.conflict(
            "no result\(sweep.map { " of sweep '\($0)'" } ?? "") has a target of rank r = \(rank) "
                + "(its ranks: \(first == last ? "\(first)" : "\(first)–\(last)")); choose another --rank")
    }

    static let measureMetrics = "interval.*, predicted.*, monotone_from, rank_drops and monotone"

    /// Refuses a `--measure` no asked metric uses, and `--measure ratio` with `final_erank`, which is
    /// always the entropy effective rank (README, Definitions): either would print an answer that
    /// looks like the measure asked for and is not.
    /// - Throws: `UsageError` naming the metrics.
    static func checkMeasure(_ measure: EffectiveRankMeasure, metrics: [Metric]) throws {
        if measure == .ratio, metrics.contains(.result("final_erank")) {
            throw UsageError(
                "final_erank is the entropy effective rank (README, Definitions); --measure ratio applies to "
                    + measureMetrics)
        }
        let uses = metrics.contains {
            switch $0 {
            case .interval, .predicted, .monotonicity: return true
            case .result, .recovery, .status: return false
            }
        }
        guard uses else {
            throw UsageError(
                "--measure is not used by --metric " + metrics.map(\.description).joined(separator: ",")
                    + " (only by " + measureMetrics + ")")
        }
    }
}

/// Opening stores from commands, and their errors as exit statuses.
enum StoreAccess {
    /// Tells on stderr, in one line, what opening `store` upgraded: the backup and what changed
    /// (nothing when nothing was).
    static func announceUpgrades(_ store: SummaryStore) {
        guard !store.upgrades.isEmpty else { return }
        let line = "dmfsweep: store \(store.path): " + store.upgrades.joined(separator: "; ") + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Says on stderr (one line) how many results a ratio-measure answer leaves out because an
    /// upgrade could not recompute their ratio intervals, and why; nothing when there are none.
    static func noteMissingRatioMeasure(_ store: SummaryStore, sweep: String?) {
        guard let (count, reason) = try? store.resultsWithoutRatioMeasure(sweep: sweep), count > 0 else { return }
        FileHandle.standardError.write(
            Data(
                ("dmfsweep: note: \(count) result(s) have no ratio-measure intervals and are left out"
                    + (reason.map { " (\($0))" } ?? "") + "\n").utf8))
    }

    /// Says on stderr (one line) how many results a recovery metric leaves out because they were
    /// stored before dmfsweep recorded recovery errors; nothing when there are none.
    static func noteMissingRecovery(_ store: SummaryStore, sweep: String?) {
        guard let count = try? store.resultsWithoutRecovery(sweep: sweep), count > 0 else { return }
        FileHandle.standardError.write(
            Data(
                ("dmfsweep: note: \(count) result(s) have no recovery errors and are left out (stored by a "
                    + "dmfsweep that did not record them; they are not recomputed)\n").utf8))
    }

    /// What a command prints for a `--store` argument: the path, or the URI with its password masked.
    static func shown(_ argument: String) -> String { StoreLocation(argument).description }

    /// Opens a store (a file path or a libpq URI), mapping its errors to `UsageError` (exit 2) or
    /// `CommandFailure` (exit 1). A store written by an earlier dmfsweep is upgraded in place and
    /// the upgrade announced: by a writer (`migrate`), and by a reader when it may write the store
    /// (`SummaryStore.openForReading`; else exit 2 naming `dmfsweep store upgrade`).
    static func open(_ path: String, create: Bool = false, readOnly: Bool = false, migrate: Bool = false) throws
        -> SummaryStore
    {
        do {
            let store =
                readOnly
                ? try SummaryStore.openForReading(StoreLocation(path))
                : try SummaryStore(location: StoreLocation(path), create: create, migrate: migrate)
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
            let store = try SummaryStore.openForReading(StoreLocation(path))
            announceUpgrades(store)
            return store
        } catch .missingStore {
            return nil
        } catch {
            throw failure(error)
        }
    }

    /// A store error with its exit status (`ExitStatus`: input problems 2, a store that cannot be
    /// written 4, other failures 1).
    static func failure(_ error: StoreError) -> any Error {
        ExitStatus.failure(error)
    }
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
