// dmfsweep command-line entry point: thin — parsing and dispatch only; the work lives in the modules.
import CSupport
import Cluster
import Foundation

// Line-buffered stdout, so progress and logs reach a parent process (or a pipe) in time.
dmf_line_buffer_stdout()
// Commands that handle SIGINT/SIGTERM (TerminationSignals.watch: a real sigaction handler) keep
// them off our own threads by blocking them before any thread of ours starts; the watch thread
// unblocks them. (OpenBLAS's threads start before main: only the handler protects those.)
if CommandLine.arguments.count > 1, ["run", "coordinator", "worker"].contains(CommandLine.arguments[1]) {
    TerminationSignals.block()
}
exit(Dispatch.main(CommandLine.arguments))
