import Foundation

/// Appends little-endian binary values to a growing byte array (the wire bodies of `WireMessage`).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }

    /// A count that must fit in 32 bits (collections on the wire are far smaller).
    mutating func count(_ n: Int) { u32(UInt32(clamping: n)) }

    mutating func optionalF64(_ v: Double?) {
        if let v {
            u8(1)
            f64(v)
        } else {
            u8(0)
        }
    }

    mutating func optionalI64(_ v: Int?) {
        if let v {
            u8(1)
            i64(v)
        } else {
            u8(0)
        }
    }

    /// UTF-8 bytes with a 32-bit length prefix.
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            count(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func f64Array(_ values: [Double]) {
        count(values.count)
        for v in values { f64(v) }
    }
}

/// Reads what `ByteWriter` wrote, bounds-checked: running past the end throws `WireError.truncated`
/// instead of trapping, so garbage from the network can never crash the reader.
struct ByteReader {
    private let base: UnsafeRawBufferPointer
    private(set) var offset = 0
    /// Which message is being read, for error messages.
    let context: String

    init(_ buffer: UnsafeRawBufferPointer, context: String) {
        base = buffer
        self.context = context
    }

    var remaining: Int { base.count - offset }

    private mutating func take(_ n: Int) throws(WireError) -> Int {
        guard n >= 0, n <= remaining else { throw WireError.truncated(context) }
        let at = offset
        offset += n
        return at
    }

    mutating func u8() throws(WireError) -> UInt8 { base[try take(1)] }

    mutating func bool() throws(WireError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        default: throw WireError.invalidValue(context, "boolean")
        }
    }

    mutating func u16() throws(WireError) -> UInt16 {
        UInt16(littleEndian: base.loadUnaligned(fromByteOffset: try take(2), as: UInt16.self))
    }

    mutating func u32() throws(WireError) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: try take(4), as: UInt32.self))
    }

    mutating func u64() throws(WireError) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: try take(8), as: UInt64.self))
    }

    mutating func i64() throws(WireError) -> Int { Int(Int64(bitPattern: try u64())) }
    mutating func f64() throws(WireError) -> Double { Double(bitPattern: try u64()) }

    /// A collection count; each element needs at least `minimumElementSize` bytes, so a forged huge
    /// count is rejected before anything is allocated for it.
    mutating func count(minimumElementSize: Int) throws(WireError) -> Int {
        let n = Int(try u32())
        guard n <= remaining / max(minimumElementSize, 1) else { throw WireError.truncated(context) }
        return n
    }

    mutating func optionalF64() throws(WireError) -> Double? { try bool() ? try f64() : nil }
    mutating func optionalI64() throws(WireError) -> Int? { try bool() ? try i64() : nil }

    mutating func string() throws(WireError) -> String {
        let n = try count(minimumElementSize: 1)
        let at = try take(n)
        let slice = UnsafeRawBufferPointer(rebasing: base[at..<(at + n)])
        guard let s = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw WireError.invalidValue(context, "UTF-8 string")
        }
        return s
    }

    mutating func f64Array() throws(WireError) -> [Double] {
        let n = try count(minimumElementSize: 8)
        var out: [Double] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try f64()) }
        return out
    }

    /// Requires that every byte was consumed.
    func finish() throws(WireError) {
        guard remaining == 0 else { throw WireError.trailingBytes(context, remaining) }
    }
}
