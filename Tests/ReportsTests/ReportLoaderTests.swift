import Factorization
import Foundation
import SummaryStore
import Sweeps
import TestSupport
import Testing

@testable import Reports

/// The loader against a real SQLite store written through the store's public API.
@Suite struct ReportLoaderTests {
    static let yaml = """
        # Question: does depth lengthen the plateaus
        #   of the staircase?
        # Runtime: instant.
        name: loader-test
        method: grid
        parameters:
          depth: {values: [3, 4]}
          alpha: {value: 0.1}
          eta:   {value: 0.005}
          steps: {value: 6000}
          record_every: {value: 20}
          seed:  {values: [0, 1]}

        """

    /// A result from the independent fixture recursion, with predictions k* = 1/((N−2) η λ α^(N−2)).
    static func result(for c: SimulationConfig) -> SimulationResult {
        let lambda = SimulationConfig.defaultSpectrum
        let traj = Fixtures.trajectory(
            lambda: lambda, depth: c.depth, alpha: c.alpha, eta: c.eta, steps: c.steps, every: c.recordEvery)
        let targets = Fixtures.targets(lambda)
        let intervals = targets.enumerated().map { r, t in
            let iv = Fixtures.interval(traj, target: t, tol: c.tolerance)
            return IntervalStat(rank: r + 1, target: t, start: iv?.0, end: iv?.1, length: iv.map { $0.1 - $0.0 } ?? 0)
        }
        let predicted = lambda.indices.map { i in
            PredictedInterval(
                rank: i + 1, start: 1 / (Double(c.depth - 2) * c.eta * lambda[i] * pow(c.alpha, Double(c.depth - 2))),
                end: nil)
        }
        return SimulationResult(
            status: .finished, path: .spectral, steps: c.steps, finalLoss: 1e-9, finalErank: traj.last!.erank,
            targets: targets, intervals: intervals, predicted: predicted,
            trajectory: traj.map { TrajectoryPoint(step: $0.step, loss: 1, erank: $0.erank, erankRatio: 1) },
            seconds: 0.25)
    }

    /// A store holding the sweep: three tasks done, one failed.
    static func makeStore(_ dir: TemporaryDirectory) throws -> (String, [SweepTask]) {
        let path = dir.path("store.sqlite")
        let spec = try SweepFile.parse(text: yaml, fileName: "loader-test.yaml")
        let tasks = try spec.expand()
        let store = try SummaryStore(path: path, create: true)
        try store.registerSweep(name: spec.name, spec: yaml, tasks: tasks)
        _ = try store.recordResults(
            tasks.prefix(3).map { CompletedTask(key: $0.key, result: result(for: $0.config), worker: "w1") })
        _ = try store.markFailed([TaskFailure(key: tasks[3].key, error: "boom")])
        return (path, tasks)
    }

    @Test func loadsEveryTaskWithResultsAndIntervals() throws {
        let dir = try TemporaryDirectory()
        let (path, tasks) = try Self.makeStore(dir)
        let loader = try ReportLoader(path: path)
        #expect(try loader.sweepNames() == ["loader-test"])
        let s = try loader.sweep("loader-test")
        #expect(s.tasks.count == 4)
        #expect(s.tasks.map(\.key) == tasks.map(\.key.hex))
        #expect(s.tasks.map(\.status) == ["finished", "finished", "finished", "failed"])
        #expect(s.question == "does depth lengthen the plateaus of the staircase?")
        let first = s.tasks[0]
        let expected = Self.result(for: tasks[0].config)
        #expect(first.config.depth == tasks[0].config.depth && first.config.seed == tasks[0].config.seed)
        #expect(first.trajectory.count == expected.trajectory.count)
        #expect(first.intervals.count == 5)
        for (got, want) in zip(first.intervals, expected.intervals) {
            #expect(got.start == want.start && got.end == want.end && got.length == want.length)
            #expect(abs(got.target - want.target) < 1e-12)
        }
        #expect(first.intervals.map(\.predictedStart) == expected.predicted.map(\.start))
        #expect(s.tasks[3].intervals.isEmpty && s.tasks[3].trajectory.isEmpty)
        let bare = try loader.sweep("loader-test", trajectories: .none)
        #expect(bare.tasks.allSatisfy(\.trajectory.isEmpty) && bare.tasks[0].intervals == first.intervals)
        #expect(throws: ReportError.unknownSweep(name: "nope", available: ["loader-test"])) { try loader.sweep("nope") }
    }

    @Test func reportFromAStoreHasFiguresTablesAndTiming() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.makeStore(dir)
        let data = try ReportLoader(path: path).report(version: "test")
        #expect(data.sweeps.count == 1)
        let section = data.sweeps[0]
        // Only depth varies: staircase, predicted vs measured, status (no heatmap).
        #expect(section.figures.count == 3)
        #expect(section.summary.contains(KeyValue("failed", "1")))
        #expect(section.summary.contains { $0.key == "registered" && $0.value.hasSuffix("UTC") })
        let keys = data.metadata.entries.map(\.key)
        for k in ["dmfsweep", "store", "total compute", "workers", "solver paths"] {
            #expect(keys.contains(k), "missing \(k)")
        }
        #expect(data.metadata.entries.contains(KeyValue("total compute", "750 ms")))
        let xml = try ParsedXML(HTMLReport.render(data))
        #expect(xml.elements("svg").count == 3)
        #expect(xml.withClass("data").count == section.tables.count)
    }
}
