import Factorization
import Sweeps

/// The coordinator's brain: which task goes to which worker, leases, liveness, retries.
///
/// A pure state machine: it owns no socket and no clock. The owner feeds it messages and ticks with
/// the current monotonic time in seconds and carries out the returned `SchedulerAction`s, in order.
///
/// Rules (docs/protocol.md, "Scheduling"):
/// - A worker gets tasks only against credit it granted (`ready`); tasks go out in batches.
/// - A task handed out is leased to that worker until a result arrives, the worker leaves or is
///   declared dead (silent for `liveness` heartbeat intervals), or the lease times out.
/// - Silence is judged by what the coordinator could hear: any message counts as a sign of life at
///   the time it is read (the `now` of `receive`), and time the owner itself was away (no event for
///   longer than half the liveness window: blocked, paused, starved of CPU) is not held against
///   any worker or lease. With `inputPending`, `tick` judges nobody (unread messages may be theirs)
///   unless input has been pending for a whole liveness window (reads are fair-queued across peers:
///   a live worker has had its turn by then).
/// - The first result for a key wins; later copies are counted as duplicates and ignored.
/// - A reported error, a timeout, or the death of a worker *known to be running the task* is a
///   confirmed attempt; at `maxAttempts` the task is `failed`. A task merely held by a dying worker
///   is re-queued uncharged but marked *isolated*: next time its worker runs it alone and announces
///   the start (`started`), so a death during it is attributed to it with certainty. Innocent tasks
///   therefore never fail because a neighbour crashed, and a poison task fails after
///   1 + `maxAttempts` worker deaths.
public struct Scheduler: Sendable {
    enum State: Sendable, Hashable {
        case queued
        case leased(PeerID, since: Double)
        case done
        case failed
    }

    struct Entry: Sendable {
        let task: ScheduledTask
        var state: State = .queued
        var attempts = 0
        var isolated = false
    }

    struct Worker: Sendable {
        var hello: Hello
        var lastSeen: Double
        var lastSent: Double
        var credit = 0
        var leases: Set<Int> = []
        /// Isolated leases it announced: a death is blamed on these (see the type's rules).
        var started: Set<Int> = []
        /// Leases it announced as started (`started`), isolated or not: recorded as running.
        var announced: Set<Int> = []
        var completed = 0
        var running = 0
    }

    /// The rules in force.
    public let config: SchedulerConfig
    private var entries: [Entry]
    private var index: [TaskKey: Int]
    private var queue: [Int]
    private var head = 0
    private var workers: [PeerID: Worker] = [:]
    private var resetSent: [PeerID: Double] = [:]
    /// Peers declared lost or unreachable this session that may still be listening (told at the end).
    private var forgotten: Set<PeerID> = []
    /// The time of the latest `receive` or `tick`: a longer gap than `awayAfter` is the owner's own
    /// absence, excused (see `attend(now:into:)`).
    private var lastEvent: Double?
    /// Since when every tick has come with `inputPending` (nil: the last one did not).
    private var pendingSince: Double?

    /// A gap between events longer than this (half the liveness window, at least one heartbeat
    /// interval) is the owner's own absence; shorter ones are its ordinary rhythm under load.
    var awayAfter: Double { max(config.heartbeatInterval, config.deadAfter / 2) }
    private var counters = SchedulerSnapshot()
    /// Whether new tasks are handed out (false after `stopDispatching()`).
    public private(set) var dispatching = true
    /// Whether dispatch waits for `SchedulerConfig.minimumWorkers` workers to say hello.
    public private(set) var waitingForWorkers: Bool
    /// Whether dispatch is held while the store catches up (`holdDispatch(_:now:)`).
    public private(set) var dispatchHeld = false

    /// Creates a scheduler for `tasks` (duplicates by key are kept once).
    /// - Parameters:
    ///   - tasks: the tasks to run, all queued.
    ///   - config: timing and retry rules.
    public init(tasks: [ScheduledTask], config: SchedulerConfig = SchedulerConfig()) {
        self.config = config
        waitingForWorkers = config.minimumWorkers > 0
        var entries: [Entry] = []
        var index: [TaskKey: Int] = [:]
        entries.reserveCapacity(tasks.count)
        for t in tasks where index[t.key] == nil {
            index[t.key] = entries.count
            entries.append(Entry(task: t))
        }
        self.entries = entries
        self.index = index
        self.queue = Array(entries.indices)
        counters.total = entries.count
    }

