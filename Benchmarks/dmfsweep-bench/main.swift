// dmfsweep-bench SUITE [options]: benchmark suites that print figures (never timed unit tests).
// Each suite lives in its own file (`Core*.swift`, `Store*.swift`, `Cluster*.swift`) and adds one
// row to the table below.
import Foundation

/// One benchmark suite: its name, a line of help and the function that runs it.
struct BenchSuite {
    let name: String
    let summary: String
    let run: ([String]) throws -> Void
}

let suites: [BenchSuite] = [
    BenchSuite(
        name: "core", summary: "numerical core: full-path step rate vs dgemm, spectral vs full", run: CoreBench.run),
    BenchSuite(
        name: "store", summary: "summary store: batched insert rate, group-by aggregates over 1M interval rows",
        run: StoreBench.run),
    BenchSuite(
        name: "cluster", summary: "runtime: no-op tasks/s through coordinator, workers, store; 2 workers vs 1",
        run: ClusterBench.run),
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let suite = suites.first(where: { $0.name == name }) else {
    print("usage: dmfsweep-bench SUITE [options]\n\nsuites:")
    for s in suites { print("  \(s.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s.summary)") }
    exit(arguments.isEmpty || arguments.first == "--help" ? 0 : 2)
}
do {
    try suite.run(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write("dmfsweep-bench \(name): \(error)\n".data(using: .utf8)!)
    exit(1)
}
