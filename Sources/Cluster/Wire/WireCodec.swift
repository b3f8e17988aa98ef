import Factorization
import Foundation
import Sweeps

/// Encodes and decodes `WireMessage`s as ZeroMQ frames (see docs/protocol.md).
///
/// Every message is two frames: a 6-byte header `D M F S version type` and a body of
/// little-endian binary fields (possibly empty). The ROUTER side sees the peer's routing id as an
/// extra first frame, which is not part of the message. Decoding never traps: any malformed input
/// becomes a `WireError`.
public enum WireCodec {
    /// The protocol version this build speaks.
    /// 2: `hello` lists the keys the worker is running (adoption by a restarted coordinator).
    /// 3: results carry the completion mask's observed entries and unobserved lines.
    /// 4: the configuration is written from the parameter registry (tagged values; new parameters
    /// rows, symmetric, width, alpha_scope, target, clean, mask) and the result carries the
    /// recovery errors (besides 3's mask counts).
    /// 5: the result carries targets and intervals under the ratio measure as well, and every
    /// trajectory point the product's Frobenius norm and (completion) the largest absolute value of
    /// the product over the unobserved entries.
    public static let version: UInt8 = 5
    /// The protocol tag that starts every header frame.
    public static let tag: [UInt8] = Array("DMFS".utf8)
    /// Default largest accepted message (header + body), in bytes.
    public static let defaultMaxMessageBytes = 64 << 20

    /// Bytes of a `results` message besides its results: header (6), batch (8) and count (4).
    public static let resultsMessageOverhead = 18

    /// An upper bound of the bytes one result takes in a `results` message (exact for the largest
    /// result of its shape; see `SimulationResult.encodedSizeBound`).
    /// - Parameter result: a finished task.
    /// - Returns: bytes.
    public static func encodedSizeBound(_ result: WireResult) -> Int {
        switch result.outcome {
        case .success(let s):
            let ratio = s.ratio ?? RankIntervals()
            let ranks = max(
                s.targets.count, s.intervals.count, s.predicted.count, ratio.targets.count, ratio.intervals.count,
                ratio.predicted.count)
            return SimulationResult.encodedSizeBound(ranks: ranks, records: s.trajectory.count)
        case .failure(let message):
            return 4 + result.key.hex.utf8.count + 8 + 1 + 4 + message.utf8.count
        }
    }

