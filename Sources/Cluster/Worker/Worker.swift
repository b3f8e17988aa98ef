import Foundation
import Sweeps
import ZeroMQ

/// A worker: a DEALER socket thread (the caller of `run`) plus `jobs` compute threads.
///
/// Paranoid-Pirate style: heartbeats both ways; when the coordinator is silent for `liveness`
/// intervals the worker closes its socket and reconnects with exponential backoff, says hello
/// again (listing the tasks its compute threads run, which a restarted coordinator adopts), drops
/// tasks it had not started (the coordinator re-queued them) and re-sends results not yet
/// acknowledged (the coordinator commits each key once).
///
/// The connection is an explicit state (`Link`); so is the announcement of an isolated task,
/// which starts only once the coordinator has echoed its `started` (no sleeping to let a message
/// reach the wire). Every message it cannot send is handled: results too large for the
/// coordinator's limit become failures with the reason, results the socket cannot take yet are
/// sent again later; and a connection whose security handshake keeps failing ends the worker
/// with a diagnosis (`WorkerExit.handshakeFailed`) instead of looking like a coordinator that is down.
public final class Worker {
    /// The options it was created with.
    public let options: WorkerOptions
    /// Request a stop from any thread.
    public let stop = StopRequest()
    private let log: LogSink
    private let context: Context
    private let pool: ComputePool
    private let faults: FaultInjection

    /// Where the connection to the coordinator stands.
    private enum Link {
        /// No socket; the next connection attempt is due at the given time.
        case disconnected(reconnectAt: Double)
        /// Connected (as far as ZeroMQ knows), `hello` sent, no `welcome` yet.
        case greeting
        /// Welcomed: tasks, credit and results flow.
        case welcomed
    }

    /// One batch of results, kept until the coordinator acknowledges it.
    private struct ResultBatch {
        var batch: UInt64
        var results: [WireResult]
        /// Whether it went out on the current connection (EAGAIN leaves it unsent, to retry).
        var sent = false
    }

    private var link = Link.disconnected(reconnectAt: 0)
    private var socket: Socket?
    private var monitor: Socket?
    private var monitorCount = 0
    private var session: UInt64?
    private var heartbeat: Double
    private var liveness: Int
    private var silence = CoordinatorSilence(openedAt: 0)
    private var lastContact = 0.0
    private var nextHeartbeat = 0.0
    private var backoff: Double
    private var window = 0
    private var held: [WireTask] = []
    /// The isolated task announced with `started` and waiting for the coordinator's echo.
    private var announcing: WireTask?
    private var isolatedKey: TaskKey?
    private var unacked: [ResultBatch] = []
    private var nextBatch: UInt64 = 1
    /// The largest message the coordinator accepts (its `welcome`), or less under fault injection.
    private var sendLimit = WireCodec.defaultMaxMessageBytes
    /// Starts pessimistic (no prefetch), so long tasks never queue behind each other; tiny tasks
    /// bring it down within a few batches.
    private var averageTaskSeconds = 0.1
    private var badMessages = 0
    private var handshake = HandshakeWatch(limit: Worker.handshakeFailureLimit)

    /// Handshake failures in a row after which the worker gives up with a diagnosis.
    public static let handshakeFailureLimit = 3

    /// Creates the worker and starts its compute threads.
    /// - Throws: `ZMQError`, or `CoordinatorError` if the wake-up pipe cannot be created.
    public init(options: WorkerOptions, log: @escaping LogSink = { _ in }) throws {
        self.options = options
        self.log = log
        heartbeat = options.heartbeatInterval
        liveness = options.liveness
        backoff = options.reconnectInitial
        context = try Context()
        faults = FaultInjection.fromEnvironment()
        pool = try ComputePool(jobs: options.jobs, faults: faults)
    }

    deinit {
        pool.shutdown()
        monitor?.close()
        socket?.close()
        context.close()
    }

    private var welcomed: Bool {
        if case .welcomed = link { return true }
        return false
    }

