import Factorization
import Foundation

/// Summary statistics of a sample.
struct Summary: Sendable, Hashable {
    var count: Int
    var mean: Double
    /// Sample standard deviation (n − 1); 0 for fewer than two values.
    var std: Double

    /// Statistics of the finite values (`nil` when there are none).
    init?(_ values: [Double]) {
        let v = values.filter(\.isFinite)
        guard !v.isEmpty else { return nil }
        count = v.count
        mean = v.reduce(0, +) / Double(v.count)
        let m = mean
        std = v.count < 2 ? 0 : (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
    }
}

/// The median and quartiles of a sample, by linear interpolation between closest ranks (numpy's
/// default `percentile` method, the one `dmfsweep query --stats pNN` uses).
struct Quartiles: Sendable, Hashable {
    var count: Int
    /// 25th percentile.
    var lower: Double
    var median: Double
    /// 75th percentile.
    var upper: Double

    /// Quartiles of the finite values (`nil` when there are none).
    init?(_ values: [Double]) {
        let v = values.filter(\.isFinite).sorted()
        guard !v.isEmpty else { return nil }
        count = v.count
        lower = Self.percentile(v, 0.25)
        median = Self.percentile(v, 0.5)
        upper = Self.percentile(v, 0.75)
    }

    /// The q-quantile (0…1) of sorted values: position q·(n − 1), interpolated linearly.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let t = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * t
    }
}
