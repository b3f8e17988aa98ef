import Foundation
import SummaryStore
import Sweeps
import ZeroMQ

/// The coordinator: owns the ROUTER socket, drives the `Scheduler`, commits results to the
/// `TaskLedger` in batches and acknowledges them only after the commit.
///
/// Single-threaded: create it, `bind()`, and `run()` on one thread, which then owns the socket.
/// Stop it from any thread through `stop` (a signal handler calls `stop.request()`).
public final class Coordinator {
    /// The options it was created with.
    public let options: CoordinatorOptions
    /// Request a graceful stop (once) or an immediate one (twice).
    public let stop = StopRequest()
    private let ledger: TaskLedger
    private let log: LogSink
    private let context: Context
    private var socket: Socket?
    private var authenticator: ZAPAuthenticator?
    private var scheduler: Scheduler
    private let session = UInt64.random(in: 1...UInt64.max)
    private(set) public var boundEndpoint = ""

    private var names: [PeerID: (worker: String, host: String)] = [:]
    private var completed: [CompletedTask] = []
    private var failed: [TaskFailure] = []
    /// Starts and releases not yet submitted; a start whose result arrives before it is submitted
    /// travels inside the result instead (`startIndex`), so a fast task costs one row update.
    private var marks: [TaskMark?] = []
    private var startIndex: [TaskKey: Int] = [:]
    /// The worker whose hello is being handled (its adopted tasks are recorded with its name).
    private var joining: (worker: String, host: String)?
    private var oldestUncommitted: Double?
    /// How many times dispatch was held because the store fell behind (`CoordinatorOptions.maximumBacklog`).
    public private(set) var dispatchHolds = 0
    /// Since when dispatch is held (`nil`: it is not), and whether that hold was reported as a stall.
    private var heldSince: Double?
    private var heldWarned = false
    private var ackDue: [PeerID: UInt64] = [:]
    private var badMessages: [String: Int] = [:]
    private var doneBefore = 0
    private let startedWall = Date().timeIntervalSince1970
    private var rateSamples: [(t: Double, done: Int)] = []
    private var phase = CoordinatorPhase.running
    private var failure: String?
    private var pipeline: CommitPipeline?
    private var stall: StallDetector
    private var deniedSeen = 0
    private var handshakeMonitor: Socket?
    private var brokenHandshakes = 0

    /// Creates a coordinator for the tasks the ledger says are pending.
    /// - Throws: ledger errors, `ZMQError`.
    public init(options: CoordinatorOptions, ledger: TaskLedger, log: @escaping LogSink = { _ in }) throws {
        self.options = options
        self.ledger = ledger
        self.log = log
        var config = options.scheduler
        config.session = session
        config.maxMessageBytes = options.maxMessageBytes
        scheduler = Scheduler(tasks: try ledger.pendingTasks(), config: config)
        doneBefore = try ledger.doneCount()
        stall = StallDetector(factor: 10, minimum: options.stallMinimum)
        context = try Context()
    }

    deinit {
        handshakeMonitor?.close()
        authenticator?.stop()
        socket?.close()
        context.close()
    }

    /// Tasks this coordinator will hand out (those not done in the ledger when it was created).
    public var taskCount: Int { scheduler.snapshot(now: 0).total }

    /// Binds the ROUTER socket (starting the ZAP allow-list handler first with CURVE).
    /// - Returns: the endpoint actually bound (wildcard ports resolved).
    /// - Throws: `ZMQError` (address in use, bad endpoint).
    @discardableResult
    public func bind() throws -> String {
        let s = try Socket(context, type: .router)
        if let curve = options.curve {
            authenticator = try ZAPAuthenticator(context: context, config: curve)
            try s.makeCurveServer(curve)
            // Handshakes that break off before ZAP is asked: a client with the wrong coordinator.pub.
            handshakeMonitor = try s.monitor(
                "inproc://dmfsweep-coordinator-monitor", events: [.handshakeFailedProtocol, .handshakeFailedNoDetail])
        }
        try s.setMaxMessageSize(Int64(options.maxMessageBytes))
        try s.setSendHighWaterMark(100_000)
        try s.setReceiveHighWaterMark(100_000)
        try s.setRouterHandover(true)
        // A message that cannot be routed (peer gone) or queued (peer's queue full) is reported
        // (EHOSTUNREACH / EAGAIN) instead of dropped silently: its tasks are re-queued at once.
        try s.setRouterMandatory(true)
        // A coordinator restarted right after another one released the port may find it still
        // held for a moment by libzmq's reaper: retry EADDRINUSE briefly.
        var attempt = 0
        while true {
            let result = Result { () throws(ZMQError) -> String in try s.bindReturningEndpoint(options.endpoint) }
            switch result {
            case .success(let endpoint):
                boundEndpoint = endpoint
            case .failure(let error):
                guard error.code == EADDRINUSE, attempt < 40 else { throw error }
                attempt += 1
                usleep(50_000)
                continue
            }
            break
        }
        socket = s
        return boundEndpoint
    }