    /// Works until the coordinator says the sweep is complete, a stop is requested, no
    /// coordinator was heard from for `giveUpAfter` seconds, or the security handshake failed
    /// `handshakeFailureLimit` times in a row.
    ///
    /// Compute threads may still be inside a task when it returns (a stop does not wait for
    /// them): the caller leaves the process with `_exit` (see `TerminationSignals`), never `exit`.
    /// - Returns: why it stopped.
    /// - Throws: `ZMQError` for unexpected socket failures.
    public func run() throws -> WorkerExit {
        let start = monotonicSeconds()
        lastContact = start
        defer {
            pool.shutdown()
            closeSocket()
        }
        while true {
            let now = monotonicSeconds()
            if stop.count > 0 {
                if welcomed { send(.bye(reason: "stopped by signal")) }
                try? socket?.setLinger(200)
                return .stopped
            }
            if now - lastContact > options.giveUpAfter { return .gaveUp(now - lastContact) }
            if case .disconnected(let at) = link, now >= at { try connect(now: now) }

            let poller = Poller()
            let socketIndex = socket.map { poller.add($0) }
            let monitorIndex = monitor.map { poller.add($0) }
            _ = poller.add(fileDescriptor: pool.wakeFD)
            let wait: Double
            switch link {
            case .disconnected(let at): wait = min(0.1, max(0, at - now))
            // No heartbeat is due before the welcome (waiting for it must not spin).
            case .greeting: wait = 0.1
            case .welcomed: wait = min(0.1, max(0, nextHeartbeat - now))
            }
            let ready = try poller.poll(timeout: Int((wait * 1000).rounded(.up)))
            if let i = monitorIndex, ready[i].contains(.readable), let exit = readMonitor() { return exit }
            if let i = socketIndex, ready[i].contains(.readable), let s = socket {
                var n = 0
                while n < 1000, let frames = try s.receive(dontWait: true) {
                    n += 1
                    if let exit = handle(frames) { return exit }
                    if socket == nil { break }
                }
            }
            feed()
            flushResults()
            let later = monotonicSeconds()
            if socket != nil {
                switch silence.verdict(now: later, window: heartbeat * Double(liveness)) {
                case .keep:
                    break
                case .lost:
                    let silent = silence.silentFor(now: later) ?? 0
                    emit(
                        .warning, "coordinator_lost",
                        "no word from the coordinator for \(String(format: "%.1f", silent)) s; reconnecting in \(backoff) s"
                    )
                    disconnect(now: later)
                case .unreachable:
                    // Nothing connected (coordinator down or restarting): a new socket at once.
                    disconnect(now: later)
                    link = .disconnected(reconnectAt: later)
                    backoff = options.reconnectInitial
                }
                if socket == nil {
                    // closed just now
                } else if welcomed && later >= nextHeartbeat {
                    let load = pool.load
                    // Compute threads take tiny tasks in chunks: at most `jobs` of them really run.
                    let running = min(load.running, options.jobs)
                    send(.heartbeat(running: running, queued: load.running - running + load.queued + held.count))
                    nextHeartbeat = later + heartbeat
                    // Whatever the socket could not take before (EAGAIN) goes out now.
                    sendPending()
                    grant()
                }
            }
        }
    }

    // MARK: Connection

    private func connect(now: Double) throws {
        let s = try Socket(context, type: .dealer)
        // A fresh routing id per connection: the coordinator sees a new peer and forgets the old one.
        var id: [UInt8] = [0x77]
        for _ in 0..<15 { id.append(UInt8.random(in: 0...255)) }
        try s.setRoutingId(id)
        if let curve = options.curve { try s.makeCurveClient(curve) }
        try s.setMaxMessageSize(Int64(WireCodec.defaultMaxMessageBytes))
        try s.setSendHighWaterMark(100_000)
        try s.setReceiveHighWaterMark(100_000)
        try s.setReconnectInterval(100)
        // libzmq's own connection retries stay frequent (at most 1 s apart) within one socket's life.
        try s.setReconnectIntervalMax(Int32(min(options.reconnectMax, 1) * 1000))
        // Handshake events tell a refused security handshake from a coordinator that is down.
        monitorCount += 1
        monitor = try s.monitor("inproc://dmfsweep-worker-monitor-\(monitorCount)", events: HandshakeWatch.events)
        try s.connect(options.endpoint)
        socket = s
        link = .greeting
        silence.socketOpened(now: now)
        nextHeartbeat = now + heartbeat
        sendHello()
    }

    private func closeSocket() {
        // This order: a monitor whose reader is gone blocks libzmq's I/O thread (`stopMonitor`).
        socket?.stopMonitor()
        socket?.close()
        socket = nil
        monitor?.close()
        monitor = nil
        handshake.socketClosed()
    }

    private func disconnect(now: Double) {
        closeSocket()
        link = .disconnected(reconnectAt: now + backoff)
        backoff = min(backoff * 2, options.reconnectMax)
        dropUnstarted()
    }

    private func sendHello() {
        link = .greeting
        send(
            .hello(
                Hello(
                    workerID: options.workerID, host: ProcessInfo.processInfo.hostName,
                    pid: Int(ProcessInfo.processInfo.processIdentifier),
                    cores: ProcessInfo.processInfo.activeProcessorCount,
                    jobs: options.jobs, capabilities: [.simulate, .noop], running: pool.takenKeys)))
    }

