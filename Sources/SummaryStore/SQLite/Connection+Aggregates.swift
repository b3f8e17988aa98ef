import CSQLite
import Foundation

/// `group_statistics(k, v, statistics)`: the aggregate behind every SQLite aggregate query
/// (`AggregateQuery.groupedSQL`). It groups its rows by hashing the integer `k` — SQLite 3.40's
/// `GROUP BY` sorts every row first, which was most of a query over 1M interval rows — and computes
/// per group, over the non-NULL values `v`, the statistics listed in `statistics` (the text of
/// `SQLAggregate.specification`, e.g. `count,mean,std,min,max,p0.5`), each as its PostgreSQL
/// counterpart computes it, with the same floating-point operations in the same order, so that an
/// aggregate query prints the same digits on both engines:
///
/// | `group_statistics` | PostgreSQL |
/// |---|---|
/// | `count` | `count(v)` |
/// | `mean` | `avg(v ORDER BY v)` |
/// | `std` | `stddev_samp(v ORDER BY v)` |
/// | `min`, `max` | `min(v)`, `max(v)` |
/// | `p`f | `percentile_cont(f) WITHIN GROUP (ORDER BY v)` |
///
/// The mean and the standard deviation take the values in ascending order: a sum of doubles
/// depends on the order of its terms, and the two engines hand an aggregate its rows in different
/// orders, so only a fixed order gives the same last digit on both (and between two query plans).
/// Both use the Youngs–Cramer updating algorithm of PostgreSQL's `float8_accum`
/// (src/backend/utils/adt/float.c; Youngs and Cramer, Technometrics 13, 1971, analysed by Chan,
/// Golub and LeVeque, Am. Stat. 37, 1983): `Sx += v`, `Sxx += (n·v − Sx)² / (n(n − 1))`, which
/// does not cancel catastrophically when |mean| ≫ std. `percentile_cont` is PostgreSQL's
/// (src/backend/utils/adt/orderedsetaggs.c): for n sorted values and a fraction f in [0, 1],
/// `x = f·(n − 1)`, `lo = v[⌊x⌋]`, `hi = v[⌈x⌉]`, result `lo + (x − ⌊x⌋)(hi − lo)` — linear
/// interpolation between closest ranks (Hyndman and Fan's type 7, numpy's default).
///
/// The result is one BLOB (`GroupStatistics`): per group, in ascending order of `k`, the key and
/// then one 8-byte slot per listed statistic. A group whose values are all NULL still appears
/// (count 0, its other statistics NULL, as with `GROUP BY`); the standard deviation of fewer than
/// two values is NULL. Finite values whose sum overflows fail the query ("value out of range:
/// overflow"), as on PostgreSQL. Memory: 8 bytes per non-NULL value plus, per group, a dictionary
/// entry and an array (about 100 bytes), the values of one group sorted in the final step unless
/// they arrived in order; the result holds 8 × (1 + statistics) bytes per group, so a grouping
/// into more than about 15M groups exceeds SQLite's largest BLOB (1e9 bytes, "string or blob too
/// big"). A sweep's natural groupings (parameters × ranks) have hundreds to thousands.
extension Connection {
    /// Registers `group_statistics` on this connection.
    /// - Throws: `StoreError.sqlite` when SQLite refuses the registration.
    func registerAggregates() throws(StoreError) {
        let rc = sqlite3_create_function_v2(
            db, GroupStatistics.functionName, 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nil, nil,
            groupStatisticsStep, groupStatisticsFinal, nil)
        try check(rc, "registering the aggregate \(GroupStatistics.functionName)", db: db)
    }
}

/// The accumulated groups of one `group_statistics` call. Its aggregate context holds a pointer to
/// it (allocated in the first step, freed in the final step): a struct behind a pointer, so the
/// per-row step pays neither reference counting nor dynamic exclusivity checks.
private struct GroupAccumulator {
    /// What to compute, from the third argument of the first row.
    let statistics: [SQLAggregate]
    /// Group key → index into `keys` and `values`.
    var index: [Int64: Int] = [:]
    var keys: [Int64] = []
    /// Each group's non-NULL values, in arrival order.
    var values: [[Double]] = []
    /// Some value of the group was smaller than the one before it.
    var unsorted: [Bool] = []
    /// The last row's key and group index (consecutive rows often share a group).
    var lastKey: Int64 = 0
    var lastGroup = -1

