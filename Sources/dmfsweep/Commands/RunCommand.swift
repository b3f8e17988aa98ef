import Foundation

/// `dmfsweep run`: runs a sweep and stores the results. `--inline` runs in this process
/// (`InlineRun`); the distributed runner (coordinator and workers) plugs in here without it.
enum RunCommand {
    static let command = Command(
        name: "run",
        summary: "run a sweep's missing tasks and store the results",
        usage: "SWEEP.yaml --inline --store FILE [options]",
        discussion: """
            Registers the sweep in the store, then runs only the tasks without a result: running the same
            sweep again continues where it stopped, and adding values to a sweep runs only the new tasks.
            With --inline the tasks run one after another in this process and results are committed in
            batches (--batch results or --batch-seconds, whichever comes first). Ctrl-C stops after the
            current task with everything finished committed; a second Ctrl-C exits at once. An invalid
            sweep file is reported (file:line:column, exit status 2) before the store is opened.
            Exit status: 0 all done, 3 some tasks failed, 130 interrupted.
            """,
        options: [
            OptionSpec(flag: "--store", valueName: "FILE", help: "summary store (created if missing)"),
            OptionSpec(flag: "--retry-failed", valueName: nil, help: "run failed tasks again"),
        ] + InlineRun.options,
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let sweepPath = try args.positionals(exactly: 1, names: "SWEEP.yaml")[0]
        if args.has("--inline") { return try InlineRun.run(args, sweepPath: sweepPath) }
        throw UsageError(
            "the distributed runner is not part of this build yet: use 'dmfsweep run \(sweepPath) --inline'")
    }
}
