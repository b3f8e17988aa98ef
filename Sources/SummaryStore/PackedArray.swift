import Foundation

/// Compact BLOB encodings for numeric arrays: 8 bytes per element, little-endian, no header
/// (the element count is the BLOB length / 8). Readable from numpy with
/// `np.frombuffer(blob, dtype='<f8')` (or `'<i8'` for integers).
enum PackedArray {
    /// Packs reals as little-endian IEEE-754 binary64.
    static func pack(_ values: [Double]) -> Data {
        var data = Data(count: values.count * 8)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self)
            }
        }
        return data
    }

    /// Packs integers as little-endian two's-complement int64.
    static func pack(_ values: [Int]) -> Data {
        var data = Data(count: values.count * 8)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                raw.storeBytes(of: Int64(v).littleEndian, toByteOffset: i * 8, as: Int64.self)
            }
        }
        return data
    }

    /// Unpacks reals; `nil` when the length is not a multiple of 8.
    static func doubles(_ data: Data) -> [Double]? {
        guard data.count % 8 == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 8)).map {
                Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))
            }
        }
    }

    /// Unpacks integers; `nil` when the length is not a multiple of 8.
    static func ints(_ data: Data) -> [Int]? {
        guard data.count % 8 == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 8)).map {
                Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)))
            }
        }
    }
}
