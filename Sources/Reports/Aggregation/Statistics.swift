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
