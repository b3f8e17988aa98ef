import Foundation

/// Everything the HTML report shows, as plain data: built by `ReportLoader` from a store, or by hand.
public struct ReportData: Sendable, Hashable {
    /// The page title.
    public var title: String
    /// When and how the report was made.
    public var metadata: RunMetadata
    /// One section per sweep.
    public var sweeps: [SweepReport]

    /// Creates a value from its members (see the properties).
    public init(title: String = "dmfsweep report", metadata: RunMetadata, sweeps: [SweepReport]) {
        self.title = title
        self.metadata = metadata
        self.sweeps = sweeps
    }
}

/// Facts about the software, the machine and the runs, shown as a key–value table.
public struct RunMetadata: Sendable, Hashable {
    /// When the report was made.
    public var generated: Date
    /// Ordered facts: ("dmfsweep", "0.1.0"), ("host", …), ("total compute", "12.3 s"), …
    public var entries: [KeyValue]

    /// Creates a value from its members (see the properties).
    public init(generated: Date, entries: [KeyValue]) {
        self.generated = generated
        self.entries = entries
    }

    /// Facts about this process's environment: dmfsweep version, OS, host, CPU count, memory.
    /// - Parameter version: the dmfsweep version.
    /// - Returns: labelled facts, in display order.
    public static func environment(version: String) -> [KeyValue] {
        let info = ProcessInfo.processInfo
        var out = [
            KeyValue("dmfsweep", version),
            KeyValue("operating system", info.operatingSystemVersionString),
            KeyValue("host", info.hostName),
            KeyValue("processors", "\(info.activeProcessorCount)"),
            KeyValue("memory", String(format: "%.1f GiB", Double(info.physicalMemory) / 1_073_741_824)),
        ]
        #if swift(>=6.3)
            out.insert(KeyValue("Swift", "6.3+"), at: 1)
        #elseif swift(>=6.0)
            out.insert(KeyValue("Swift", "6.x"), at: 1)
        #endif
        if let blas = info.environment["OPENBLAS_CORETYPE"] { out.append(KeyValue("OPENBLAS_CORETYPE", blas)) }
        return out
    }
}

/// A labelled value.
public struct KeyValue: Sendable, Hashable {
    /// The name shown on the left.
    public var key: String
    /// The value shown on the right.
    public var value: String
    /// A row of the metadata table.
    /// - Parameters:
    ///   - key: the name shown on the left.
    ///   - value: the value shown on the right.
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}
