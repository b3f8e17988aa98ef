import Foundation
import Sweeps
import ZeroMQ

/// A worker: a DEALER socket thread (the caller of `run`) plus `jobs` compute threads.
///
/// Paranoid-Pirate style: heartbeats both ways; when the coordinator is silent for `liveness`
/// intervals the worker closes its socket and reconnects with exponential backoff, says hello
/// again, drops tasks it had not started (the coordinator re-queued them) and re-sends results
/// not yet acknowledged (the coordinator commits each key once).
public final class Worker {
    /// The options it was created with.
    public let options: WorkerOptions
    /// Request a stop from any thread.
    public let stop = StopRequest()
    private let log: LogSink
    private let context: Context
    private let pool: ComputePool

    private var socket: Socket?
    private var welcomed = false
    private var session: UInt64?
    private var heartbeat: Double
    private var liveness: Int
    private var lastHeard = 0.0
    private var lastContact = 0.0
    private var nextHeartbeat = 0.0
    private var reconnectAt = 0.0
    private var backoff: Double
    private var window = 0
    private var held: [WireTask] = []
    private var isolatedKey: TaskKey?
    private var unacked: [(batch: UInt64, results: [WireResult])] = []
    private var nextBatch: UInt64 = 1
    /// Starts pessimistic (no prefetch), so long tasks never queue behind each other; tiny tasks
    /// bring it down within a few batches.
    private var averageTaskSeconds = 0.1
    private var badMessages = 0

    /// Creates the worker and starts its compute threads.
    /// - Throws: `ZMQError`, or `CoordinatorError` if the wake-up pipe cannot be created.
    public init(options: WorkerOptions, log: @escaping LogSink = { _ in }) throws {
        self.options = options
        self.log = log
        heartbeat = options.heartbeatInterval
        liveness = options.liveness
        backoff = options.reconnectInitial
        context = try Context()
        pool = try ComputePool(jobs: options.jobs, faults: FaultInjection.fromEnvironment())
    }

    deinit {
        pool.shutdown()
        socket?.close()
        context.close()
    }