    // MARK: Queries

    /// Every task is done or failed.
    public var isComplete: Bool { counters.done + counters.failed == counters.total }

    /// Tasks leased to workers right now.
    public var inFlight: Int { workers.values.reduce(0) { $0 + $1.leases.count } }

    /// Whether `peer` has said hello and is alive.
    /// - Parameter peer: a routing id.
    /// - Returns: `true` while the peer counts as a worker.
    public func isConnected(_ peer: PeerID) -> Bool { workers[peer] != nil }

    /// The connected workers.
    public var peers: [PeerID] { Array(workers.keys) }

    /// Counters and workers, for progress and status.
    /// - Parameter now: the clock, in seconds (for the workers' `silentFor`).
    /// - Returns: a copy; later events do not change it.
    public func snapshot(now: Double) -> SchedulerSnapshot {
        var s = counters
        s.leased = inFlight
        s.queued = s.total - s.done - s.failed - s.leased
        s.running = workers.values.reduce(0) { $0 + min($1.running, $1.leases.count) }
        s.workers = workers.values.map {
            WorkerSummary(
                workerID: $0.hello.workerID, host: $0.hello.host, jobs: $0.hello.jobs, leased: $0.leases.count,
                completed: $0.completed, silentFor: max(0, now - $0.lastSeen), running: min($0.running, $0.leases.count)
            )
        }.sorted { $0.workerID < $1.workerID }
        return s
    }

    /// Where a task stands in the scheduler.
    public enum TaskStatus: String, Sendable, Hashable {
        /// Waiting to be handed out.
        case queued
        /// Leased to a worker.
        case leased
        /// Its result is in.
        case done
        /// Given up on after `maxAttempts` confirmed failed attempts.
        case failed
    }

    /// The state of one task, for tests and diagnostics, with its confirmed failed attempts and
    /// whether it runs isolated.
    /// - Parameter key: the task's key.
    /// - Returns: `nil` for a key the scheduler does not have.
    public func state(of key: TaskKey) -> (state: TaskStatus, attempts: Int, isolated: Bool)? {
        guard let i = index[key] else { return nil }
        let e = entries[i]
        let status: TaskStatus
        switch e.state {
        case .queued: status = .queued
        case .leased: status = .leased
        case .done: status = .done
        case .failed: status = .failed
        }
        return (status, e.attempts, e.isolated)
    }

    // MARK: Events