    /// Runs until every task is done or failed, or a stop request has been served.
    /// - Parameter progress: called on this thread every `progressInterval` seconds.
    /// - Returns: how it ended.
    /// - Throws: ledger errors (after which nothing unacknowledged is lost), `ZMQError`.
    public func run(progress: (CoordinatorProgress) -> Void = { _ in }) throws -> CoordinatorOutcome {
        if socket == nil { try bind() }
        guard let socket else { throw CoordinatorError("internal error: no socket after bind(); please report it") }
        let pipeline = try CommitPipeline(ledger: ledger, transactionSize: options.commitBatch)
        self.pipeline = pipeline
        var ended = false
        // Unconditional teardown: whatever `serve` or the final commit throws, the commit thread
        // ends (releasing the ledger), workers are told, and the socket and context are closed.
        defer {
            if !ended {
                phase = .failed
                _ = try? pipeline.finish(state: nil)
                _ = try? perform(
                    scheduler.shutdownAll(.stopping, message: "the coordinator failed"), from: nil, socket: socket)
                try? ledger.publish(liveState(now: monotonicSeconds()))  // the commit thread has ended
            }
            self.pipeline = nil
            close(socket)
        }
        let farewellSent: Bool
        do {
            farewellSent = try serve(socket, pipeline, progress: progress).farewellSent
        } catch {
            failure = "\(error)"
            throw error
        }
        submit(pipeline)
        do {
            for acks in try pipeline.finish(state: nil) { sendAcks(acks, socket) }
        } catch {
            failure = "\(error)"
            throw error
        }
        let complete = scheduler.isComplete
        if !farewellSent {
            let reason: ShutdownReason = complete ? .complete : .stopping
            try perform(
                scheduler.shutdownAll(reason, message: complete ? "the sweep is complete" : "the coordinator stopped"),
                from: nil, socket: socket)
        }
        ended = true
        let state = liveState(now: monotonicSeconds())
        try? ledger.publish(state)  // the commit thread has ended: the ledger is ours again
        let s = state.scheduler
        emit(
            .info, phase.rawValue,
            "\(phase.rawValue): \(s.done) done, \(s.failed) failed, \(s.remaining) remaining this session; "
                + "\(state.badMessageTotal) bad message(s) dropped")
        return CoordinatorOutcome(end: complete ? .complete : .interrupted, state: state)
    }

