// dmfsweep-store-writer: a test helper for the store's crash test (Tests/SummaryStoreTests/CrashTests).
//
//   dmfsweep-store-writer STORE TASKS BATCH      (STORE: a file or a postgresql:// URI)
//
// Registers a sweep of TASKS synthetic tasks, then records results in batched transactions
// forever (round after round, idempotently), printing `committed KEY…` after every commit and
// flushing, until it is killed. The parent kills it with SIGKILL mid-write and checks the store.
import Factorization
import Foundation
import SummaryStore
import Sweeps

let args = CommandLine.arguments
guard args.count == 4, let count = Int(args[2]), let batch = Int(args[3]), count > 0, batch > 0 else {
    FileHandle.standardError.write(Data("usage: dmfsweep-store-writer STORE TASKS BATCH\n".utf8))
    exit(2)
}

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

var tasks: [SweepTask] = []
for i in 0..<count {
    var config = SimulationConfig()
    config.depth = 2 + i % 4
    config.seed = UInt64(i)
    let hex = String(repeating: "f", count: 48) + String(format: "%016llx", UInt64(i))
    tasks.append(SweepTask(key: TaskKey(hex: hex), config: config, canonicalJSON: "{\"task\":\(i)}"))
}

func result(_ i: Int, round: Int) -> SimulationResult {
    let ranks = 3
    let trajectory = (0..<400).map {
        TrajectoryPoint(step: $0 * 10, loss: 1 / Double($0 + 1 + round), erank: 1 + Double($0) / 400, erankRatio: 1)
    }
    return SimulationResult(
        status: .finished, path: .spectral, steps: 4000, finalLoss: 1e-9 * Double(i + 1), finalErank: 2.5,
        targets: [1, 1.9, 2.5],
        intervals: (1...ranks).map { IntervalStat(rank: $0, target: 1, start: 10 * $0, end: 10 * $0 + i, length: i) },
        predicted: (1...ranks).map { PredictedInterval(rank: $0, start: Double($0), end: nil) },
        trajectory: trajectory, seconds: 0.001 * Double(round + 1))
}

do {
    let store = try SummaryStore(location: StoreLocation(args[1]), create: true)
    try store.registerSweep(name: "crash", spec: "synthetic", tasks: tasks)
    say("registered \(count)")
    var round = 0
    while true {
        for start in stride(from: 0, to: count, by: batch) {
            let slice = tasks[start..<min(start + batch, count)]
            try store.recordResults(
                slice.enumerated().map {
                    CompletedTask(key: $1.key, result: result(start + $0, round: round), worker: "writer")
                })
            say("committed " + slice.map(\.key.hex).joined(separator: " "))
        }
        round += 1
    }
} catch {
    FileHandle.standardError.write(Data("dmfsweep-store-writer: \(error)\n".utf8))
    exit(1)
}