    /// Handles one message from `peer`. Never traps, whatever the peer sends.
    /// - Parameters:
    ///   - message: a decoded message.
    ///   - peer: its sender's routing id.
    ///   - now: the clock, in seconds.
    /// - Returns: what to do, in order.
    public mutating func receive(_ message: WireMessage, from peer: PeerID, now: Double) -> [SchedulerAction] {
        var out: [SchedulerAction] = []
        attend(now: now, into: &out)
        if case .hello(let hello) = message {
            if workers[peer] != nil { lose(peer, reason: "said hello again", charge: false, into: &out) }
            forgotten.remove(peer)
            workers[peer] = Worker(hello: hello, lastSeen: now, lastSent: now)
            resetSent[peer] = nil
            out.append(.log(.workerJoined(peer, workerID: hello.workerID, host: hello.host, jobs: hello.jobs)))
            adopt(hello.running, by: peer, now: now, into: &out)
            out.append(.send(peer, .welcome(welcome)))
            if isComplete {
                out.append(.send(peer, .shutdown(.complete, message: "the sweep is complete")))
            } else if !dispatching {
                out.append(.send(peer, .shutdown(.stopping, message: "the coordinator is stopping")))
            } else if waitingForWorkers && workers.count >= config.minimumWorkers {
                // Credit granted while waiting is served now.
                out.append(contentsOf: startDispatching(now: now))
            }
            return out
        }
        guard workers[peer] != nil else {
            counters.unknownPeerMessages += 1
            // One answer per stranger and heartbeat interval: a burst of its messages needs one.
            if let last = resetSent[peer], now - last < config.heartbeatInterval { return out }
            resetSent[peer] = now
            // After the end, the news itself (a reset would cost a hello round trip the coordinator
            // may not wait for); otherwise: say hello again.
            out.append(.send(peer, isComplete ? .shutdown(.complete, message: "the sweep is complete") : .reset))
            return out
        }
        // Optional chaining below, not `!`: the peer is known here, and nothing a peer sends may trap.
        workers[peer]?.lastSeen = now
        switch message {
        case .ready(let credit):
            let total = min((workers[peer]?.credit ?? 0) + credit, 1 << 20)
            workers[peer]?.credit = total
            dispatch(to: peer, now: now, into: &out)
        case .results(_, let results):
            for r in results { accept(r, from: peer, now: now, into: &out) }
            dispatchAll(now: now, into: &out)
        case .started(let keys):
            // The first announcement of a lease is a start (an isolated task is announced twice).
            // Only isolated tasks are blamed for a death: several plain tasks run at once.
            for key in keys {
                guard let i = index[key], workers[peer]?.leases.contains(i) == true else { continue }
                if entries[i].isolated { workers[peer]?.started.insert(i) }
                if workers[peer]?.announced.insert(i).inserted == true {
                    out.append(.started(key: key, peer: peer, secondsAgo: 0))
                }
            }
            // The echo tells the worker its announcement of an isolated task arrived: only then does
            // it start the task. Plain starts (every task announces its start) need no echo.
            let echo = keys.filter { key in
                index[key].map { entries[$0].isolated || workers[peer]?.leases.contains($0) != true } ?? true
            }
            if !echo.isEmpty { out.append(.send(peer, .started(echo))) }
        case .heartbeat(let running, _):
            workers[peer]?.running = running
        case .bye(let reason):
            lose(peer, reason: "left: \(reason)", charge: false, remember: false, into: &out)
            dispatchAll(now: now, into: &out)
        case .hello, .welcome, .tasks, .ack, .shutdown, .reset, .rejected:
            counters.unexpectedMessages += 1
        }
        return out
    }

    /// Advances time: declares silent workers dead, expires leases, sends due heartbeats and hands
    /// re-queued tasks to workers with credit. The owner ticks often (every ≤ 0.1 s and a quarter
    /// heartbeat interval); a longer gap is its own absence and is excused (see the type's rules).
    /// - Parameters:
    ///   - now: the clock, in seconds (the same clock as for `receive`).
    ///   - inputPending: messages may be waiting unread (the owner stopped reading before its input
    ///     was empty): nobody is declared dead and no lease expires in this tick, since the news
    ///     that would save them may be among those messages.
    /// - Returns: what to do, in order.
    public mutating func tick(now: Double, inputPending: Bool = false) -> [SchedulerAction] {
        var out: [SchedulerAction] = []
        attend(now: now, into: &out)
        resetSent = resetSent.filter { now - $0.value < config.heartbeatInterval }
        pendingSince = inputPending ? (pendingSince ?? now) : nil
        if let since = pendingSince, now - since < config.deadAfter {
            // Judge nobody yet: the news that would save them may be among the unread messages.
        } else {
            expire(now: now, into: &out)
        }
        for (peer, w) in workers where now - w.lastSent >= config.heartbeatInterval {
            out.append(.send(peer, .heartbeat(running: 0, queued: 0)))
            workers[peer]?.lastSent = now
        }
        dispatchAll(now: now, into: &out)
        return out
    }

    /// Declares workers silent for longer than `deadAfter` dead and expires leases past `taskTimeout`.
    private mutating func expire(now: Double, into out: inout [SchedulerAction]) {
        for (peer, w) in workers where now - w.lastSeen > config.deadAfter {
            lose(peer, reason: "silent for \(config.liveness) heartbeat intervals", charge: true, into: &out)
        }
        if let timeout = config.taskTimeout {
            for (peer, w) in workers {
                for i in w.leases.sorted() {
                    guard case .leased(_, let since) = entries[i].state, now - since > timeout else { continue }
                    workers[peer]?.leases.remove(i)
                    workers[peer]?.started.remove(i)
                    workers[peer]?.announced.remove(i)
                    charge(i, error: "timed out after \(timeout) s on worker \(w.hello.workerID)", into: &out)
                }
            }
        }
    }