    /// Serves workers until the sweep is complete (and the farewell is over) or a stop was served.
    /// - Returns: whether it was interrupted, and whether the workers were already told it is complete.
    private func serve(
        _ socket: Socket, _ pipeline: CommitPipeline, progress: (CoordinatorProgress) -> Void
    ) throws -> (interrupted: Bool, farewellSent: Bool) {
        let poller = Poller()
        _ = poller.add(socket)
        _ = poller.add(fileDescriptor: pipeline.wakeFD)
        if let m = handshakeMonitor { _ = poller.add(m) }
        let start = monotonicSeconds()
        var nextTick = start
        var nextProgress = start
        var nextPublish = start
        var graceDeadline: Double?
        var farewell: Farewell?
        var interrupted = false
        let tickEvery = min(options.scheduler.heartbeatInterval / 4, 0.1)
        emit(
            .info, "started",
            "listening on \(boundEndpoint); \(scheduler.snapshot(now: start).total) task(s) to run, \(doneBefore) already done"
        )
        pipeline.publish(liveState(now: start))
        var waiting = scheduler.waitingForWorkers
        if waiting {
            emit(
                .info, "waiting",
                "waiting for \(options.scheduler.minimumWorkers) worker(s) to join before handing out tasks")
        }

        while true {
            var now = monotonicSeconds()
            var timeout = max(0, min(nextTick, nextProgress) - now)
            if let oldest = oldestUncommitted { timeout = min(timeout, max(0, oldest + options.commitInterval - now)) }
            _ = try poller.poll(timeout: Int((timeout * 1000).rounded(.up)))
            now = monotonicSeconds()
            // Each message counts at the time it is read; a drain is bounded in time so that ticks
            // (heartbeats to workers, commits, acks) keep coming, and a tick after a drain cut short
            // judges nobody (the scheduler's rules: unread messages may be the workers' heartbeats).
            var drained = 0
            var inputPending = false
            let drainUntil = now + tickEvery
            while let frames = try socket.receive(dontWait: true) {
                now = monotonicSeconds()
                drained += 1
                try handle(frames, now: now, socket: socket)
                // A full batch goes to the commit thread at once, not at the end of the drain (up
                // to `tickEvery`): the store, when it is the bottleneck, must not wait for work.
                if completed.count + failed.count + marks.count >= options.commitBatch {
                    submit(pipeline)
                    try holdDispatchWhileTheStoreIsBehind(pipeline, now: now, socket: socket)
                }
                if drained >= 20_000 || now >= drainUntil {
                    inputPending = true
                    break
                }
            }
            now = monotonicSeconds()
            if now >= nextTick {
                try perform(scheduler.tick(now: now, inputPending: inputPending), from: nil, socket: socket)
                nextTick = now + tickEvery
                reportRefusedKeys()
                reportBrokenHandshakes()
                let snap = scheduler.snapshot(now: now)
                if let warning = stall.check(now: now, workers: snap.workers.count, leased: snap.leased) {
                    emit(.warning, "stalled", warning.message, ["silent_s": "\(Int(warning.silentFor))"])
                }
            }
            if waiting && !scheduler.waitingForWorkers {
                waiting = false
                emit(
                    .info, "dispatching",
                    "\(scheduler.peers.count) worker(s) joined; handing out tasks",
                    ["workers": "\(scheduler.peers.count)"])
            }
            let stopCount = stop.count
            if stopCount > 0 && graceDeadline == nil {
                scheduler.stopDispatching()
                graceDeadline = now + options.grace
                phase = .stopping
                interrupted = true
                emit(
                    .warning, "stopping",
                    "stop requested: no new tasks; waiting up to \(options.grace) s for \(scheduler.inFlight) in-flight task(s) (again to stop now)"
                )
            }
            let mustCommit =
                completed.count + failed.count + marks.count >= options.commitBatch
                || (oldestUncommitted.map { now - $0 >= options.commitInterval } ?? false)
                || scheduler.isComplete || graceDeadline != nil
            if mustCommit || (completed.isEmpty && failed.isEmpty && marks.isEmpty) { submit(pipeline) }
            for acks in try pipeline.takeCommitted() { sendAcks(acks, socket) }
            try holdDispatchWhileTheStoreIsBehind(pipeline, now: now, socket: socket)
            if now >= nextProgress {
                progress(CoordinatorProgress(state: liveState(now: now), elapsed: now - start))
                nextProgress = now + options.progressInterval
            }
            if now >= nextPublish {
                pipeline.publish(liveState(now: now))
                nextPublish = now + options.publishInterval
            }
            if scheduler.isComplete && !interrupted {
                if farewell == nil {
                    // Commit everything, acknowledge, then tell every worker; linger a moment for
                    // workers that connect just now (they get the same news) until all said bye.
                    phase = .finished
                    submit(pipeline)
                    pipeline.flush()
                    for acks in try pipeline.takeCommitted() { sendAcks(acks, socket) }
                    try perform(
                        scheduler.shutdownAll(.complete, message: "the sweep is complete"), from: nil, socket: socket)
                    // Workers of an interrupted session may still be reconnecting (see `Farewell`).
                    farewell = Farewell(
                        now: now, duration: options.farewell, resumed: doneBefore > 0,
                        workersLost: scheduler.snapshot(now: now).deaths)
                }
                if let farewell, farewell.isOver(now: now, connected: scheduler.peers.count) {
                    return (interrupted, true)
                }
            }
            if let deadline = graceDeadline, scheduler.inFlight == 0 || now >= deadline || stopCount > 1 {
                phase = .interrupted
                return (interrupted, farewell != nil)
            }
        }
    }