    init(statistics: [SQLAggregate]) { self.statistics = statistics }

    /// The index of `key`'s group, added if new.
    @inline(__always) mutating func group(_ key: Int64) -> Int {
        if lastGroup >= 0 && key == lastKey { return lastGroup }
        let g: Int
        if let found = index[key] {
            g = found
        } else {
            g = keys.count
            index[key] = g
            keys.append(key)
            values.append([])
            unsorted.append(false)
        }
        lastKey = key
        lastGroup = g
        return g
    }
}

/// xStep: finds the row's group and appends its value (NULL values only register the group).
private func groupStatisticsStep(
    _ context: OpaquePointer?, _ count: Int32, _ arguments: UnsafeMutablePointer<OpaquePointer?>?
) {
    guard let arguments, count == 3 else { return }
    let size = Int32(MemoryLayout<UnsafeMutablePointer<GroupAccumulator>?>.stride)
    guard let raw = sqlite3_aggregate_context(context, size) else {
        sqlite3_result_error_nomem(context)
        return
    }
    let slot = raw.bindMemory(to: UnsafeMutablePointer<GroupAccumulator>?.self, capacity: 1)
    let accumulator: UnsafeMutablePointer<GroupAccumulator>
    if let existing = slot.pointee {
        accumulator = existing
    } else {
        let text = sqlite3_value_text(arguments[2]).map { String(cString: $0) } ?? ""
        guard let statistics = SQLAggregate.statistics(specification: text) else {
            sqlite3_result_error(context, "group_statistics: bad statistics '\(text)'", -1)
            return
        }
        accumulator = .allocate(capacity: 1)
        accumulator.initialize(to: GroupAccumulator(statistics: statistics))
        slot.pointee = accumulator
    }
    let g = accumulator.pointee.group(sqlite3_value_int64(arguments[0]))
    guard let argument = arguments[1], sqlite3_value_type(argument) != SQLITE_NULL else { return }
    let value = sqlite3_value_double(argument)
    if let last = accumulator.pointee.values[g].last, value < last { accumulator.pointee.unsorted[g] = true }
    accumulator.pointee.values[g].append(value)
}

/// xFinal: computes every group's statistics into the result BLOB and releases the groups.
/// SQLite calls it once per call whose context exists, also when a statement is reset early;
/// without rows it gives an empty BLOB (no groups).
private func groupStatisticsFinal(_ context: OpaquePointer?) {
    guard let raw = sqlite3_aggregate_context(context, 0),
        let accumulator = raw.bindMemory(to: UnsafeMutablePointer<GroupAccumulator>?.self, capacity: 1).pointee
    else {
        sqlite3_result_zeroblob(context, 0)
        return
    }
    raw.bindMemory(to: UnsafeMutablePointer<GroupAccumulator>?.self, capacity: 1).pointee = nil
    defer {
        accumulator.deinitialize(count: 1)
        accumulator.deallocate()
    }
    switch GroupStatistics.encode(&accumulator.pointee) {
    case .success(let bytes):
        bytes.withUnsafeBytes { buffer in
            sqlite3_result_blob64(context, buffer.baseAddress, sqlite3_uint64(buffer.count), transientBlob)
        }
    case .failure(let message):
        sqlite3_result_error(context, message.text, -1)
    }
}

/// `SQLITE_TRANSIENT` (see Statement.swift): SQLite copies the result BLOB.
private let transientBlob = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// The result of `group_statistics`: its encoding (in the final step) and decoding (by the store).
///
/// Layout, little-endian: per group, ascending by key, the key (Int64) and then one 8-byte slot
/// per statistic in the order asked: `count` as an Int64, the others as the bits of a Double, NaN
/// for NULL (SQLite itself turns a NaN result into NULL, so no statistic is NaN otherwise).
enum GroupStatistics {
    /// The SQL name of the aggregate.
    static let functionName = "group_statistics"

    /// An error the final step reports as SQLite's.
    struct Failure: Error {
        let text: String
    }

