import Factorization
import Foundation
import Testing

@testable import Reports

/// Synthetic sweeps with hand-chosen numbers, so every aggregate has an obvious expected value.
@Suite struct AggregationTests {
    static func task(depth: Int, alpha: Double, seed: UInt64, status: String = "finished", noise: Double = 0)
        -> TaskRecord
    {
        var c = SimulationConfig()
        c.depth = depth
        c.alpha = alpha
        c.seed = seed
        c.noise = noise
        // Interval for r = 2 has length 100·depth + 1000·alpha + seed; start 10·depth + seed.
        let length = 100 * depth + Int(1000 * alpha) + Int(seed)
        let start = 10 * depth + Int(seed)
        let intervals = [
            IntervalRecord(rank: 1, target: 1, start: 5, end: 8, length: 3, predictedStart: 5, predictedEnd: 10),
            IntervalRecord(
                rank: 2, target: 1.89, start: start, end: start + length, length: length,
                predictedStart: Double(start) * 1.25, predictedEnd: nil),
        ]
        // erank = depth + seed at every recorded step; clean error falls then rises.
        var traj: [TrajectoryPoint] = []
        for k in 0...4 {
            let erank = Double(depth) + Double(seed)
            let dip = (k - 2) * (k - 2) + 1
            let clean: Double? = noise > 0 ? Double(dip) : nil
            traj.append(
                TrajectoryPoint(step: 10 * k, loss: 1 / Double(k + 1), erank: erank, erankRatio: 1, cleanError: clean))
        }
        return TaskRecord(
            key: "k\(depth)-\(alpha)-\(seed)", config: c, status: status, finalLoss: 0.2, finalErank: Double(depth),
            steps: 40, seconds: 0.5, bestStep: noise > 0 ? 20 : nil, bestCleanError: noise > 0 ? 1 : nil,
            intervals: intervals, trajectory: traj)
    }

    static let grid = SweepRecords(
        name: "grid", specText: "# Question: does depth help?\nname: grid\n",
        tasks: [3, 4].flatMap { d in
            [0.05, 0.1].flatMap { a in [0, 1].map { s in task(depth: d, alpha: a, seed: UInt64(s)) } }
        })