    /// Closes the socket (after giving queued messages a moment to leave), the ZAP handler and the
    /// context, so the port is free before `run()` returns (a restarted coordinator may bind it at once).
    private func close(_ socket: Socket) {
        try? socket.setLinger(500)
        // This order: a monitor whose reader is gone blocks libzmq's I/O thread (`stopMonitor`).
        socket.stopMonitor()
        socket.close()
        handshakeMonitor?.close()
        handshakeMonitor = nil
        self.socket = nil
        authenticator?.stop()
        authenticator = nil
        context.close()
    }

    // MARK: Messages

    private func handle(_ frames: [Data], now: Double, socket: Socket) throws {
        guard frames.count >= 2, !frames[0].isEmpty else {
            badMessages["frames", default: 0] += 1
            return
        }
        let peer = PeerID([UInt8](frames[0]))
        let message: WireMessage
        switch WireCodec.decode(frames.dropFirst(), maxBytes: options.maxMessageBytes) {
        case .success(let m): message = m
        case .failure(let e):
            badMessages[e.reason, default: 0] += 1
            // A results batch from a worker we know that we cannot read: say so, to the log and to
            // the worker, which sends its tasks again as failures with the reason.
            if scheduler.isConnected(peer), let batch = WireCodec.resultsBatch(frames.dropFirst()) {
                let name = names[peer]?.worker ?? "\(peer)"
                emit(
                    .error, "results_rejected", "cannot read result batch \(batch) from worker \(name): \(e)",
                    ["worker": name, "reason": e.reason])
                try send(.rejected(batch: batch, reason: e.description), to: peer, socket: socket)
            }
            return
        }
        if case .results(let batch, _) = message, scheduler.isConnected(peer) { ackDue[peer] = batch }
        if case .hello(let h) = message { joining = (h.workerID, h.host) }
        try perform(scheduler.receive(message, from: peer, now: now), from: peer, socket: socket)
        // After the actions: a repeated hello first ends the peer's old session (which forgets it).
        if case .hello(let h) = message { names[peer] = (h.workerID, h.host) }
        joining = nil
    }

    private func perform(_ actions: [SchedulerAction], from peer: PeerID?, socket: Socket) throws {
        for action in actions {
            switch action {
            case .send(let to, let message):
                try send(message, to: to, socket: socket)
            case .record(let key, let result, let seconds):
                stall.resultArrived(now: monotonicSeconds(), seconds: seconds)
                let who = peer.flatMap { names[$0] }
                completed.append(
                    CompletedTask(key: key, result: result, worker: who?.worker, host: who?.host, start: takeStart(key))
                )
                if oldestUncommitted == nil { oldestUncommitted = monotonicSeconds() }
            case .fail(let key, let error, _):
                stall.resultArrived(now: monotonicSeconds(), seconds: 0)
                // From a worker's error report (`peer` sent it) or a timeout or a death (the clock: no peer).
                let who = peer.flatMap { names[$0] }
                failed.append(
                    TaskFailure(key: key, error: error, worker: who?.worker, host: who?.host, start: takeStart(key)))
                if oldestUncommitted == nil { oldestUncommitted = monotonicSeconds() }
            case .started(let key, let by, let ago):
                let who = names[by]
                startIndex[key] = marks.count
                marks.append(
                    .started(
                        TaskStart(
                            key: key, worker: who?.worker, host: who?.host, started: Date(timeIntervalSinceNow: -ago))))
                if oldestUncommitted == nil { oldestUncommitted = monotonicSeconds() }
            case .adopted(let key, let by):
                let who = names[by] ?? joining  // adopted while its hello is handled: not in `names` yet
                startIndex[key] = marks.count
                marks.append(
                    .started(TaskStart(key: key, worker: who?.worker, host: who?.host, started: Date(), adopted: true)))
                if oldestUncommitted == nil { oldestUncommitted = monotonicSeconds() }
            case .released(let key):
                startIndex[key] = nil
                marks.append(.released(key))
                if oldestUncommitted == nil { oldestUncommitted = monotonicSeconds() }
            case .log(let event):
                switch event {
                case .workerJoined(let p, let id, let host, let jobs):
                    emit(
                        .info, "worker_joined", event.description,
                        ["worker": id, "host": host, "jobs": "\(jobs)", "peer": "\(p)"])
                case .workerLost(let p, let id, _, let n):
                    names[p] = nil
                    ackDue[p] = nil
                    emit(.warning, "worker_lost", event.description, ["worker": id, "requeued": "\(n)"])
                case .workerLeft(let p, let id, _, let n):
                    names[p] = nil
                    ackDue[p] = nil
                    emit(.info, "worker_left", event.description, ["worker": id, "requeued": "\(n)"])
                case .taskRetried(let k, _, _):
                    emit(.warning, "task_retried", event.description, ["key": k.hex])
                case .taskFailed(let k, let n, let e):
                    emit(.error, "task_failed", event.description, ["key": k.hex, "attempts": "\(n)", "error": e])
                case .tasksAdopted(_, let id, let keys):
                    emit(.info, "tasks_adopted", event.description, ["worker": id, "adopted": "\(keys.count)"])
                case .ownerAway(let seconds, _):
                    // A warning when the gap alone would have cost workers their liveness before.
                    let level: LogRecord.Level = seconds >= options.scheduler.deadAfter ? .warning : .info
                    emit(level, "coordinator_away", event.description, ["away_s": "\(seconds)"])
                }
            }
        }
    }

