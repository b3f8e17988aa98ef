/// A data point.
public struct Point: Sendable, Hashable, Codable {
    /// Horizontal coordinate, in data units.
    public var x: Double
    /// Vertical coordinate, in data units.
    public var y: Double
    /// The point (x, y).
    /// - Parameters:
    ///   - x: horizontal coordinate, in data units.
    ///   - y: vertical coordinate, in data units.
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}
