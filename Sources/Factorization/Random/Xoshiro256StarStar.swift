/// xoshiro256** 1.0 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro256starstar.c), seeded
/// through SplitMix64 as its authors recommend. Implemented here so that a seed gives the same
/// numbers on every machine, every OS and every Swift version (Swift's own generator is not
/// reproducible).
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Hashable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// Seeds the four words of state from `seed` with SplitMix64.
    /// - Parameter seed: any 64-bit seed, 0 included.
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s = (sm.next(), sm.next(), sm.next(), sm.next())
    }

    /// Starts from an explicit state (for known-answer tests against the reference C code).
    /// - Parameter state: the four state words.
    /// - Precondition: the state is not all zero.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "xoshiro256** state must not be all zero")
        s = state
    }

    /// The next 64 random bits.
    /// - Returns: a uniformly distributed `UInt64`.
    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    /// - Returns: a number u with 0 ≤ u < 1.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Whether both generators are in the same state (and so produce the same numbers).
    public static func == (a: Self, b: Self) -> Bool {
        a.s.0 == b.s.0 && a.s.1 == b.s.1 && a.s.2 == b.s.2 && a.s.3 == b.s.3
    }

    /// Hashes the state.
    public func hash(into h: inout Hasher) {
        h.combine(s.0)
        h.combine(s.1)
        h.combine(s.2)
        h.combine(s.3)
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
