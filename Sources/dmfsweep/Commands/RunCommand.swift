import Foundation

/// `dmfsweep run`: runs a sweep and stores the results. `--inline` runs in this process
/// (`InlineRun`); without it an in-process coordinator serves K worker processes (`LocalCluster`).
enum RunCommand {
    static let command = Command(
        name: "run",
        summary: "run a sweep's missing tasks and store the results",
        usage: "SWEEP.yaml --store STORE [--workers K | --inline] [options]",
        discussion: """
            Registers the sweep in the store, then runs only the tasks without a result: running the same
            sweep again continues where it stopped, and adding values to a sweep runs only the new tasks.
            By default a coordinator in this process hands the tasks to K worker processes ('dmfsweep
            worker', default one per core) over loopback, restarts workers that crash, and shows progress
            (a bar on a terminal, a line every few seconds otherwise). Ctrl-C: no new tasks, running ones
            finish (--grace), everything finished is committed; a second Ctrl-C exits at once.
            With --inline the tasks run one after another in this process and results are committed in
            batches (--batch results or --batch-seconds, whichever comes first). Ctrl-C stops after the
            current task with everything finished committed; a second Ctrl-C exits at once. An invalid
            sweep file is reported (file:line:column, exit status 2) before the store is opened.
            Exit status: 0 all done, 1 runtime or store failure, 2 bad input, 3 some tasks failed, 130
            interrupted (--inline: 128 + signal). Workers end with 'run', even if it is killed (SIGKILL).
            """,
        options: [
            OptionSpec(
                flag: "--store", valueName: "STORE",
                help: "summary store: a file or a postgresql:// URI (created if missing)"),
            OptionSpec(flag: "--retry-failed", valueName: nil, help: "run failed tasks again"),
        ] + InlineRun.options + LocalCluster.options
            + SweepSession.options.filter { !["--store", "--retry-failed"].contains($0.flag) },
        run: run)

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let sweepPath = try args.positionals(exactly: 1, names: "SWEEP.yaml")[0]
        if args.has("--inline") {
            if let flag = LocalCluster.distributedOnlyFlags.first(where: { args.values[$0] != nil || args.has($0) }) {
                throw UsageError("\(flag) applies to the distributed runner, not to --inline")
            }
            return try InlineRun.run(args, sweepPath: sweepPath)
        }
        for flag in ["--batch", "--batch-seconds", "--limit"] where args.values[flag] != nil {
            throw UsageError("\(flag) applies to --inline only")
        }
        return try LocalCluster.run(args, sweepPath: sweepPath)
    }
}