    /// Tasks not started belong to a coordinator session that is over: it re-queued them.
    private func dropUnstarted() {
        _ = pool.clearQueued()
        held.removeAll()
        announcing = nil
        for i in unacked.indices { unacked[i].sent = false }
        window = pool.outstanding
        if window == 0 { isolatedKey = nil }
    }

    /// Reads handshake events; after `handshakeFailureLimit` failures in a row, gives up.
    private func readMonitor() -> WorkerExit? {
        while let m = monitor, let event = try? m.receiveMonitorEvent(dontWait: true) {
            if event.event == .connected { silence.transportConnected(now: monotonicSeconds()) }
            switch handshake.observe(event.event, value: event.value) {
            case .none:
                continue
            case .giveUp:
                return .handshakeFailed(handshake.diagnosis(endpoint: options.endpoint, curve: options.curve != nil))
            case .retry(let first):
                if first {
                    let text = handshake.diagnosis(endpoint: options.endpoint, curve: options.curve != nil)
                    emit(.warning, "handshake_failed", text + "; retrying")
                }
                // libzmq does not reconnect after a refused handshake by itself: try again soon,
                // so that the diagnosis comes within seconds, not after the liveness timeout.
                let now = monotonicSeconds()
                disconnect(now: now)
                link = .disconnected(reconnectAt: now + 0.25)
                return nil
            }
        }
        return nil
    }

    // MARK: Messages

    private func handle(_ frames: [Data]) -> WorkerExit? {
        guard case .success(let message) = WireCodec.decode(frames) else {
            badMessages += 1
            return nil
        }
        let now = monotonicSeconds()
        silence.heard(now: now)
        lastContact = now
        switch message {
        case .welcome(let w):
            if let old = session, old != w.session {
                emit(
                    .info, "coordinator_restarted",
                    "a new coordinator session started; re-sending "
                        + "\(unacked.reduce(0) { $0 + $1.results.count }) unacknowledged result(s)")
            }
            session = w.session
            heartbeat = max(0.01, Double(w.heartbeatMilliseconds) / 1000)
            liveness = max(1, w.liveness)
            sendLimit = min(w.maxMessageBytes, faults.sendLimitBytes ?? Int.max)
            link = .welcomed
            backoff = options.reconnectInitial
            handshake.reset()
            dropUnstarted()
            sendPending()
            grant()
            emit(.info, "connected", "connected to \(options.endpoint) (jobs \(options.jobs))")
        case .tasks(let tasks):
            held.append(contentsOf: tasks)
        case .started(let keys):
            // The coordinator noted the announcement: the isolated task may start.
            if let task = announcing, keys.contains(task.key) {
                announcing = nil
                isolatedKey = task.key
                pool.submit([task])
            }
        case .ack(let batch):
            unacked.removeAll { $0.batch <= batch }
        case .rejected(let batch, let reason):
            reject(batch, reason: reason)
        case .heartbeat:
            break
        case .shutdown(let reason, let text):
            switch reason {
            case .complete:
                emit(.info, "complete", "the coordinator says: \(text); exiting")
                send(.bye(reason: "the sweep is complete"))
                try? socket?.setLinger(200)
                return .complete
            case .refused:
                return .refused(text)
            case .stopping:
                emit(.warning, "coordinator_stopping", "the coordinator is stopping (\(text)); waiting for a new one")
                disconnect(now: now)
            }
        case .reset:
            // Already saying hello again: later resets answer messages sent before that.
            guard welcomed else { return nil }
            dropUnstarted()
            sendHello()
        case .hello, .ready, .results, .bye:
            badMessages += 1
        }
        return nil
    }

    /// Hands held tasks to the compute threads. An isolated task runs alone: it waits until nothing
    /// else runs, is announced with `started`, and starts when the coordinator echoes that (so a
    /// crash during it is attributed to it); nothing else starts until it is done.
    private func feed() {
        if isolatedKey != nil || announcing != nil { return }
        var plain: [WireTask] = []
        var taken = 0
        for task in held {
            if task.isolated {
                guard plain.isEmpty, pool.outstanding == 0 else { break }
                if send(.started([task.key])) {
                    announcing = task
                    taken += 1
                }
                break
            }
            plain.append(task)
            taken += 1
        }
        if taken > 0 { held.removeFirst(taken) }
        pool.submit(plain)
    }

    private func flushResults() {
        let (started, results) = pool.drain()
        // Starts are not re-sent after a reconnect: the new session re-queued what was not done.
        // A task already finished needs no announcement: its result tells its start.
        if welcomed && !started.isEmpty {
            let finished = results.count < 16 ? nil : Set(results.map(\.key))
            let running = started.filter { key in
                finished.map { !$0.contains(key) } ?? !results.contains { $0.key == key }
            }
            if !running.isEmpty { send(.started(running)) }
        }
        guard !results.isEmpty else { return }
        if let k = isolatedKey, results.contains(where: { $0.key == k }) { isolatedKey = nil }
        let total = results.reduce(0.0) { $0 + $1.seconds }
        averageTaskSeconds = 0.5 * averageTaskSeconds + 0.5 * (total / Double(results.count))
        window -= results.count
        for chunk in batches(results) {
            unacked.append(ResultBatch(batch: nextBatch, results: chunk))
            nextBatch += 1
        }
        sendPending()
        if welcomed { grant() }
        feed()
    }

