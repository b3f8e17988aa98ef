/// One axis of a figure: its label, scale and (optionally) a fixed domain.
public struct AxisSpec: Sendable, Hashable {
    /// Text under (x) or beside (y) the axis, e.g. "step".
    public var label: String
    /// Linear or logarithmic.
    public var scale: ScaleKind
    /// A fixed data interval; `nil` means fitted to the data (and widened to nice ticks).
    public var domain: ClosedRange<Double>?
    /// Whether an automatic linear domain must include 0.
    public var includeZero: Bool

    /// Creates a value from its members (see the properties).
    public init(
        _ label: String, scale: ScaleKind = .linear, domain: ClosedRange<Double>? = nil, includeZero: Bool = false
    ) {
        self.label = label
        self.scale = scale
        self.domain = domain
        self.includeZero = includeZero
    }
}
