import Factorization
import Foundation
import SummaryStore
import Sweeps

/// The `store` benchmark suite: batched insert throughput and group-by aggregates over 1M interval
/// rows, on SQLite and on PostgreSQL in the same run, side by side.
///
/// Builds a fresh store on each engine (an SQLite file in a temporary directory, removed
/// afterwards; a new database on a PostgreSQL server, dropped afterwards) with `tasks` synthetic
/// tasks of 4 ranks each (250,000 tasks → 1,000,000 interval rows per effective-rank measure, 2M
/// in all, as real results carry both), each result carrying a trajectory (50 points by default),
/// then times:
/// - registering the sweep (task rows),
/// - recording the results in batches of `batch` (result + 2 × 4 interval rows + trajectory per task),
/// - aggregate queries (grouped and computed in the database, entropy measure): interval.length
///   grouped by depth, alpha, rank over its 1M interval rows, with the default statistics and with
///   median and p90; the same for one rank; by rank with the sweep join; final_loss by depth with
///   a `--where`; next to the reference of reading the first query's rows in the database without
///   grouping. Each prints its wall time and this process's CPU time (SQLite's whole work;
///   PostgreSQL's client only), and the header gives the load average (the machine may be shared).
/// - Parameter arguments: `--tasks N` (default 250000), `--batch N` (default 1000), `--points N`
///   (trajectory length, default 50), `--engine sqlite|postgresql|both` (default both),
///   `--measures 1|2` (interval rows of both effective-rank measures, the default, or the entropy
///   one only: the reference for what the second measure costs),
///   `--postgres URI` (a server to create the benchmark database on; default
///   `DMFSWEEP_BENCH_POSTGRES`, else a throwaway server started with scripts/pg-server.sh),
///   `--keep FILE` (SQLite: write the store there, replacing it, and keep it afterwards).
/// - Throws: `StoreError` / `QueryError` when the store fails.
enum StoreBench {
    static func run(_ arguments: [String]) throws {
        try runStoreBenchmark(arguments: arguments)
    }
}

/// What one engine measured.
private struct StoreFigures {
    var register = 0.0
    var resultsPerSecond = 0.0
    /// Results per CPU second of the writer and (PostgreSQL) its server backend: the wall rate of
    /// an otherwise idle machine if the two worked in turn. PostgreSQL's writer encodes while the
    /// server works (`PostgresConnection.copy(stages:after:)`), so with a free core each its wall
    /// rate can exceed this; the record line prints both CPU times apart.
    var resultsPerCPUSecond = 0.0
    var rowsPerSecond = 0.0
    /// Label, best wall seconds, groups, best CPU seconds of this process.
    var queries: [(String, Double, Int, Double)] = []
    var size = ""
}

