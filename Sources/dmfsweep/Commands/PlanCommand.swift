import Cluster
import Factorization
import Foundation
import SummaryStore
import Sweeps

/// `dmfsweep plan`: what a sweep would run — task count, the first tasks, what the store already
/// has, and a rough cost — without running or writing anything.
enum PlanCommand {
    static let command = Command(
        name: "plan",
        summary: "show a sweep's tasks, how many are already done in a store, and a rough cost estimate",
        usage: "SWEEP.yaml [--store STORE] [--show N] [--measure]",
        discussion: """
            Validates and expands the sweep file (errors: file:line:column, exit status 2) and prints the
            number of tasks, a table of the first --show tasks (the parameters that vary), how many are
            already done in --store (opened read-only; a missing store means nothing is done), and a cost
            estimate for the tasks left to run. The estimate is a flop model (full path: 6·(N−1)·n³ per step
            for the 3(N−1) matrix products plus the problem's gradient, 10·n³ per recorded SVD; spectral path:
            (2N+6)·n per step) at nominal rates of 20 GFLOP/s (full) and 1 GFLOP/s (spectral) on one core;
            with --measure it is calibrated by timing the first task to run, at most 2000 steps of it (a run
            that stops early, e.g. diverging, is scaled by the steps it actually ran).
            """,
        options: [
            OptionSpec(
                flag: "--store", valueName: "STORE",
                help: "summary store to compare with (a file or a postgresql:// URI; read only)"),
            OptionSpec(flag: "--show", valueName: "N", help: "tasks to list", defaultValue: "10"),
            OptionSpec(flag: "--measure", valueName: nil, help: "calibrate the estimate by timing one task"),
        ],
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let path = try args.positionals(exactly: 1, names: "SWEEP.yaml")[0]
        let show = try args.int("--show", in: 0...Int.max) ?? 10
        let spec: SweepSpec
        let tasks: [SweepTask]
        do {
            spec = try SweepFile.load(path: path)
            tasks = try spec.expand()
        } catch {
            throw UsageError(error.description)
        }
        var lines: [String] = []
        lines.append("sweep \(spec.name) (\(spec.method.rawValue), \(path)): \(tasks.count) task(s)")
        if let note = spec.collapsedNote(distinct: tasks.count) { lines.append("note: " + note) }
        if let warning = CompletionMasks.warning(tasks) { lines.append("warning: " + warning) }
        let varying = spec.sweptParameterNames
        lines.append("varying: " + (varying.isEmpty ? "nothing (one configuration)" : varying.joined(separator: ", ")))
        if show > 0 && !tasks.isEmpty {
            var table = ""
            var writer = TableWriter(columns: ["#", "key"] + varying, format: .table) { table += $0 }
            for (i, task) in tasks.prefix(show).enumerated() {
                let cells = varying.map { DatabaseValue.text(task.config.value(of: $0)?.description ?? "") }
                writer.add([.integer(i + 1), .text(task.key.short)] + cells)
            }
            writer.finish()
            lines.append(table.trimmingCharacters(in: .newlines))
            if tasks.count > show { lines.append("… \(tasks.count - show) more") }
        }
        var toRun = tasks
        if let storePath = args.string("--store") {
            // A missing store means nothing is done; a directory or a missing directory is an error.
            if let store = try StoreAccess.openIfPresent(storePath) {
                let done: Set<TaskKey>
                do {
                    done = try store.doneKeys(among: tasks.map(\.key))
                } catch {
                    throw StoreAccess.failure(error)
                }
                toRun = tasks.filter { !done.contains($0.key) }
                lines.append(
                    "store \(StoreAccess.shown(storePath)): \(done.count) of \(tasks.count) already done, \(toRun.count) to run"
                )
                do {
                    try store.checkRegistration(name: spec.name, tasks: tasks)
                } catch {
                    // `run` makes the same check (`registerSweep`) and refuses the file: say so now.
                    guard case .sweepChanged = error else { throw StoreAccess.failure(error) }
                    lines.append("warning: run would refuse this file: \(error)")
                }
            } else {
                lines.append("store \(StoreAccess.shown(storePath)) does not exist yet: all \(tasks.count) to run")
            }
        } else {
            lines.append("no --store given: all \(tasks.count) to run")
        }
        if let largest = tasks.max(by: { $0.config.resultByteBound < $1.config.resultByteBound }) {
            lines.append(
                "largest result: up to \(SimulationConfig.formatBytes(largest.config.resultByteBound)) "
                    + "(task \(largest.key.short); limit \(SimulationConfig.formatBytes(SimulationConfig.maximumResultBytes)))"
            )
        }
        lines.append(CostModel.estimate(toRun, measure: args.has("--measure")))
        print(lines.joined(separator: "\n"))
        return 0
    }
}