    /// Splits results into batches of at most 256 that each fit in one message under the
    /// coordinator's limit. A result that alone cannot fit becomes a failure saying so (logged):
    /// the task ends failed with the reason instead of vanishing on the wire.
    private func batches(_ results: [WireResult]) -> [[WireResult]] {
        let budget = sendLimit - WireCodec.resultsMessageOverhead
        var out: [[WireResult]] = []
        var current: [WireResult] = []
        var bytes = 0
        for var r in results {
            var size = WireCodec.encodedSizeBound(r)
            if size > budget {
                let error =
                    "its result takes up to \(size) bytes, more than the \(budget) bytes a message to the "
                    + "coordinator may carry: it cannot be sent (use a larger record_every)"
                emit(.error, "result_too_large", "task \(r.key.short): \(error)", ["key": r.key.hex])
                r = WireResult(key: r.key, outcome: .failure(error), seconds: r.seconds, isFinal: true)
                size = WireCodec.encodedSizeBound(r)
            }
            if !current.isEmpty && (current.count == 256 || bytes + size > budget) {
                out.append(current)
                current = []
                bytes = 0
            }
            current.append(r)
            bytes += size
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// The coordinator could not read result batch `batch`: its tasks go back as failures with the
    /// reason (they end failed, logged on both sides). A batch of failures it cannot read either is
    /// dropped (logged): there is nothing smaller to send.
    private func reject(_ batch: UInt64, reason: String) {
        guard let i = unacked.firstIndex(where: { $0.batch == batch }) else { return }
        let keys = unacked[i].results.map(\.key.short).joined(separator: ", ")
        let allFailures = unacked[i].results.allSatisfy {
            if case .failure = $0.outcome { return true }
            return false
        }
        if allFailures {
            emit(
                .error, "results_dropped", "the coordinator cannot read even the failures of task(s) \(keys): \(reason)"
            )
            unacked.remove(at: i)
            return
        }
        let error = "the coordinator could not read the result: \(reason)"
        emit(.error, "results_rejected", "task(s) \(keys): \(error)")
        unacked[i].results = unacked[i].results.map {
            WireResult(key: $0.key, outcome: .failure(error), seconds: $0.seconds, isFinal: true)
        }
        unacked[i].sent = false
        sendPending()
    }

    /// Sends the result batches not sent on this connection yet, in order, while the socket takes them.
    private func sendPending() {
        guard welcomed else { return }
        for i in unacked.indices where !unacked[i].sent {
            let message = WireMessage.results(batch: unacked[i].batch, unacked[i].results)
            var frames = WireCodec.encode(message)
            if faults.corruptResults
                && unacked[i].results.contains(where: { if case .success = $0.outcome { true } else { false } })
            {
                frames[1].append(0)
            }
            guard send(frames, type: message.type) else { return }
            unacked[i].sent = true
        }
    }

    /// Grants credit up to the target window: one task per thread plus enough to keep every thread
    /// busy for ~50 ms more (thousands for tiny tasks; none for tasks over 50 ms, so that at the end
    /// of a sweep no task waits behind another on a busy worker while others idle).
    private func grant() {
        let jobs = options.jobs
        let extra = Int(min(4096, 0.05 * Double(jobs) / max(averageTaskSeconds, 1e-6)))
        let target = min(jobs + extra, 4096 + jobs)
        let g = target - window
        guard g > 0 else { return }
        if send(.ready(credit: g)) { window += g }
    }

    /// Sends without blocking. Returns whether the socket took the message; `false` when its queue
    /// is full or nothing is connected (EAGAIN), or on an error, which is logged.
    @discardableResult
    private func send(_ message: WireMessage) -> Bool { send(WireCodec.encode(message), type: message.type) }

    private func send(_ frames: [[UInt8]], type: WireMessageType) -> Bool {
        guard let socket else { return false }
        do {
            return try socket.send(frames, dontWait: true)
        } catch {
            emit(.warning, "send_failed", "cannot send \(type) to the coordinator: \(error)")
            return false
        }
    }

    private func emit(_ level: LogRecord.Level, _ event: String, _ message: String, _ fields: [String: String] = [:]) {
        log(LogRecord(level, event, message, fields: fields.merging(["worker": options.workerID]) { a, _ in a }))
    }
}
