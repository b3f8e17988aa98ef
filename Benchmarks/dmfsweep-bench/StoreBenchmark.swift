import Factorization
import Foundation
import SummaryStore
import Sweeps

/// The `store` benchmark suite: batched insert throughput and group-by aggregates over 1M interval rows.
///
/// Builds a fresh store in a temporary directory (removed afterwards) with `tasks` synthetic
/// tasks of 4 ranks each (250,000 tasks → 1,000,000 interval rows), each result carrying a
/// trajectory (50 points by default), then times:
/// - registering the sweep (task rows),
/// - recording the results in batches of `batch` (result + 4 interval rows + trajectory per task),
/// - aggregate queries: interval.length grouped by depth, alpha, rank over all 1M interval rows;
///   the same with median and p90 (every value kept and sorted per group); the same for one
///   rank; and final_loss by depth with a `--where`. Each line prints its target, and the first
///   line the time to stream the same rows with no statistics (the floor any query pays).
/// - Parameter arguments: `--tasks N` (default 250000), `--batch N` (default 1000), `--points N`
///   (trajectory length, default 50), `--keep FILE`
///   (write the store there, replacing it, and keep it afterwards), `--queries-only FILE` (time
///   the queries on a store written before with `--keep`).
/// - Throws: `StoreError` / `QueryError` when the store fails.
enum StoreBench {
    static func run(_ arguments: [String]) throws {
        try runStoreBenchmark(arguments: arguments)
    }
}

func runStoreBenchmark(arguments: [String] = []) throws {
    var tasksCount = 250_000
    var batch = 1000
    var keep: String? = nil
    var points = 50
    var existing: String? = nil
    var i = 0
    while i + 1 < arguments.count {
        if arguments[i] == "--tasks", let v = Int(arguments[i + 1]) { tasksCount = v }
        if arguments[i] == "--batch", let v = Int(arguments[i + 1]) { batch = v }
        if arguments[i] == "--keep" { keep = arguments[i + 1] }
        if arguments[i] == "--points", let v = Int(arguments[i + 1]) { points = v }
        if arguments[i] == "--queries-only" { existing = arguments[i + 1] }
        i += 2
    }
    if let existing {
        try timeQueries(path: existing, tasksCount: tasksCount, ranks: 4)
        return
    }
    let ranks = 4
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dmfsweep-bench-store-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = keep ?? dir.appendingPathComponent("bench.sqlite").path
    if keep != nil { try? FileManager.default.removeItem(atPath: path) }

    func clock() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }

    say(
        "store benchmark: \(tasksCount) tasks × \(ranks) ranks = \(tasksCount * ranks) interval rows, "
            + "batches of \(batch), \(points)-point trajectories, SQLite \(SummaryStore.sqliteVersion), file \(path)"
    )
    let depths = [2, 3, 4, 5, 6]
    let alphas = [0.001, 0.003, 0.01, 0.03, 0.1]
    var tasks: [SweepTask] = []
    tasks.reserveCapacity(tasksCount)
    for t in 0..<tasksCount {
        var c = SimulationConfig()
        c.depth = depths[t % depths.count]
        c.alpha = alphas[(t / depths.count) % alphas.count]
        c.seed = UInt64(t / (depths.count * alphas.count))
        c.spectrum = [10, 5, 2, 1]
        let hex = String(repeating: "b", count: 48) + String(format: "%016llx", UInt64(t))
        tasks.append(SweepTask(key: TaskKey(hex: hex), config: c, canonicalJSON: "{\"t\":\(t)}"))
    }
    let store = try SummaryStore(path: path, create: true)

    var t0 = clock()
    try store.registerSweep(name: "bench", spec: "synthetic", tasks: tasks)
    let register = clock() - t0
    say(String(format: "register sweep: %.2f s (%.0f tasks/s)", register, Double(tasksCount) / register))

    var results: [CompletedTask] = []
    results.reserveCapacity(batch)
    var writing = 0.0
    var writingCPU = 0.0
    for start in stride(from: 0, to: tasksCount, by: batch) {
        results.removeAll(keepingCapacity: true)
        for t in start..<min(start + batch, tasksCount) {
            results.append(
                CompletedTask(key: tasks[t].key, result: syntheticResult(t, ranks: ranks, points: points)))
        }
        t0 = clock()
        let c0 = processCPUSeconds()
        try store.recordResults(results)
        writing += clock() - t0
        writingCPU += processCPUSeconds() - c0
    }
    let rows = Double(tasksCount * ranks)
    say(
        String(
            format: "record results: %.2f s → %.0f interval rows/s (%.0f results/s; target ≥ 100000 rows/s; "
                + "%.0f rows per CPU second)",
            writing, rows / writing, Double(tasksCount) / writing, rows / writingCPU))

    try timeQueries(path: path, tasksCount: tasksCount, ranks: ranks)
    let size = [path, path + "-wal"].map {
        (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0
    }.reduce(0, +)
    say(String(format: "store file (with WAL): %.1f MB", Double(size) / 1e6))
}