    /// Works until the coordinator says the sweep is complete, a stop is requested, or no
    /// coordinator was heard from for `giveUpAfter` seconds.
    /// - Returns: why it stopped.
    /// - Throws: `ZMQError` for unexpected socket failures.
    public func run() throws -> WorkerExit {
        let start = monotonicSeconds()
        lastContact = start
        defer {
            pool.shutdown()
            socket?.close()
            socket = nil
        }
        while true {
            let now = monotonicSeconds()
            if stop.count > 0 {
                if welcomed { send(.bye(reason: "stopped by signal")) }
                try? socket?.setLinger(200)
                return .stopped
            }
            if now - lastContact > options.giveUpAfter { return .gaveUp(now - lastContact) }
            if socket == nil && now >= reconnectAt { try connect(now: now) }

            let poller = Poller()
            let socketIndex = socket.map { poller.add($0) }
            _ = poller.add(fileDescriptor: pool.wakeFD)
            let wait = socket == nil ? min(0.1, max(0, reconnectAt - now)) : min(0.1, max(0, nextHeartbeat - now))
            let ready = try poller.poll(timeout: Int((wait * 1000).rounded(.up)))
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
                if later - lastHeard > heartbeat * Double(liveness) {
                    emit(
                        .warning, "coordinator_lost",
                        "no word from the coordinator for \(Int(later - lastHeard)) s; reconnecting in \(backoff) s")
                    disconnect(now: later)
                } else if welcomed && later >= nextHeartbeat {
                    let load = pool.load
                    // Compute threads take tiny tasks in chunks: at most `jobs` of them really run.
                    let running = min(load.running, options.jobs)
                    send(.heartbeat(running: running, queued: load.running - running + load.queued + held.count))
                    nextHeartbeat = later + heartbeat
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
        try s.setReconnectIntervalMax(Int32(options.reconnectMax * 1000))
        try s.connect(options.endpoint)
        socket = s
        welcomed = false
        lastHeard = now
        nextHeartbeat = now + heartbeat
        sendHello()
    }

    private func disconnect(now: Double) {
        socket?.close()
        socket = nil
        welcomed = false
        reconnectAt = now + backoff
        backoff = min(backoff * 2, options.reconnectMax)
        dropUnstarted()
    }

    private func sendHello() {
        welcomed = false
        send(
            .hello(
                Hello(
                    workerID: options.workerID, host: ProcessInfo.processInfo.hostName,
                    pid: Int(ProcessInfo.processInfo.processIdentifier),
                    cores: ProcessInfo.processInfo.activeProcessorCount,
                    jobs: options.jobs, capabilities: [.simulate, .noop])))
    }

    /// Tasks not started belong to a coordinator session that is over: it re-queued them.
    private func dropUnstarted() {
        _ = pool.clearQueued()
        held.removeAll()
        window = pool.outstanding
        if window == 0 { isolatedKey = nil }
    }

    // MARK: Messages

    private func handle(_ frames: [Data]) -> WorkerExit? {
        guard case .success(let message) = WireCodec.decode(frames) else {
            badMessages += 1
            return nil
        }
        let now = monotonicSeconds()
        lastHeard = now
        lastContact = now
        switch message {
        case .welcome(let w):
            if let old = session, old != w.session {
                emit(
                    .info, "coordinator_restarted",
                    "a new coordinator session started; re-sending \(unacked.reduce(0) { $0 + $1.results.count }) unacknowledged result(s)"
                )
            }
            session = w.session
            heartbeat = max(0.01, Double(w.heartbeatMilliseconds) / 1000)
            liveness = max(1, w.liveness)
            welcomed = true
            backoff = options.reconnectInitial
            dropUnstarted()
            for batch in unacked { send(.results(batch: batch.batch, batch.results)) }
            grant()
            emit(.info, "connected", "connected to \(options.endpoint) (jobs \(options.jobs))")
        case .tasks(let tasks):
            held.append(contentsOf: tasks)
        case .ack(let batch):
            unacked.removeAll { $0.batch <= batch }
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
        case .hello, .ready, .started, .results, .bye:
            badMessages += 1
        }
        return nil
    }

    /// Hands held tasks to the compute threads. An isolated task runs alone: it waits until nothing
    /// else runs, is announced with `started`, and nothing else starts until it is done.
    private func feed() {
        if isolatedKey != nil { return }
        var plain: [WireTask] = []
        var taken = 0
        for task in held {
            if task.isolated {
                guard plain.isEmpty, pool.outstanding == 0 else { break }
                send(.started([task.key]))
                // Let the announcement reach the wire before a possible crash.
                usleep(20_000)
                isolatedKey = task.key
                pool.submit([task])
                taken += 1
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
        if welcomed && !started.isEmpty { send(.started(started)) }
        guard !results.isEmpty else { return }
        if let k = isolatedKey, results.contains(where: { $0.key == k }) { isolatedKey = nil }
        let total = results.reduce(0.0) { $0 + $1.seconds }
        averageTaskSeconds = 0.5 * averageTaskSeconds + 0.5 * (total / Double(results.count))
        window -= results.count
        var i = 0
        while i < results.count {
            let chunk = Array(results[i..<min(i + 256, results.count)])
            i += chunk.count
            let batch = nextBatch
            nextBatch += 1
            unacked.append((batch, chunk))
            if welcomed { send(.results(batch: batch, chunk)) }
        }
        if welcomed { grant() }
        feed()
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
        window += g
        send(.ready(credit: g))
    }

    private func send(_ message: WireMessage) {
        guard let socket else { return }
        _ = try? socket.send(WireCodec.encode(message), dontWait: true)
    }

    private func emit(_ level: LogRecord.Level, _ event: String, _ message: String) {
        log(LogRecord(level, event, message, fields: ["worker": options.workerID]))
    }
}