func runStoreBenchmark(arguments: [String] = []) throws {
    var tasksCount = 250_000
    var batch = 1000
    var keep: String? = nil
    var points = 50
    var engines: [StoreEngine] = [.sqlite, .postgresql]
    var measures = 2
    var server = ProcessInfo.processInfo.environment["DMFSWEEP_BENCH_POSTGRES"]
    var i = 0
    while i + 1 < arguments.count {
        if arguments[i] == "--tasks", let v = Int(arguments[i + 1]) { tasksCount = v }
        if arguments[i] == "--batch", let v = Int(arguments[i + 1]) { batch = v }
        if arguments[i] == "--keep" { keep = arguments[i + 1] }
        if arguments[i] == "--points", let v = Int(arguments[i + 1]) { points = v }
        if arguments[i] == "--measures", let v = Int(arguments[i + 1]), (1...2).contains(v) { measures = v }
        if arguments[i] == "--postgres" { server = arguments[i + 1] }
        if arguments[i] == "--engine" {
            engines =
                arguments[i + 1] == "both"
                ? StoreEngine.allCases : StoreEngine(rawValue: arguments[i + 1]).map { [$0] } ?? []
        }
        i += 2
    }
    let ranks = 4
    // `--measures 1`: results with the entropy measure only (the shape before both were stored),
    // the reference for what the ratio measure's rows cost.
    Synthetic.measures = measures
    func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
    say(
        "store benchmark: \(tasksCount) tasks × \(ranks) ranks = \(tasksCount * ranks) interval rows per measure, "
            + "batches of \(batch), \(points)-point trajectories; SQLite \(SummaryStore.sqliteVersion)")
    let tasks = benchTasks(tasksCount)
    var figures: [(StoreEngine, StoreFigures)] = []
    for engine in engines {
        // Each engine starts with no dirty pages of the one before waiting to be written back, so
        // PostgreSQL's commits (each an fsync of its WAL) do not queue behind the write-back of
        // SQLite's gigabyte. (The PostgreSQL figure still varies by ±20% between runs on this
        // machine: 13,790, 18,585, 19,486 and 23,009 results/s on 2026-11-30.)
        sync()
        switch engine {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dmfsweep-bench-store-\(getpid())")
            try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = keep ?? dir.appendingPathComponent("bench.sqlite").path
            if keep != nil { try? FileManager.default.removeItem(atPath: path) }
            var f = try measureStore(
                .file(path: path), tasks: tasks, batch: batch, points: points, ranks: ranks, say: say)
            let size = [path, path + "-wal"].map {
                (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0
            }.reduce(0, +)
            f.size = String(format: "%.1f MB", Double(size) / 1e6)
            figures.append((engine, f))
        case .postgresql:
            let own = server == nil ? try BenchPostgres.start() : nil
            defer { own?.stop() }
            let base = server ?? own!.uri
            let db = "dmfsweep_bench_\(getpid())"
            try BenchPostgres.psql(base, "CREATE DATABASE \(db)")
            defer { _ = try? BenchPostgres.psql(base, "DROP DATABASE IF EXISTS \(db) WITH (FORCE)") }
            var parts = URLComponents(string: base)!
            parts.path = "/" + db
            let location = StoreLocation.postgres(uri: parts.string!)
            say("PostgreSQL: \(location) (\(try BenchPostgres.psql(base, "SHOW server_version")))")
            var f = try measureStore(location, tasks: tasks, batch: batch, points: points, ranks: ranks, say: say)
            f.size = try BenchPostgres.psql(base, "SELECT pg_size_pretty(pg_database_size('\(db)'))")
            figures.append((engine, f))
        }
    }
    // Side by side, with the targets of issues 11 and 14.
    say(
        "\nside by side (targets: PostgreSQL ≥ 20000 results/s; group-by over 1M rows < 0.5 s SQLite, < 1 s "
            + "PostgreSQL; with median,p90 < 1 s SQLite; load average \(loadAverage()))")
    let header = ["figure"] + figures.map { $0.0.rawValue }
    var table = [header]
    table.append(["register sweep (s)"] + figures.map { String(format: "%.2f", $0.1.register) })
    table.append(["record results (results/s)"] + figures.map { String(format: "%.0f", $0.1.resultsPerSecond) })
    table.append(
        ["record results (results per CPU s, writer + server)"]
            + figures.map { String(format: "%.0f", $0.1.resultsPerCPUSecond) })
    table.append(["record results (interval rows/s)"] + figures.map { String(format: "%.0f", $0.1.rowsPerSecond) })
    for (q, label) in (figures.first?.1.queries ?? []).map(\.0).enumerated() {
        // SQLite's CPU time is all of its work (in this process); PostgreSQL's is the server's.
        table.append(
            ["query " + label + " (s)"]
                + figures.map { engine, f in
                    String(format: "%.3f", f.queries[q].1)
                        + (engine == .sqlite ? String(format: " (%.3f CPU)", f.queries[q].3) : "")
                })
    }
    table.append(["size"] + figures.map(\.1.size))
    let widths = (0..<header.count).map { c in table.map { $0[c].count }.max() ?? 0 }
    for row in table {
        say(
            row.enumerated().map { c, cell in
                c == 0
                    ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  "))
    }
}

/// The 1-, 5- and 15-minute load averages (`/proc/loadavg`), for the header of the figures.
private func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "? ? ?"
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

/// How the synthetic results are shaped.
private enum Synthetic {
    /// 2: both effective-rank measures (as real results); 1: the entropy one only. Set once, before
    /// any result is made, on the one thread the benchmark runs on.
    nonisolated(unsafe) static var measures = 2
}

/// The benchmark's synthetic tasks.
private func benchTasks(_ count: Int) -> [SweepTask] {
    let depths = [2, 3, 4, 5, 6]
    let alphas = [0.001, 0.003, 0.01, 0.03, 0.1]
    var tasks: [SweepTask] = []
    tasks.reserveCapacity(count)
    for t in 0..<count {
        var c = SimulationConfig()
        c.depth = depths[t % depths.count]
        c.alpha = alphas[(t / depths.count) % alphas.count]
        c.seed = UInt64(t / (depths.count * alphas.count))
        c.spectrum = [10, 5, 2, 1]
        let hex = String(repeating: "b", count: 48) + String(format: "%016llx", UInt64(t))
        tasks.append(SweepTask(key: TaskKey(hex: hex), config: c, canonicalJSON: "{\"t\":\(t)}"))
    }
    return tasks
}

/// Registers, records and queries on one store; prints each figure as it is measured.
private func measureStore(
    _ location: StoreLocation, tasks: [SweepTask], batch: Int, points: Int, ranks: Int, say: (String) -> Void
) throws -> StoreFigures {
    func clock() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    let engine = location.engine.rawValue
    var f = StoreFigures()
    let store = try SummaryStore(location: location, create: true)
    var t0 = clock()
    try store.registerSweep(name: "bench", spec: "synthetic", tasks: tasks)
    f.register = clock() - t0
    say(
        String(format: "%@ register sweep: %.2f s (%.0f tasks/s)", engine, f.register, Double(tasks.count) / f.register)
    )

    var results: [CompletedTask] = []
    results.reserveCapacity(batch)
    var writing = 0.0
    var cpu = 0.0
    var serverCPU = 0.0
    // The server backend serving the store's connection (PostgreSQL; the only other client of the
    // benchmark's database), to count its CPU time too.
    var backend: String? = nil
    if case .postgres(let uri) = location {
        backend = try BenchPostgres.psql(
            uri,
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() LIMIT 1")
    }
    for start in stride(from: 0, to: tasks.count, by: batch) {
        results.removeAll(keepingCapacity: true)
        for t in start..<min(start + batch, tasks.count) {
            results.append(CompletedTask(key: tasks[t].key, result: syntheticResult(t, ranks: ranks, points: points)))
        }
        t0 = clock()
        let (c0, s0) = (processCPUSeconds(), backend.map(serverCPUSeconds) ?? 0)
        try store.recordResults(results)
        writing += clock() - t0
        let s1 = backend.map(serverCPUSeconds) ?? 0
        cpu += processCPUSeconds() - c0 + s1 - s0
        serverCPU += s1 - s0
    }
    f.rowsPerSecond = Double(Synthetic.measures * tasks.count * ranks) / writing
    f.resultsPerSecond = Double(tasks.count) / writing
    f.resultsPerCPUSecond = Double(tasks.count) / cpu
    say(
        String(
            format: "%@ record results: %.2f s → %.0f interval rows/s (%.0f results/s); "
                + "CPU %.2f s%@ → %.0f results per CPU s",
            engine, writing, f.rowsPerSecond, f.resultsPerSecond, cpu,
            backend == nil ? "" : String(format: " (writer %.2f + server %.2f)", cpu - serverCPU, serverCPU),
            f.resultsPerCPUSecond))

    // PostgreSQL plans by table statistics, which autovacuum gathers within a minute or so of the
    // writes; queried at once, the fresh tables have none, and the plans (a nested loop for
    // `i.measure = ?`'s guessed 0.5% of rows) took 2.4 s instead of 1.0 s. The figures are of a
    // store as queried after that minute.
    if case .postgres(let uri) = location { try BenchPostgres.psql(uri, "ANALYZE") }
    let reader = try SummaryStore(location: location, readOnly: true)
    let length = try Metric(parsing: "interval.length")
    // The floor: the rows the first query groups, read and counted in the database, not grouped.
    let scan = try AggregateQuery(groupBy: ["depth", "alpha", "r"], metric: length)
    var floor = (wall: Double.infinity, cpu: Double.infinity)
    for _ in 0..<3 {
        t0 = clock()
        let c0 = processCPUSeconds()
        _ = try reader.scanRows(scan)
        floor = (min(floor.wall, clock() - t0), min(floor.cpu, processCPUSeconds() - c0))
    }
    f.queries.append(("scan the first query's rows in the database, no grouping (reference)", floor.wall, 0, floor.cpu))
    say(
        String(
            format: "%@ scan the first query's rows in the database, no grouping: %.3f s, %.3f s CPU in this "
                + "process (best of 3; reference)", engine, floor.wall, floor.cpu))
    let queries: [(String, AggregateQuery)] = [
        (
            "interval.length by depth,alpha,r (all \(tasks.count * ranks) rows)",
            try AggregateQuery(groupBy: ["depth", "alpha", "r"], metric: length)
        ),
        (
            "interval.length --stats median,p90 by depth,alpha,r",
            try AggregateQuery(
                groupBy: ["depth", "alpha", "r"], metrics: [length], statistics: [.median, .percentile(90)])
        ),
        (
            "interval.length --rank 2 by depth,alpha (\(tasks.count) rows)",
            try AggregateQuery(groupBy: ["depth", "alpha"], metric: Metric(parsing: "interval.length"), rank: 2)
        ),
        (
            "interval.length --sweep bench by r (all rows, sweep join)",
            try AggregateQuery(sweep: "bench", groupBy: ["r"], metric: Metric(parsing: "interval.length"))
        ),
        (
            "final_loss --where depth>=4 by depth",
            try AggregateQuery(
                filters: [Filter(parsing: "depth>=4")], groupBy: ["depth"], metric: Metric(parsing: "final_loss"))
        ),
    ]
    for (label, query) in queries {
        var best = (wall: Double.infinity, cpu: Double.infinity)
        var groups = 0
        for _ in 0..<3 {
            t0 = clock()
            let c0 = processCPUSeconds()
            groups = try reader.aggregate(query).rows.count
            best = (min(best.wall, clock() - t0), min(best.cpu, processCPUSeconds() - c0))
        }
        f.queries.append((label, best.wall, groups, best.cpu))
        say(
            String(
                format: "%@ query %@: %.3f s, %.3f s CPU in this process (best of 3, %d groups)", engine, label,
                best.wall, best.cpu, groups))
    }
    return f
}

/// CPU seconds (user + system) this process has used.
private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return s(usage.ru_utime) + s(usage.ru_stime)
}

/// CPU seconds (user + system) process `pid` has used, from /proc/PID/stat (fields 14 and 15, in
/// clock ticks; proc(5)); 0 when it cannot be read.
private func serverCPUSeconds(_ pid: String) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return 0 }
    // After "pid (comm)": state is field 3, so utime and stime are the 12th and 13th fields here.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// A PostgreSQL server for the benchmark: `scripts/pg-server.sh` (run from the repository root).
struct BenchPostgres {
    let dir: String
    let uri: String

    /// Starts a throwaway server (stopped by `stop()`, or by the script's watchdog if we die).
    static func start() throws -> BenchPostgres {
        let out = try shell(["bash", "scripts/pg-server.sh", "start", "--owner", "\(getpid())"])
        let dir = out.trimmingCharacters(in: .whitespacesAndNewlines)
        let uri = try String(contentsOfFile: dir + "/uri", encoding: .utf8)
        return BenchPostgres(dir: dir, uri: uri.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func stop() { _ = try? Self.shell(["bash", "scripts/pg-server.sh", "stop", dir]) }

    /// Runs SQL with psql; returns its unaligned output.
    @discardableResult
    static func psql(_ uri: String, _ sql: String) throws -> String {
        try shell(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs a command and returns its stdout. Spawned with posix_spawn and an empty signal mask:
    /// Foundation's `Process` on Linux starts children with signals blocked, and a PostgreSQL
    /// server started under such a mask never finishes starting (docs: platform notes).
    static func shell(_ arguments: [String]) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bench-shell-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, argv, environ)
        guard rc == 0 else { throw BenchError("cannot start \(arguments.first ?? ""): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw BenchError("\(arguments.joined(separator: " ")) failed (wait status \(status))")
        }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }
}

/// A plausible result for task `t` (deterministic, no two alike).
private func syntheticResult(_ t: Int, ranks: Int, points: Int) -> SimulationResult {
    let jitter = t % 97
    let length = 40 + t % 13
    let intervals = (1...ranks).map { (r: Int) -> IntervalStat in
        let start = 100 * r + jitter
        return IntervalStat(
            rank: r, target: Double(r) * 0.9, start: start, end: start + length, length: length,
            middleError: 0.01 * Double(r))
    }
    let predicted = (1...ranks).map { r in PredictedInterval(rank: r, start: 95.5 * Double(r), end: 190.0 * Double(r)) }
    let offset = Double(t % 5 + 1)
    let trajectory = (0..<points).map { (k: Int) -> TrajectoryPoint in
        let x = Double(k)
        return TrajectoryPoint(step: k * 20, loss: 1 / (x + offset), erank: 1 + x * 0.05, erankRatio: 1.1)
    }
    var result = SimulationResult(
        status: t % 50 == 0 ? .diverged : .finished, path: .spectral, steps: 1000,
        finalLoss: 1e-6 * Double(t % 1000 + 1),
        finalErank: 3.2, targets: (1...ranks).map { Double($0) * 0.9 }, intervals: intervals, predicted: predicted,
        trajectory: trajectory, seconds: 0.002)
    // Every result carries both effective-rank measures, as real runs do: twice the interval rows.
    guard Synthetic.measures == 2 else { return result }
    result.ratio = RankIntervals(
        targets: (1...ranks).map { 1 + Double($0 - 1) * 0.5 },
        intervals: intervals.map { iv in
            var r = iv
            r.target = 1 + Double(iv.rank - 1) * 0.5
            r.length += 3
            r.end = r.end.map { $0 + 3 }
            return r
        }, predicted: predicted)
    return result
}
