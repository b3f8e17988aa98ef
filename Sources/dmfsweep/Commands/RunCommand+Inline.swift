import CSupport
import Cluster
import Foundation
import SummaryStore
import Sweeps

#if canImport(Glibc)
    import Glibc
#endif

/// `dmfsweep run SWEEP.yaml --inline --store STORE`: runs the missing tasks in this process, one
/// after another (`InlineRunner`), committing results in batches.
///
/// `RunCommand` hands over to `InlineRun.run` when `--inline` is given; `InlineRun.options` are
/// the options only the inline runner has (`--store` and `--retry-failed` are `run`'s own).
enum InlineRun {
    /// Options specific to `--inline`.
    static let options: [OptionSpec] = [
        OptionSpec(flag: "--inline", valueName: nil, help: "run the tasks in this process, one after another"),
        OptionSpec(flag: "--batch", valueName: "N", help: "--inline: commit after N results", defaultValue: "100"),
        OptionSpec(
            flag: "--batch-seconds", valueName: "S", help: "--inline: commit results at least every S seconds",
            defaultValue: "0.5"),
        OptionSpec(flag: "--limit", valueName: "N", help: "--inline: run at most N tasks", defaultValue: "all"),
        OptionSpec(flag: "--quiet", valueName: nil, help: "--inline: no progress lines, only the summary"),
    ]

    /// Runs the sweep inline.
    ///
    /// The sweep is validated and expanded before the store is opened, so an invalid sweep never
    /// creates or touches a store. SIGINT/SIGTERM stop the run after the current task (its
    /// result committed); a second signal exits at once (committed batches stay).
    /// - Returns: 0 all done, 3 some tasks of the sweep failed (in this run or before, skipped),
    ///   4 the store could not be written, 130 interrupted (143 for SIGTERM).
    static func run(_ args: ParsedArguments, sweepPath: String) throws -> Int32 {
        let storePath = try args.required("--store")
        let batch = try args.int("--batch", in: 1...1_000_000) ?? 100
        let seconds = try args.double("--batch-seconds") ?? 0.5
        guard seconds >= 0 else { throw UsageError("--batch-seconds: must be ≥ 0, got \(seconds)") }
        let limit = try args.int("--limit", in: 0...Int.max)
        let quiet = args.has("--quiet")
        let spec: SweepSpec
        let tasks: [SweepTask]
        do {
            spec = try SweepFile.load(path: sweepPath)
            tasks = try spec.expand()
        } catch {
            throw UsageError(error.description)
        }

        let (stop, watch) = StopRequest.installInline()
        TerminationSignals.keepUntilExit(watch)
        let store = try StoreAccess.open(storePath, create: true, migrate: true)
        var todo: [SweepTask]
        let registration: SweepRegistration
        do {
            registration = try store.registerSweep(
                name: spec.name, spec: spec.sourceText, tasks: tasks, replace: args.has("--replace-sweep"))
            if args.has("--retry-failed") { try store.resetFailed(sweep: spec.name) }
            todo = try store.unfinishedTasks(sweep: spec.name)
        } catch {
            throw StoreAccess.failure(error)
        }
        if let limit { todo = Array(todo.prefix(limit)) }
        let skipped = args.has("--retry-failed") ? 0 : ((try? store.statusCounts(sweep: spec.name).failed) ?? 0)
        if let note = spec.collapsedNote(distinct: tasks.count) { print("sweep \(spec.name): " + note) }
        if let warning = CompletionMasks.warning(tasks) { print("sweep \(spec.name): warning: " + warning) }
        if registration.dropped > 0 {
            print(
                "sweep \(spec.name): redefined (--replace-sweep); \(registration.dropped) earlier task(s) are no longer "
                    + "part of it")
        }
        print(
            "sweep \(spec.name): \(registration.total) task(s), \(registration.new) new, \(registration.done) already done; "
                + "running \(todo.count) inline")
        if skipped > 0 { print(SweepSession.skippedFailedLine(skipped)) }

        let runner = InlineRunner(store: store, options: .init(batchSize: batch, batchInterval: seconds))
        let startedAt = Date().timeIntervalSince1970
        LiveStateTable.recordInlineRun(.running, sweep: spec.name, startedAt: startedAt, to: store)
        let summary: InlineRunner.Summary
        do {
            summary = try runner.run(
                todo, shouldStop: { stop.count > 0 },
                progress: { p in
                    guard !quiet else { return }
                    let width = String(p.planned).count
                    let done =
                        String(repeating: " ", count: max(0, width - String(p.finished).count)) + String(p.finished)
                    print(
                        String(
                            format: "[%@/%d] +%d result(s), %d diverged, %d failed, %.1f s", done, p.planned,
                            p.committed, p.diverged, p.failed, p.elapsed))
                })
        } catch {
            LiveStateTable.recordInlineRun(
                .failed, failure: "\(error)", sweep: spec.name, startedAt: startedAt, to: store)
            throw StoreAccess.failure(error)
        }
        LiveStateTable.recordInlineRun(
            summary.interrupted ? .interrupted : .finished, sweep: spec.name, startedAt: startedAt, to: store)

        let counts = (try? store.statusCounts(sweep: spec.name)) ?? StatusCounts()
        var lines = ["sweep \(spec.name): \(counts.done)/\(counts.total) done, \(counts.failed) failed"]
        if summary.interrupted {
            lines[0] +=
                ", \(counts.total - counts.done - counts.failed) not done (interrupted; run the same command again to resume)"
        }
        let ran = summary.succeeded + summary.failed
        lines.append(
            "this run: \(ran) task(s) in \(String(format: "%.1f", summary.seconds)) s "
                + "(\(ProgressReporter.rate(Double(ran) / max(summary.seconds, 1e-3)))/s)")
        if counts.failed > 0 { lines.append("failed tasks are retried with --retry-failed") }
        lines.append("results: dmfsweep query --store \(StoreAccess.shown(storePath)) --sweep \(spec.name) --raw")
        print(lines.joined(separator: "\n"))
        if summary.interrupted { return 128 + stop.signal }
        return counts.failed > 0 ? 3 : 0
    }
}

extension StopRequest {
    /// Starts watching SIGINT and SIGTERM for `run --inline` (`TerminationSignals.watch`, the same
    /// mechanism as the distributed `run`, `coordinator` and `worker`): the first requests a stop
    /// after the current task; a second one exits at once with 128 + signal. Keep the returned
    /// watch alive for the whole run.
    static func installInline() -> (StopRequest, SignalWatch) {
        let request = StopRequest()
        let watch = TerminationSignals.watch { received in
            if request.request(signal: received) == 1 {
                FileHandle.standardError.write(
                    Data("dmfsweep: stopping after the current task (signal again to quit at once)\n".utf8))
            } else {
                dmf_flush_and_exit(128 + received)
            }
        }
        return (request, watch)
    }
}