/// Times the aggregate queries on the store at `path` (best of 3 each, next to its target).
private func timeQueries(path: String, tasksCount: Int, ranks: Int) throws {
    func clock() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    let cpu = processCPUSeconds
    func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
    let reader = try SummaryStore(path: path, readOnly: true)
    let rows = tasksCount * ranks
    let length = try Metric(parsing: "interval.length")
    // The floor: the same SELECT … JOIN the group-by streams, stepped with nothing computed.
    let scan = try AggregateQuery(groupBy: ["depth", "alpha", "r"], metric: length)
    var floor = Double.infinity
    var floorCPU = Double.infinity
    for _ in 0..<3 {
        let (t0, c0) = (clock(), cpu())
        _ = try reader.scanRows(scan)
        floor = min(floor, clock() - t0)
        floorCPU = min(floorCPU, cpu() - c0)
    }
    say(
        String(
            format: "stream the \(rows) rows of the first query, no statistics: %.3f s (best of 3; reference; "
                + "%.3f s CPU)", floor, floorCPU))
    let queries: [(String, AggregateQuery, Double)] = [
        (
            "interval.length by depth,alpha,r (all \(rows) rows)",
            try AggregateQuery(groupBy: ["depth", "alpha", "r"], metric: length), 0.5
        ),
        (
            "interval.length --stats median,p90 by depth,alpha,r (all \(rows) rows)",
            try AggregateQuery(
                groupBy: ["depth", "alpha", "r"], metrics: [length], statistics: [.median, .percentile(90)]), 1.0
        ),
        (
            "interval.length --rank 2 by depth,alpha (\(tasksCount) rows)",
            try AggregateQuery(groupBy: ["depth", "alpha"], metric: length, rank: 2), 0.5
        ),
        (
            "interval.length --sweep bench by r (all rows, sweep join)",
            try AggregateQuery(sweep: "bench", groupBy: ["r"], metric: length), 0.5
        ),
        (
            "final_loss --where depth>=4 by depth",
            try AggregateQuery(
                filters: [Filter(parsing: "depth>=4")], groupBy: ["depth"], metric: Metric(parsing: "final_loss")),
            0.5
        ),
    ]
    for (label, query, target) in queries {
        var best = Double.infinity
        var bestCPU = Double.infinity
        var groups = 0
        for _ in 0..<3 {
            let (t0, c0) = (clock(), cpu())
            groups = try reader.aggregate(query).rows.count
            best = min(best, clock() - t0)
            bestCPU = min(bestCPU, cpu() - c0)
        }
        say(
            String(
                format: "query %@: %.3f s (best of 3, %d groups; target < %.1f s; %.3f s CPU)", label, best, groups,
                target, bestCPU))
    }
}

/// CPU seconds of this process (all threads): on a loaded machine wall time mostly measures the
/// other jobs, so the figures print both.
private func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
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
    return SimulationResult(
        status: t % 50 == 0 ? .diverged : .finished, path: .spectral, steps: 1000,
        finalLoss: 1e-6 * Double(t % 1000 + 1),
        finalErank: 3.2, targets: (1...ranks).map { Double($0) * 0.9 }, intervals: intervals, predicted: predicted,
        trajectory: trajectory, seconds: 0.002)
}