    fileprivate static func encode(_ groups: inout GroupAccumulator) -> Result<[UInt8], Failure> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(groups.keys.count * 8 * (1 + groups.statistics.count))
        func put(_ word: UInt64) { withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) } }
        for g in groups.keys.indices.sorted(by: { groups.keys[$0] < groups.keys[$1] }) {
            if groups.unsorted[g] { groups.values[g].sort() }
            let values = groups.values[g]
            let needsMoments = groups.statistics.contains { $0 == .mean || $0 == .standardDeviation }
            let moments = needsMoments && !values.isEmpty ? YoungsCramer(values) : nil
            if needsMoments && !values.isEmpty && moments == nil {
                return .failure(Failure(text: "value out of range: overflow"))
            }
            put(UInt64(bitPattern: groups.keys[g]))
            for statistic in groups.statistics {
                var result: Double? = nil
                switch statistic {
                case .count:
                    put(UInt64(values.count))
                    continue
                case .mean:
                    result = moments.map { $0.sum / $0.count }
                case .standardDeviation:
                    result = moments.flatMap {
                        $0.count > 1 ? ($0.squaredDeviations / ($0.count - 1)).squareRoot() : nil
                    }
                case .min:
                    result = values.first
                case .max:
                    result = values.last
                case .percentile(let p):
                    let fraction = p / 100
                    guard (0...1).contains(fraction) else {
                        return .failure(Failure(text: "percentile value \(fraction) is not between 0 and 1"))
                    }
                    result = values.isEmpty ? nil : Statistic.percentileCont(fraction, ofSorted: values)
                }
                put((result ?? .nan).bitPattern)
            }
        }
        return .success(bytes)
    }

    /// Decodes a `group_statistics` BLOB.
    /// - Parameters:
    ///   - value: the BLOB (NULL or empty: no groups).
    ///   - statistics: the statistics it was asked for, in order.
    /// - Returns: per group, ascending by key, the key and each statistic's value (`count` an
    ///   integer, the others reals or NULL).
    /// - Throws: `StoreError.corruptValue` when the BLOB's length does not fit.
    static func decode(_ value: DatabaseValue, statistics: [SQLAggregate]) throws(StoreError)
        -> [(key: Int64, cells: [SQLAggregate: DatabaseValue])]
    {
        guard case .blob(let data) = value else { return [] }
        let width = 8 * (1 + statistics.count)
        guard data.count % width == 0 else {
            throw StoreError.corruptValue(
                table: "(query)", column: functionName, detail: "\(data.count) bytes, not groups of \(width)")
        }
        var groups: [(key: Int64, cells: [SQLAggregate: DatabaseValue])] = []
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            func word(_ offset: Int) -> UInt64 {
                UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            }
            var offset = 0
            while offset < buffer.count {
                let key = Int64(bitPattern: word(offset))
                var cells: [SQLAggregate: DatabaseValue] = [:]
                for (n, statistic) in statistics.enumerated() {
                    let bits = word(offset + 8 * (n + 1))
                    if statistic == .count {
                        cells[statistic] = .integer(Int(bits))
                    } else {
                        let v = Double(bitPattern: bits)
                        cells[statistic] = v.isNaN ? .null : .real(v)
                    }
                }
                groups.append((key, cells))
                offset += width
            }
        }
        return groups
    }
}

/// The count, sum and sum of squared deviations of values taken in order, by PostgreSQL's
/// `float8_accum` (see `Connection.registerAggregates`), operation for operation.
struct YoungsCramer {
    var count = 0.0
    var sum = 0.0
    var squaredDeviations = 0.0

    /// Accumulates `values` in order; `nil` when finite values overflow (PostgreSQL's
    /// "value out of range: overflow"). An infinite value makes the squared deviations NaN.
    init?<Values: Sequence>(_ values: Values) where Values.Element == Double {
        for v in values {
            let n = count + 1
            let sx = sum + v
            var sxx = squaredDeviations
            if count > 0 {
                let d = v * n - sx
                sxx += d * d / (n * count)
                if sx.isInfinite || sxx.isInfinite {
                    if !sum.isInfinite && !v.isInfinite { return nil }
                    sxx = .nan
                }
            } else if v.isNaN || v.isInfinite {
                sxx = .nan
            }
            count = n
            sum = sx
            squaredDeviations = sxx
        }
    }
}