    /// The batch number of a `results` message that could not be decoded, read from its first
    /// 8 body bytes, so that the coordinator can say which batch it rejects.
    /// - Parameter frames: `[header, body]`.
    /// - Returns: the batch, or `nil` when the header is not a valid `results` header or the body is shorter.
    public static func resultsBatch<Frame: ContiguousBytes>(_ frames: some Collection<Frame>) -> UInt64? {
        guard frames.count == 2, (try? decodeHeader(frames[frames.startIndex])) == .results else { return nil }
        return frames[frames.index(after: frames.startIndex)].withUnsafeBytes { b -> UInt64? in
            guard b.count >= 8 else { return nil }
            return (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[$1]) << (8 * UInt64($1)) }
        }
    }

    /// The header frame for a message type.
    /// - Parameter type: the message type.
    /// - Returns: tag, version and type (6 bytes).
    public static func header(_ type: WireMessageType) -> [UInt8] { tag + [version, type.rawValue] }

    /// Encodes `message` as `[header, body]`.
    /// - Parameter message: the message to send.
    /// - Returns: the two frames, to send as one multipart message.
    public static func encode(_ message: WireMessage) -> [[UInt8]] {
        [header(message.type), body(message)]
    }

    /// The body frame of `message`.
    /// - Parameter message: the message to send.
    /// - Returns: its fields, little-endian.
    public static func body(_ message: WireMessage) -> [UInt8] {
        var w = ByteWriter()
        switch message {
        case .hello(let h):
            w.u8(version)
            w.string(h.workerID)
            w.string(h.host)
            w.i64(h.pid)
            w.u32(UInt32(clamping: h.cores))
            w.u32(UInt32(clamping: h.jobs))
            var mask: UInt32 = 0
            for kind in h.capabilities { mask |= 1 << UInt32(kind.rawValue) }
            w.u32(mask)
            w.count(h.running.count)
            for k in h.running { w.string(k.hex) }
        case .welcome(let wel):
            w.u64(wel.session)
            w.u32(UInt32(clamping: wel.heartbeatMilliseconds))
            w.u32(UInt32(clamping: wel.liveness))
            w.u64(UInt64(clamping: wel.maxMessageBytes))
        case .ready(let credit):
            w.u32(UInt32(clamping: credit))
        case .tasks(let tasks):
            w = ByteWriter(capacity: 16 + tasks.count * 220)
            w.count(tasks.count)
            for t in tasks { encodeTask(t, into: &w) }
        case .started(let keys):
            w.count(keys.count)
            for k in keys { w.string(k.hex) }
        case .results(let batch, let results):
            w = ByteWriter(capacity: 16 + results.count * 256)
            w.u64(batch)
            w.count(results.count)
            for r in results { encodeResult(r, into: &w) }
        case .ack(let batch):
            w.u64(batch)
        case .heartbeat(let running, let queued):
            w.u32(UInt32(clamping: running))
            w.u32(UInt32(clamping: queued))
        case .bye(let reason):
            w.string(reason)
        case .shutdown(let reason, let message):
            w.u8(reason.rawValue)
            w.string(message)
        case .reset:
            break
        case .rejected(let batch, let reason):
            w.u64(batch)
            w.string(reason)
        }
        return w.bytes
    }

    /// Decodes a message from its two frames.
    /// - Parameters:
    ///   - frames: `[header, body]` (without a ROUTER's routing-id frame).
    ///   - maxBytes: the largest accepted message.
    /// - Returns: the message, or the reason it was rejected.
    public static func decode<Frame: ContiguousBytes>(
        _ frames: some Collection<Frame>, maxBytes: Int = defaultMaxMessageBytes
    ) -> Result<WireMessage, WireError> {
        guard frames.count == 2 else { return .failure(.frameCount(frames.count)) }
        let header = frames[frames.startIndex]
        let body = frames[frames.index(after: frames.startIndex)]
        do throws(WireError) {
            let type = try decodeHeader(header)
            return .success(try decodeBody(body, type: type, maxBytes: maxBytes))
        } catch {
            return .failure(error)
        }
    }

    /// Checks a header frame and returns its message type.
    /// - Parameter frame: the first frame of a message (after ROUTER's routing id).
    /// - Returns: the type the header announces.
    /// - Throws: `WireError` for a wrong length, tag, version or type.
    public static func decodeHeader(_ frame: some ContiguousBytes) throws(WireError) -> WireMessageType {
        let parsed: Result<WireMessageType, WireError> = frame.withUnsafeBytes { h in
            guard h.count == 6, h[0] == tag[0], h[1] == tag[1], h[2] == tag[2], h[3] == tag[3] else {
                return .failure(.badTag)
            }
            guard h[4] == version else { return .failure(.unsupportedVersion(h[4])) }
            guard let type = WireMessageType(rawValue: h[5]) else { return .failure(.unknownType(h[5])) }
            return .success(type)
        }
        return try parsed.get()
    }

    /// Decodes a body frame of a known type.
    /// - Parameters:
    ///   - frame: the second frame of the message.
    ///   - type: the type from `decodeHeader`.
    ///   - maxBytes: the largest accepted message, header included.
    /// - Returns: the message.
    /// - Throws: `WireError` for an oversized, truncated or malformed body.
    public static func decodeBody(
        _ frame: some ContiguousBytes, type: WireMessageType, maxBytes: Int = defaultMaxMessageBytes
    ) throws(WireError) -> WireMessage {
        let parsed: Result<WireMessage, WireError> = frame.withUnsafeBytes { raw in
            guard raw.count + 6 <= maxBytes else { return .failure(.oversized(bytes: raw.count + 6, limit: maxBytes)) }
            var r = ByteReader(raw, context: "\(type)")
            do throws(WireError) {
                let m = try decodeFields(&r, type: type)
                try r.finish()
                return .success(m)
            } catch {
                return .failure(error)
            }
        }
        return try parsed.get()
    }

    private static func decodeFields(_ r: inout ByteReader, type: WireMessageType) throws(WireError) -> WireMessage {
        switch type {
        case .hello:
            let v = try r.u8()
            guard v == version else { throw WireError.unsupportedVersion(v) }
            let id = try r.string()
            let host = try r.string()
            let pid = try r.i64()
            let cores = Int(try r.u32())
            let jobs = Int(try r.u32())
            guard jobs >= 1, jobs <= 4096, id.utf8.count <= 256, host.utf8.count <= 256 else {
                throw WireError.invalidValue("hello", "worker description")
            }
            let mask = try r.u32()
            var caps = Set<TaskKind>()
            for bit in 0..<32 where mask & (1 << UInt32(bit)) != 0 {
                if let kind = TaskKind(rawValue: UInt8(bit)) { caps.insert(kind) }
            }
            let n = try r.count(minimumElementSize: 5)
            var running: [TaskKey] = []
            running.reserveCapacity(n)
            for _ in 0..<n { running.append(try decodeKey(&r)) }
            return .hello(
                Hello(
                    workerID: id, host: host, pid: pid, cores: cores, jobs: jobs, capabilities: caps, running: running))
        case .welcome:
            let session = try r.u64()
            let hb = Int(try r.u32())
            let live = Int(try r.u32())
            let max = Int(clamping: try r.u64())
            return .welcome(Welcome(session: session, heartbeatMilliseconds: hb, liveness: live, maxMessageBytes: max))
        case .ready:
            return .ready(credit: Int(try r.u32()))
        case .tasks:
            let n = try r.count(minimumElementSize: 40)
            var tasks: [WireTask] = []
            tasks.reserveCapacity(n)
            for _ in 0..<n { tasks.append(try decodeTask(&r)) }
            return .tasks(tasks)
        case .started:
            let n = try r.count(minimumElementSize: 4)
            var keys: [TaskKey] = []
            for _ in 0..<n { keys.append(try decodeKey(&r)) }
            return .started(keys)
        case .results:
            let batch = try r.u64()
            let n = try r.count(minimumElementSize: 13)
            var results: [WireResult] = []
            results.reserveCapacity(n)
            for _ in 0..<n { results.append(try decodeResult(&r)) }
            return .results(batch: batch, results)
        case .ack:
            return .ack(batch: try r.u64())
        case .heartbeat:
            return .heartbeat(running: Int(try r.u32()), queued: Int(try r.u32()))
        case .bye:
            return .bye(reason: try r.string())
        case .shutdown:
            guard let reason = ShutdownReason(rawValue: try r.u8()) else {
                throw WireError.invalidValue("shutdown", "reason")
            }
            return .shutdown(reason, message: try r.string())
        case .reset:
            return .reset
        case .rejected:
            return .rejected(batch: try r.u64(), reason: try r.string())
        }
    }

    static func decodeKey(_ r: inout ByteReader) throws(WireError) -> TaskKey {
        let hex = try r.string()
        guard !hex.isEmpty, hex.utf8.count <= 128 else { throw WireError.invalidValue(r.context, "task key") }
        return TaskKey(hex: hex)
    }

    private static func encodeTask(_ t: WireTask, into w: inout ByteWriter) {
        w.string(t.key.hex)
        w.u8(t.kind.rawValue)
        w.u32(UInt32(clamping: t.attempt))
        w.bool(t.isolated)
        encodeConfig(t.config, into: &w)
    }

    private static func decodeTask(_ r: inout ByteReader) throws(WireError) -> WireTask {
        let key = try decodeKey(&r)
        guard let kind = TaskKind(rawValue: try r.u8()) else { throw WireError.invalidValue("tasks", "task kind") }
        let attempt = Int(try r.u32())
        let isolated = try r.bool()
        let config = try decodeConfig(&r)
        return WireTask(key: key, kind: kind, attempt: attempt, isolated: isolated, config: config)
    }

    private static func encodeResult(_ result: WireResult, into w: inout ByteWriter) {
        w.string(result.key.hex)
        w.f64(result.seconds)
        switch result.outcome {
        case .success(let s):
            w.u8(0)
            encodeSimulationResult(s, into: &w)
        case .failure(let message):
            w.u8(result.isFinal ? 2 : 1)
            w.string(message)
        }
    }

    private static func decodeResult(_ r: inout ByteReader) throws(WireError) -> WireResult {
        let key = try decodeKey(&r)
        let seconds = try r.f64()
        switch try r.u8() {
        case 0: return WireResult(key: key, outcome: .success(try decodeSimulationResult(&r)), seconds: seconds)
        case 1: return WireResult(key: key, outcome: .failure(try r.string()), seconds: seconds)
        case 2: return WireResult(key: key, outcome: .failure(try r.string()), seconds: seconds, isFinal: true)
        default: throw WireError.invalidValue("results", "outcome")
        }
    }
}