/// What `plan` and `run` say about completion masks before running: the seed fixes each mask, so a
/// mask with a whole row or column unobserved is known in advance (one that observes nothing is
/// refused by `SimulationConfig.validate()` during expansion).
enum CompletionMasks {
    /// One line about the completion tasks whose mask leaves a row or column unobserved, or `nil`.
    static func warning(_ tasks: [SweepTask]) -> String? {
        var completion = 0
        var partial: [(index: Int, task: SweepTask, mask: CompletionMask)] = []
        for (i, task) in tasks.enumerated() {
            guard let mask = CompletionMask(task.config) else { continue }
            completion += 1
            if mask.unobservedLines > 0 { partial.append((i, task, mask)) }
        }
        guard let first = partial.first else { return nil }
        return "\(partial.count) of \(completion) completion task(s) leave a whole row or column of the target "
            + "unobserved (first: #\(first.index + 1) \(first.task.key.short), seed \(first.task.config.seed): "
            + "\(first.mask.unobservedRows) row(s), \(first.mask.unobservedColumns) column(s), "
            + "\(first.mask.observedEntries) of \(first.mask.rows * first.mask.n) entries observed); they run, but "
            + "those entries are not determined by the loss (query unobserved_lines, observed_entries)"
    }
}

/// A rough cost model of simulation runs, in floating-point operations.
enum CostModel {
    /// Nominal single-core rates (flop/s) of the full and spectral paths, and the fixed cost of a step.
    static let fullRate = 2e10
    static let spectralRate = 1e9
    static let stepOverhead = 2e-7

    /// Whether `config` runs on the spectral path.
    static func isSpectral(_ c: SimulationConfig) -> Bool {
        c.path == .spectral || (c.path == .auto && c.spectralIsExact)
    }

    /// Approximate flops of one run.
    static func flops(_ c: SimulationConfig) -> Double {
        let n = Double(c.resolvedN)
        let depth = Double(c.depth)
        let steps = Double(c.steps)
        let records = steps / Double(max(1, c.recordEvery)) + 2
        if isSpectral(c) { return steps * n * (2 * depth + 6) + records * n * 10 }
        var perStep = Simulation.matrixProductFlopsPerStep(c)
        switch c.problem {
        case .estimation: perStep += 2 * n * n
        case .completion: perStep += 3 * n * n
        case .sensing:
            let rank = Double(c.resolvedSpectrum.filter { $0 != 0 }.count)
            let m = Double(c.measurements ?? Int(min(n * n, 5 * n * max(rank, 1))))
            perStep += 4 * m * n * n
        }
        return steps * perStep + records * 10 * n * n * n
    }

    /// Estimated seconds of one run at the nominal rates.
    static func seconds(_ c: SimulationConfig) -> Double {
        flops(c) / (isSpectral(c) ? spectralRate : fullRate) + Double(c.steps) * stepOverhead
    }

    /// One line: total flops and time of `tasks`, modelled or calibrated on the first task.
    static func estimate(_ tasks: [SweepTask], measure: Bool) -> String {
        guard !tasks.isEmpty else { return "cost: nothing to run" }
        let totalFlops = tasks.map { flops($0.config) }.reduce(0, +)
        var total = tasks.map { seconds($0.config) }.reduce(0, +)
        var how = "model at nominal rates, ±3×"
        if measure {
            var probe = tasks[0].config
            probe.steps = min(probe.steps, 2000)
            let start = Date()
            do {
                let result = try Simulation.timedRun(probe)
                let measured = max(Date().timeIntervalSince(start), 1e-6)
                // Scale the model so that it matches the measured probe, as far as it ran (a run
                // that diverges or reaches --stop-loss ends early).
                probe.steps = max(result.steps, 1)
                total *= measured / seconds(probe)
                how = "calibrated on task \(tasks[0].key.short): \(result.steps) steps in \(duration(measured))"
            } catch {
                how += "; could not measure: \(error)"
            }
        }
        return String(
            format: "cost: %.2g flops ≈ %@ on one core (%@)", totalFlops, duration(total), how)
    }

    /// "80 µs", "42 ms", "3.1 s", "12 min", "5.2 h".
    static func duration(_ s: Double) -> String {
        if s < 0.001 { return String(format: "%.0f µs", s * 1e6) }
        if s < 1 { return String(format: "%.0f ms", s * 1000) }
        if s < 120 { return String(format: "%.1f s", s) }
        if s < 7200 { return String(format: "%.0f min", s / 60) }
        return String(format: "%.1f h", s / 3600)
    }
}