    @Test func variedParametersInPreferenceOrder() {
        #expect(ParameterValues.varied(in: Self.grid.tasks) == ["depth", "alpha"])
        #expect(ParameterValues.distinct("alpha", in: Self.grid.tasks) == ["0.05", "0.1"])
        #expect(Self.grid.question == "does depth help?")
        var t = Self.task(depth: 3, alpha: 0.05, seed: 0)
        t.config.noise = 0
        t.config.eta = 1e-5
        #expect(
            [t.parameter("noise"), t.parameter("eta"), t.parameter("alpha"), t.parameter("n")] == [
                "0", "1e-05", "0.05", "auto",
            ])
    }

    @Test func staircaseAveragesSeedsAndHoldsOthersFixed() throws {
        let d = try SweepFigures.staircase(Self.grid)
        #expect(d.series.map(\.label) == ["depth = 3 (2 seeds)", "depth = 4 (2 seeds)"])
        // Seeds 0 and 1 give erank depth and depth + 1: mean depth + 0.5, sample std √0.5.
        #expect(d.series[0].mean.allSatisfy { abs($0 - 3.5) < 1e-12 })
        #expect(d.series[1].std!.allSatisfy { abs($0 - 0.5.squareRoot()) < 1e-12 })
        #expect(d.series[0].steps == [0, 10, 20, 30, 40])
        #expect(d.targets == [1, 1.89])
        // Mean interval of r = 2 for depth 3, alpha 0.05: starts 30, 31; lengths 350, 351.
        let iv = try #require(d.series[0].intervals.first { $0.rank == 2 })
        #expect(iv.start == 30.5 && iv.end == 30.5 + 350.5)
        #expect(d.subtitle?.contains("alpha = 0.05") == true)
        let byAlpha = try SweepFigures.staircase(Self.grid, groupBy: "alpha")
        #expect(byAlpha.series.count == 2 && byAlpha.subtitle?.contains("depth = 3") == true)
    }

    @Test func badGroupingParametersAreReported() {
        #expect(throws: ReportError.unknownParameter(name: "dpeth", suggestion: "depth")) {
            try SweepFigures.staircase(Self.grid, groupBy: "dpeth")
        }
        #expect(throws: ReportError.notVaried(parameter: "eta", sweep: "grid")) {
            try SweepFigures.heatmap(Self.grid, x: "eta", y: "depth")
        }
        let single = SweepRecords(name: "one", tasks: [Self.task(depth: 3, alpha: 0.1, seed: 0)])
        #expect(throws: ReportError.self) { try SweepFigures.heatmap(single) }
    }

    @Test func heatmapCellsAreMeansOverSeeds() throws {
        let h = try SweepFigures.heatmap(Self.grid, rank: 2)
        #expect(h.yLabel == "depth" && h.xLabel == "alpha")
        #expect(h.yValues == ["3", "4"] && h.xValues == ["0.05", "0.1"])
        // length = 100·depth + 1000·alpha + seed, mean over seeds 0, 1 → + 0.5.
        #expect(h.values == [[350.5, 400.5], [450.5, 500.5]])
        let r1 = try SweepFigures.heatmap(Self.grid, x: "depth", y: "alpha", rank: 1)
        #expect(r1.values == [[3, 3], [3, 3]])
    }

    @Test func divergedRunsAreCountedNotAveraged() throws {
        var s = Self.grid
        s.tasks[0].status = "diverged"
        s.tasks[1].status = "pending"
        let h = try SweepFigures.heatmap(s, rank: 2)
        #expect(h.values[0][0] == nil)  // both runs of (depth 3, alpha 0.05) unusable
        let st = try SweepFigures.status(s)
        #expect(st.xLabel == "depth")
        #expect(st.statuses == ["finished", "converged", "diverged", "pending"])
        #expect(st.counts == [[2, 0, 1, 1], [4, 0, 0, 0]])
    }

    @Test func predictedVsMeasuredGroupsByDepth() throws {
        let p = try SweepFigures.predictedVsMeasured(Self.grid)
        #expect(p.groups.map(\.label) == ["depth = 3", "depth = 4"])
        // Per run: r = 1 exact, r = 2 measured = predicted / 1.25 → rel. error 0.2; mean 0.1.
        #expect(p.groups[0].points.count == 8)
        #expect(abs(p.groups[0].meanRelativeError! - 0.1) < 1e-12)
        let table = try #require(SweepTables.agreementByDepth(Self.grid))
        #expect(table.rows == [["3", "8", "10.0%", "20.0%"], ["4", "8", "10.0%", "20.0%"]])
    }

    @Test func tablesAggregateTheRightRows() throws {
        let runs = SweepTables.runs(Self.grid)
        #expect(runs.columns.prefix(3) == ["depth", "alpha", "runs"])
        #expect(runs.rows.count == 4)
        #expect(runs.rows[0].prefix(6) == ["3", "0.05", "2", "2", "0", "0"])
        let intervals = try #require(SweepTables.intervals(Self.grid))
        #expect(intervals.rows.count == 8)
        let row = try #require(intervals.rows.first { $0[0] == "4" && $0[1] == "0.1" && $0[2] == "2" })
        // starts 40, 41; predicted 50, 51.25 → 50.62; rel. error 20%; lengths 500, 501.
        #expect(row[3] == "1.890" && row[4] == "2/2" && row[6] == "50.62" && row[7] == "20.0%")
        #expect(row[8] == "500.50 ± 0.71")  // sample std of 500, 501 is 0.707
        #expect(SweepTables.earlyStopping(Self.grid) == nil)
    }

    @Test func earlyStoppingForNoisyTargets() throws {
        let s = SweepRecords(
            name: "noisy", tasks: [0, 1, 2].map { Self.task(depth: 3, alpha: 0.1, seed: UInt64($0), noise: 0.1) })
        let t = try #require(SweepTables.earlyStopping(s))
        // Best step 20; r = 2 intervals start at 30 + seed: only r = 1 (5…8) and none contain 20 → 0/3.
        #expect(t.rows == [["3", "20", "1", "5", "0/3", "–"]])  // no spread: just the mean
        let clean = try SweepFigures.staircase(s, measure: .cleanError)
        // Clean error (k − 2)² + 1 at steps 10k; best step 20 with error 1 in every seed.
        #expect(clean.series[0].mean == [5, 2, 1, 2, 5])
        #expect(clean.series[0].markers == [Point(20, 1)])
        #expect(try ParsedXML(clean.figure().svg()).withClass("point").count == 1)
        let section = ReportBuilder.section(s)
        #expect(
            section.figures.contains {
                if case .staircase(let d) = $0.content { return d.yScale == .log } else { return false }
            })
    }

    @Test func sectionsHoldEveryFigureTheDataSupports() throws {
        let section = ReportBuilder.section(Self.grid)
        let kinds = section.figures.map { f -> String in
            switch f.content {
            case .staircase: return "staircase"
            case .heatmap: return "heatmap"
            case .predictedVsMeasured: return "pvm"
            case .status: return "status"
            case .curves: return "curves"
            case .figure: return "figure"
            }
        }
        // One staircase panel per alpha (the second varied parameter), each grouped by depth.
        #expect(kinds == ["staircase", "staircase", "heatmap", "pvm", "status"])
        let panels = try SweepFigures.staircases(Self.grid)
        #expect(
            panels.map(\.title) == [
                "grid: effective rank vs step, alpha = 0.05", "grid: effective rank vs step, alpha = 0.1",
            ])
        #expect(panels.allSatisfy { $0.series.map(\.label) == ["depth = 3 (2 seeds)", "depth = 4 (2 seeds)"] })
        // Ten values of the panel parameter: four panels spread from the first to the last.
        let wide = SweepRecords(
            name: "w",
            tasks: [3, 4].flatMap { d in
                (0..<10).map { i in Self.task(depth: d, alpha: 0.01 * Double(i + 1), seed: 0) }
            })
        let spread = try SweepFigures.staircases(wide).map { $0.title.components(separatedBy: "alpha = ").last! }
        #expect(spread == ["0.01", "0.04", "0.07", "0.1"])
        #expect(section.tables.count == 3)
        #expect(section.summary.contains(KeyValue("tasks", "8")))
        #expect(section.summary.contains(KeyValue("compute", "4.00 s")))
        let html = HTMLReport.render(
            ReportBuilder.report([Self.grid], metadata: RunMetadata(generated: Date(), entries: [])))
        let xml = try ParsedXML(html)
        #expect(xml.elements("svg").count == 5)
        #expect(xml.withClass("data").count == 3)
    }

    @Test func durations() {
        #expect(ReportBuilder.formatDuration(0.4242) == "424 ms")
        #expect(ReportBuilder.formatDuration(0.0002) == "< 1 ms")
        #expect(ReportBuilder.formatDuration(4.2) == "4.20 s")
        #expect(ReportBuilder.formatDuration(245) == "4 min 05 s")
        #expect(ReportBuilder.formatDuration(7380) == "2 h 03 min")
    }

    @Test func trajectoriesOfTheDrawnTasksSuffice() throws {
        // depth × 6 alphas × 2 seeds: four alpha panels are drawn, two alphas are not.
        let tasks = [3, 4].flatMap { d in
            [0.05, 0.1, 0.15, 0.2, 0.25, 0.3].flatMap { a in
                [0, 1].map { Self.task(depth: d, alpha: a, seed: UInt64($0)) }
            }
        }
        let full = SweepRecords(name: "sel", tasks: tasks)
        let keys = SweepFigures.staircaseTaskKeys(full)
        #expect(keys.count == 2 * 4 * 2)
        var thin = full
        for i in thin.tasks.indices where !keys.contains(thin.tasks[i].key) { thin.tasks[i].trajectory = [] }
        #expect(try SweepFigures.staircases(thin) == SweepFigures.staircases(full))
        // Without a second varied parameter: every task with a result of the one panel.
        var one = SweepRecords(name: "one", tasks: [3, 4].map { Self.task(depth: $0, alpha: 0.1, seed: 0) })
        one.tasks[1].status = "pending"
        #expect(SweepFigures.staircaseTaskKeys(one) == [one.tasks[0].key])
    }

    /// The monotonicity table: per problem, init and depth, monotone runs out of measured runs under
    /// each measure and the median monotone_from, from hand-set values.
    @Test func monotonicityTableCountsMonotoneRunsPerMeasure() throws {
        var tasks: [TaskRecord] = []
        for (i, depth) in [2, 2, 2, 3, 3].enumerated() {
            var t = Self.task(depth: depth, alpha: 0.1, seed: UInt64(i))
            // entropy: task 1 has a drop; ratio: tasks 0 and 3 have drops; monotone_from 10·i.
            t.monotonicity = [
                .entropy: RankMonotonicity(monotoneFrom: 10 * i, rankDrops: i == 1 ? 2 : 0),
                .ratio: RankMonotonicity(monotoneFrom: i == 3 ? nil : 10 * i, rankDrops: i == 0 || i == 3 ? 1 : 0),
            ]
            tasks.append(t)
        }
        tasks.append(Self.task(depth: 3, alpha: 0.1, seed: 9, status: "failed"))
        let table = try #require(SweepTables.monotonicity(SweepRecords(name: "m", tasks: tasks)))
        #expect(
            table.rows == [
                ["estimation", "identity", "2", "3", "2/3", "10", "2/3", "10"],
                ["estimation", "identity", "3", "2", "2/2", "35", "1/2", "40"],
            ])
        #expect(
            SweepTables.monotonicity(SweepRecords(name: "m", tasks: [Self.task(depth: 2, alpha: 1, seed: 0)])) == nil)
    }
}
