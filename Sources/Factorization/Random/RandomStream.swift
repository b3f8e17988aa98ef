import Foundation

/// What a stream of random numbers is used for. Each purpose draws from its own generator derived
/// from the task seed, so changing one choice (say the initialisation) leaves the others (the ground
/// truth, the measurements, the noise) bit-for-bit unchanged.
public enum RandomPurpose: UInt64, Sendable, CaseIterable {
    /// The Haar-random eigenbasis V of the ground truth.
    case truth = 1
    /// The sensing measurement matrix A.
    case measurements = 2
    /// The completion mask Ω.
    case mask = 3
    /// The symmetric noise added to Y.
    case noise = 4
    /// The factors' initialisation (orthogonal / gaussian).
    case initialisation = 5
}

/// A deterministic stream of uniform and standard Gaussian numbers: xoshiro256** plus Box–Muller.
///
/// The sub-seed of a purpose is the first output of SplitMix64 started at
/// `seed ⊕ (purpose · 0x9E3779B97F4A7C15)`; xoshiro256** is then seeded from that sub-seed through
/// SplitMix64 as usual. Gaussians use the Box–Muller transform on two uniforms `u1 ∈ (0, 1]`,
/// `u2 ∈ [0, 1)`: `√(−2 ln u1)·cos(2π u2)` and then `√(−2 ln u1)·sin(2π u2)` (both used, in that order).
public struct RandomStream: Sendable {
    private var generator: Xoshiro256StarStar
    private var spare: Double? = nil

    /// The stream for `purpose` of the task with seed `seed`.
    /// - Parameters:
    ///   - seed: the task's seed.
    ///   - purpose: what the numbers are for; each purpose gets an independent stream.
    public init(seed: UInt64, purpose: RandomPurpose) {
        var mixer = SplitMix64(seed: seed ^ (purpose.rawValue &* 0x9E37_79B9_7F4A_7C15))
        generator = Xoshiro256StarStar(seed: mixer.next())
    }

    /// A stream seeded directly (for tests and benchmarks).
    /// - Parameter seed: the initial seed.
    public init(seed: UInt64) {
        generator = Xoshiro256StarStar(seed: seed)
    }

    /// A uniform double in [0, 1).
    /// - Returns: a number u with 0 ≤ u < 1.
    public mutating func uniform() -> Double { generator.nextUnit() }

    /// A standard normal N(0, 1) sample.
    /// - Returns: the sample.
    public mutating func gaussian() -> Double {
        if let s = spare {
            spare = nil
            return s
        }
        let u1 = 1 - generator.nextUnit()  // (0, 1]: log stays finite
        let u2 = generator.nextUnit()
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spare = radius * sin(angle)
        return radius * cos(angle)
    }

    /// A rows×columns matrix of i.i.d. N(0, std²) entries, filled in column-major order.
    /// - Parameters:
    ///   - rows: the number of rows.
    ///   - columns: the number of columns.
    ///   - std: the standard deviation of each entry.
    /// - Returns: the matrix.
    public mutating func gaussianMatrix(rows: Int, columns: Int, std: Double = 1) -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        for k in 0..<(rows * columns) { m.elements[k] = std * gaussian() }
        return m
    }

    /// A Haar-distributed random n×n orthogonal matrix (QR of a Gaussian matrix with the sign fix).
    /// - Parameter n: the dimension.
    /// - Returns: the orthogonal matrix.
    /// - Throws: `LinearAlgebraError` if LAPACK fails (it does not for finite input).
    public mutating func haarOrthogonal(_ n: Int) throws(LinearAlgebraError) -> Matrix {
        try gaussianMatrix(rows: n, columns: n).orthogonalFactor()
    }
}
