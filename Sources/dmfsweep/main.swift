// dmfsweep command-line entry point: thin — parsing and dispatch only; the work lives in the modules.
import CSupport
import Cluster
import Foundation

// Line-buffered stdout, so progress and logs reach a parent process (or a pipe) in time.
dmf_line_buffer_stdout()
// Commands that handle SIGINT/SIGTERM themselves need them blocked before any thread starts.
if CommandLine.arguments.count > 1, ["run", "coordinator", "worker"].contains(CommandLine.arguments[1]) {
    TerminationSignals.block()
}
exit(Dispatch.main(CommandLine.arguments))
