import Cluster
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Progress of a sweep: a bar on a terminal, one log line every few seconds otherwise.
///
/// Log records written while the bar is shown must go through `interleaving(_:)`: it clears the
/// bar's line first (the next update redraws the bar), so a record never lands at the end of it.
final class ProgressReporter {
    enum Mode { case bar, lines, json, none }

    private let mode: Mode
    private let log: LogSink
    private var lastLine = 0.0
    private let barLine = BarLine()
    private let lineEvery = 5.0

    init(mode: Mode, log: @escaping LogSink) {
        self.mode = mode
        self.log = log
    }

    /// `sink` made safe to use while the bar is shown (from any thread): each record first clears
    /// the bar's line.
    func interleaving(_ sink: @escaping LogSink) -> LogSink {
        let line = barLine
        return { record in line.clearing { sink(record) } }
    }

    /// The mode for these arguments: JSON lines with `--log-format json`, a bar when stderr is a
    /// terminal (and `allowBar`), plain lines otherwise.
    static func mode(_ args: ParsedArguments, allowBar: Bool) throws -> Mode {
        if try args.choice("--log-format", ["text", "json"]) == "json" { return .json }
        return allowBar && isatty(STDERR_FILENO) == 1 ? .bar : .lines
    }

    func update(_ p: CoordinatorProgress) {
        let s = p.state.scheduler
        let total = s.total + p.state.doneBefore
        let done = s.done + p.state.doneBefore
        let eta = p.state.eta.map(Self.duration) ?? "?"
        let rate = p.state.rate
        switch mode {
        case .bar:
            let width = 30
            let fraction = total == 0 ? 1 : Double(done + s.failed) / Double(total)
            let filled = Int((fraction * Double(width)).rounded(.down))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            barLine.draw(
                String(
                    format: "[%@] %d/%d done, %d failed, %d running · %@/s · ETA %@ · %d worker(s)", bar, done, total,
                    s.failed, s.running, Self.rate(rate), eta, s.workers.count))
        case .none:
            return
        case .lines, .json:
            guard p.elapsed - lastLine >= lineEvery else { return }
            lastLine = p.elapsed
            let message =
                "\(done)/\(total) done, \(s.failed) failed, \(s.running) running, \(Self.rate(rate))/s, ETA \(eta), \(s.workers.count) worker(s)"
            log(
                LogRecord(
                    .info, "progress", message,
                    fields: [
                        "done": "\(done)", "total": "\(total)", "failed": "\(s.failed)", "running": "\(s.running)",
                        "in_flight": "\(s.leased)",
                        "rate": String(format: "%.1f", rate),
                        "eta_seconds": p.state.eta.map { String(format: "%.0f", $0) } ?? "",
                        "workers": "\(s.workers.count)", "bad_messages": "\(p.state.badMessageTotal)",
                    ]))
        }
    }

    /// Ends the bar's line (if a bar is shown), so what follows starts on a line of its own.
    func finish() { barLine.end() }

    /// A rate for people: whole numbers from 100, one decimal from 1, two significant digits below
    /// (a sweep of slow tasks runs at 0.24/s, not "0/s").
    static func rate(_ r: Double) -> String {
        guard r.isFinite else { return "-" }
        return r >= 100 ? String(format: "%.0f", r) : r >= 1 ? String(format: "%.1f", r) : String(format: "%.2g", r)
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) }
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// The progress bar's line on stderr, shared by the bar (drawn on the coordinator's thread) and
/// log records (written from any thread): every write happens under one lock, so a record and a
/// redraw never interleave.
final class BarLine: Sendable {
    /// Whether a bar is on the screen now (its line not ended or cleared).
    private let shown = Mutex(false)

    /// Draws `text` over the current bar (carriage return, text, clear to the end of the line).
    func draw(_ text: String) {
        shown.withLock { shown in
            Self.write("\r" + text + "\u{1B}[K")
            shown = true
        }
    }

    /// Clears the bar's line (`\r ESC[K`) if a bar is shown, then runs `body` (which writes whole lines).
    func clearing(_ body: () -> Void) {
        shown.withLock { shown in
            if shown { Self.write("\r\u{1B}[K") }
            shown = false
            body()
        }
    }

    /// Ends the bar's line with a newline if a bar is shown, leaving the last bar on screen.
    func end() {
        shown.withLock { shown in
            if shown { Self.write("\n") }
            shown = false
        }
    }

    private static func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