    private func send(_ message: WireMessage, to peer: PeerID, socket: Socket) throws {
        let frames = WireCodec.encode(message)
        // Non-blocking, with ROUTER_MANDATORY: a peer whose queue is full (EAGAIN) or that is gone
        // (EHOSTUNREACH) is reported. Losing a heartbeat or an ack is harmless (the worker's
        // liveness and resends recover); losing tasks is not: the worker is forgotten and its
        // leases re-queued at once, with the reason in the log.
        let reason: String
        let sent = Result { () throws(ZMQError) -> Bool in
            try socket.send([peer.bytes, frames[0], frames[1]], dontWait: true)
        }
        switch sent {
        case .success(true): return
        case .success(false): reason = "its queue is full (EAGAIN)"
        case .failure(let error) where error.isHostUnreachable: reason = "it is no longer connected (EHOSTUNREACH)"
        case .failure(let error): throw error
        }
        let type = message.type
        if type == .tasks && scheduler.isConnected(peer) {
            try perform(
                scheduler.unreachable(peer, reason: reason, now: monotonicSeconds()), from: peer, socket: socket)
        } else if type != .heartbeat && !(type == .shutdown && scheduler.wasForgotten(peer)) {
            // A lost heartbeat is what liveness is for; a farewell to a peer declared lost that is
            // really gone has nobody to reach.
            let name = names[peer]?.worker ?? "\(peer)"
            emit(.warning, "send_failed", "could not send \(type) to worker \(name): \(reason)", ["worker": name])
        }
    }

    /// Logs CURVE handshakes that failed before the allow-list was consulted (seen by the monitor).
    private func reportBrokenHandshakes() {
        while let m = handshakeMonitor, let event = try? m.receiveMonitorEvent(dontWait: true) {
            if event.event != .monitorStopped { brokenHandshakes += 1 }
        }
        guard brokenHandshakes > 0 else { return }
        emit(
            .warning, "curve_handshake_failed",
            "\(brokenHandshakes) CURVE handshake(s) failed before authentication: a worker has the wrong "
                + "coordinator.pub (not this coordinator's public key), or connects without --curve",
            ["failed": "\(brokenHandshakes)"])
        brokenHandshakes = 0
    }

    /// Logs the public keys the ZAP handler refused since the last call (CURVE allow-list).
    private func reportRefusedKeys() {
        guard let stats = authenticator?.statistics, stats.denied > deniedSeen else { return }
        let n = stats.denied - deniedSeen
        deniedSeen = stats.denied
        let key = stats.lastDeniedKey ?? "?"
        let address = stats.lastDeniedAddress ?? "?"
        emit(
            .warning, "curve_refused",
            "refused \(n) CURVE connection(s); last from \(address) with public key \(key), which is not in the "
                + "allow-list (add the worker's NAME.pub to the key directory's authorized/ and restart)",
            ["key": key, "address": address, "refused": "\(n)"])
    }