    /// Notes an event at `now`. If the previous one is more than `awayAfter` ago, the owner was away
    /// (blocked, paused, starved of CPU) and heard nothing meanwhile, whatever the workers sent:
    /// the excess is excused, i.e. every worker's last sign of life and every lease's start move
    /// forward by it. A worker that is really silent is still declared dead after `deadAfter`
    /// seconds of the owner's attention.
    private mutating func attend(now: Double, into out: inout [SchedulerAction]) {
        defer { lastEvent = max(lastEvent ?? now, now) }
        guard let last = lastEvent else { return }
        let away = now - last - awayAfter
        guard away > 0 else { return }
        for (peer, w) in workers {
            workers[peer]?.lastSeen = w.lastSeen + away
            for i in w.leases {
                if case .leased(let holder, let since) = entries[i].state {
                    entries[i].state = .leased(holder, since: since + away)
                }
            }
        }
        counters.excusedSeconds = (counters.excusedSeconds ?? 0) + away
        out.append(.log(.ownerAway(seconds: now - last, excused: away)))
    }

    /// Forgets a worker a message could not be sent to (its queue is full, or it is gone) and
    /// re-queues its leases uncharged at once, instead of leaving them leased until it is declared
    /// dead or a lease expires. If it is still there, its next message is answered with `reset`
    /// and it says hello again (listing what it runs, which it then keeps: adoption).
    /// - Parameters:
    ///   - peer: the worker.
    ///   - reason: why the send failed, for the log.
    ///   - now: the clock, in seconds.
    /// - Returns: what to do, in order (a log line, and dispatch to other workers).
    public mutating func unreachable(_ peer: PeerID, reason: String, now: Double) -> [SchedulerAction] {
        var out: [SchedulerAction] = []
        attend(now: now, into: &out)
        lose(peer, reason: "cannot send to it: \(reason)", charge: false, into: &out)
        dispatchAll(now: now, into: &out)
        return out
    }

    /// Stops handing out tasks (graceful shutdown); leased tasks may still report.
    public mutating func stopDispatching() { dispatching = false }

    /// Holds or resumes handing out tasks while results wait to be committed. A coordinator whose
    /// store falls behind stops feeding workers until it catches up: its backlog of uncommitted
    /// results (memory, and work a crash would redo) stays bounded, and the commit thread gets the
    /// CPU that workers running ahead would take from it. Leased tasks run on and report as usual;
    /// workers keep their credit.
    /// - Parameters:
    ///   - hold: `true` to hold, `false` to resume.
    ///   - now: the clock, in seconds.
    /// - Returns: on resuming, the task batches for workers with credit.
    public mutating func holdDispatch(_ hold: Bool, now: Double) -> [SchedulerAction] {
        guard hold != dispatchHeld else { return [] }
        dispatchHeld = hold
        var out: [SchedulerAction] = []
        if !hold { dispatchAll(now: now, into: &out) }
        return out
    }

    /// Starts handing out tasks without waiting for more workers (`SchedulerConfig.minimumWorkers`).
    /// - Parameter now: the clock, in seconds.
    /// - Returns: the task batches for workers that granted credit while dispatch waited.
    public mutating func startDispatching(now: Double) -> [SchedulerAction] {
        guard waitingForWorkers else { return [] }
        waitingForWorkers = false
        var out: [SchedulerAction] = []
        dispatchAll(now: now, into: &out)
        return out
    }

    /// Messages telling every connected worker the session is over, and every peer declared lost or
    /// unreachable this session (it may still be listening: without the news it would retry until
    /// its `--give-up-after`; a send to a peer that is gone fails harmlessly).
    /// - Parameters:
    ///   - reason: why it is over.
    ///   - message: one line for the workers' logs.
    /// - Returns: one `shutdown` per connected worker, sorted by routing id, then one per forgotten peer.
    public mutating func shutdownAll(_ reason: ShutdownReason, message: String) -> [SchedulerAction] {
        let order: (PeerID, PeerID) -> Bool = { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        return (workers.keys.sorted(by: order) + forgotten.subtracting(workers.keys).sorted(by: order)).map {
            SchedulerAction.send($0, .shutdown(reason, message: message))
        }
    }

    /// Whether `peer` was declared lost or unreachable this session and has not said hello since.
    /// - Parameter peer: a routing id.
    public func wasForgotten(_ peer: PeerID) -> Bool { forgotten.contains(peer) }

    // MARK: Internals

    private var welcome: Welcome {
        Welcome(
            session: config.session, heartbeatMilliseconds: Int((config.heartbeatInterval * 1000).rounded()),
            liveness: config.liveness, maxMessageBytes: config.maxMessageBytes)
    }

    private mutating func accept(_ r: WireResult, from peer: PeerID, now: Double, into out: inout [SchedulerAction]) {
        guard let i = index[r.key] else {
            counters.unknownResults += 1
            return
        }
        switch entries[i].state {
        case .done, .failed:
            counters.duplicates += 1
            return
        case .leased(let holder, _):
            workers[holder]?.leases.remove(i)
            workers[holder]?.started.remove(i)
            // A worker does not announce a task that finished before it looked (its start would
            // arrive with its result anyway): the result of an unannounced lease is its start.
            if workers[holder]?.announced.remove(i) == nil && holder == peer {
                out.append(.started(key: r.key, peer: peer, secondsAgo: r.seconds))
            }
        case .queued:
            break  // a result from an earlier session (resent after a coordinator restart)
        }
        workers[peer]?.completed += 1
        switch r.outcome {
        case .success(let result):
            entries[i].state = .done
            counters.done += 1
            out.append(.record(key: r.key, result: result, seconds: r.seconds))
        case .failure(let message):
            charge(i, error: message, final: r.isFinal, into: &out)
        }
    }

    /// Leases the tasks a (re)connecting worker says it is running to it, when they are queued
    /// here: a restarted coordinator adopts work in flight instead of computing it twice. An
    /// adopted task is announced as started (a death while running it is a confirmed attempt) but
    /// is not a new attempt. Keys that are unknown, done, failed or leased to another worker are
    /// left alone (a result still wins if it comes first).
    private mutating func adopt(_ keys: [TaskKey], by peer: PeerID, now: Double, into out: inout [SchedulerAction]) {
        guard workers[peer] != nil, !keys.isEmpty else { return }
        var adopted: [TaskKey] = []
        for key in keys {
            guard let i = index[key], case .queued = entries[i].state else { continue }
            entries[i].state = .leased(peer, since: now)
            workers[peer]?.leases.insert(i)
            workers[peer]?.started.insert(i)
            workers[peer]?.announced.insert(i)
            adopted.append(key)
            out.append(.adopted(key: key, peer: peer))
        }
        counters.adopted = (counters.adopted ?? 0) + adopted.count
        if !adopted.isEmpty, let id = workers[peer]?.hello.workerID {
            out.append(.log(.tasksAdopted(peer, workerID: id, keys: adopted)))
        }
    }

    /// Counts a confirmed failed attempt: fails the task at `maxAttempts` (or at once when `final`:
    /// another attempt would fail the same way), else re-queues it (at the front when `front`: a
    /// task lost with its worker, not one that reported an error).
    private mutating func charge(
        _ i: Int, error: String, final: Bool = false, front: Bool = false, into out: inout [SchedulerAction]
    ) {
        entries[i].attempts += 1
        let key = entries[i].task.key
        if final || entries[i].attempts >= config.maxAttempts {
            entries[i].state = .failed
            counters.failed += 1
            out.append(.fail(key: key, error: error, attempts: entries[i].attempts))
            out.append(.log(.taskFailed(key, attempts: entries[i].attempts, error: error)))
        } else {
            requeue(i, front: front, into: &out)
            out.append(.log(.taskRetried(key, attempt: entries[i].attempts, error: error)))
        }
    }

    /// Puts a task back in the queue: at the back, or at the front (next to be handed out).
    private mutating func requeue(_ i: Int, front: Bool = false, into out: inout [SchedulerAction]) {
        entries[i].state = .queued
        counters.requeues += 1
        if !front {
            queue.append(i)
        } else if head > 0 {
            head -= 1
            queue[head] = i
        } else {
            queue.insert(i, at: 0)
        }
        out.append(.released(key: entries[i].task.key))
    }

    /// Forgets a worker and re-queues its leases. With `charge`, a task it had announced as started
    /// is a confirmed attempt; other held tasks go back uncharged, isolated. The leases go to the
    /// front of the queue, in sweep order: they are the oldest work, and at the back they would
    /// wait for the whole queue (a worker cut off mid-sweep would delay the sweep's end by then).
    /// With `remember`, it is among the peers `shutdownAll` tells (it may still be listening).
    private mutating func lose(
        _ peer: PeerID, reason: String, charge: Bool, remember: Bool = true, into out: inout [SchedulerAction]
    ) {
        guard let w = workers.removeValue(forKey: peer) else { return }
        if charge { counters.deaths += 1 }
        // Remembered (boundedly) to be told when the session ends; a peer that said bye knows already.
        if remember && forgotten.count < 100_000 { forgotten.insert(peer) }
        for i in w.leases.sorted().reversed() {
            if charge && w.started.contains(i) {
                self.charge(i, error: "worker \(w.hello.workerID) died while running it", front: true, into: &out)
            } else {
                if charge { entries[i].isolated = true }
                requeue(i, front: true, into: &out)
            }
        }
        let id = w.hello.workerID
        out.append(
            .log(
                charge
                    ? .workerLost(peer, workerID: id, reason: reason, requeued: w.leases.count)
                    : .workerLeft(peer, workerID: id, reason: reason, requeued: w.leases.count)))
    }

    /// Hands queued tasks to every worker with credit; returns whether anything was sent.
    /// Called after every result: with nothing queued (the usual case) it costs nothing, and
    /// otherwise only workers with credit are sorted, not every peer (hundreds of peers sorted per
    /// result made a drain of a backlog of results outlast the workers' liveness).
    @discardableResult
    private mutating func dispatchAll(now: Double, into out: inout [SchedulerAction]) -> Bool {
        guard dispatching, !waitingForWorkers, !dispatchHeld, hasQueued() else { return false }
        let before = out.count
        let hungry = workers.compactMap { $0.value.credit > 0 ? $0.key : nil }
        for peer in hungry.sorted(by: { $0.bytes.lexicographicallyPrecedes($1.bytes) }) {
            dispatch(to: peer, now: now, into: &out)
        }
        return out.count > before
    }

    /// Whether a task is queued (drops stale queue entries of tasks that moved on).
    private mutating func hasQueued() -> Bool {
        while head < queue.count {
            if case .queued = entries[queue[head]].state { return true }
            head += 1
        }
        compactQueueIfNeeded()
        return false
    }

    private mutating func dispatch(to peer: PeerID, now: Double, into out: inout [SchedulerAction]) {
        guard dispatching, !waitingForWorkers, !dispatchHeld, var w = workers[peer] else { return }
        while w.credit > 0 {
            var batch: [WireTask] = []
            let limit = min(w.credit, config.maxTasksPerMessage)
            while batch.count < limit, let i = popQueued() {
                let e = entries[i]
                entries[i].state = .leased(peer, since: now)
                w.leases.insert(i)
                batch.append(
                    WireTask(
                        key: e.task.key, kind: e.task.kind, attempt: e.attempts, isolated: e.isolated,
                        config: e.task.config))
            }
            if batch.isEmpty { break }
            w.credit -= batch.count
            w.lastSent = now
            out.append(.send(peer, .tasks(batch)))
        }
        workers[peer] = w
    }

    /// The next task still queued (skipping stale queue entries of tasks that moved on).
    private mutating func popQueued() -> Int? {
        while head < queue.count {
            let i = queue[head]
            head += 1
            if case .queued = entries[i].state {
                compactQueueIfNeeded()
                return i
            }
        }
        compactQueueIfNeeded()
        return nil
    }

    private mutating func compactQueueIfNeeded() {
        if head > 4096 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}