    /// The start of `key` not yet submitted, taken out of `marks` to travel with its result.
    private func takeStart(_ key: TaskKey) -> TaskStart? {
        guard let i = startIndex.removeValue(forKey: key), case .started(let start) = marks[i] else { return nil }
        marks[i] = nil
        return start
    }

    /// Holds dispatch while `CoordinatorOptions.maximumBacklog` results and failures wait to be
    /// committed (in the pipeline or buffered here) and resumes it at half as many (hysteresis: a
    /// full transaction stays queued behind the running one, and workers are not woken per commit).
    private func holdDispatchWhileTheStoreIsBehind(_ pipeline: CommitPipeline, now: Double, socket: Socket) throws {
        let limit = max(options.maximumBacklog, 2 * options.commitBatch)
        let backlog = pipeline.backlog + completed.count + failed.count
        if !scheduler.dispatchHeld && backlog >= limit {
            _ = scheduler.holdDispatch(true, now: now)
            dispatchHolds += 1
            heldSince = now
            if dispatchHolds == 1 {
                emit(
                    .info, "dispatch_held",
                    "the store is behind: \(backlog) results wait to be committed; handing out tasks again at "
                        + "\(limit / 2) (and so on whenever it falls behind)", ["backlog": "\(backlog)"])
            }
        } else if scheduler.dispatchHeld && backlog <= limit / 2 {
            heldSince = nil
            heldWarned = false
            try perform(scheduler.holdDispatch(false, now: now), from: nil, socket: socket)
        } else if let since = heldSince, !heldWarned, now - since >= options.stallMinimum {
            // Workers idle and no result arrives, so the stall detector (results while tasks are
            // leased) says nothing: the store itself is what stalls.
            heldWarned = true
            emit(
                .warning, "store_stalled",
                "dispatch held for \(Int(now - since)) s: \(backlog) results wait to be committed and the store "
                    + "has not caught up (a slow or blocked disk, or another process holding the store's write lock)",
                ["backlog": "\(backlog)", "held_s": "\(Int(now - since))"])
        }
    }

    /// Hands buffered marks, results, failures and due acknowledgements to the commit thread.
    private func submit(_ pipeline: CommitPipeline) {
        guard !completed.isEmpty || !failed.isEmpty || !marks.isEmpty || !ackDue.isEmpty else { return }
        pipeline.submit(
            LedgerBatch(marks: marks.compactMap { $0 }, completed: completed, failed: failed), acks: ackDue)
        completed.removeAll(keepingCapacity: true)
        failed.removeAll(keepingCapacity: true)
        marks.removeAll(keepingCapacity: true)
        startIndex.removeAll(keepingCapacity: true)
        ackDue.removeAll(keepingCapacity: true)
        oldestUncommitted = nil
    }

    private func sendAcks(_ acks: [PeerID: UInt64], _ socket: Socket) {
        for (peer, batch) in acks { try? send(.ack(batch: batch), to: peer, socket: socket) }
    }

    // MARK: State

    private func liveState(now: Double) -> LiveState {
        let snap = scheduler.snapshot(now: now)
        rateSamples.append((now, snap.done + snap.failed))
        while let first = rateSamples.first, now - first.t > 5, rateSamples.count > 2 { rateSamples.removeFirst() }
        var rate = 0.0
        if let first = rateSamples.first, now - first.t > 0.2 {
            rate = Double(snap.done + snap.failed - first.done) / (now - first.t)
        }
        let eta: Double? = rate > 0 ? Double(snap.remaining) / rate : nil
        return LiveState(
            updatedAt: Date().timeIntervalSince1970, startedAt: startedWall, endpoint: boundEndpoint,
            pid: Int(ProcessInfo.processInfo.processIdentifier), host: ProcessInfo.processInfo.hostName, phase: phase,
            failure: failure, scheduler: snap, doneBefore: doneBefore, rate: rate, eta: eta, badMessages: badMessages,
            stall: stall.current(now: now))
    }

    private func emit(_ level: LogRecord.Level, _ event: String, _ message: String, _ fields: [String: String] = [:]) {
        log(LogRecord(level, event, message, fields: fields))
    }
}
