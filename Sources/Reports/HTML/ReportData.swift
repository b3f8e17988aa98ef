import Foundation

/// Everything the HTML report shows, as plain data: built by `ReportLoader` from a store, or by hand.
public struct ReportData: Sendable, Hashable {
    public var title: String
    public var metadata: RunMetadata
    public var sweeps: [SweepReport]

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

    public init(generated: Date, entries: [KeyValue]) {
        self.generated = generated
        self.entries = entries
    }

    /// Facts about this process's environment: dmfsweep version, OS, host, CPU count, memory.
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
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// One sweep's section of the report.
public struct SweepReport: Sendable, Hashable {
    public var name: String
    /// The question the sweep answers (from the comment at the top of its file), if known.
    public var question: String?
    /// Headline facts: tasks, statuses, compute time, …
    public var summary: [KeyValue]
    public var figures: [ReportFigure]
    public var tables: [ReportTable]
    /// The sweep file as stored.
    public var specText: String

    public init(
        name: String, question: String? = nil, summary: [KeyValue] = [], figures: [ReportFigure] = [],
        tables: [ReportTable] = [], specText: String = ""
    ) {
        self.name = name
        self.question = question
        self.summary = summary
        self.figures = figures
        self.tables = tables
        self.specText = specText
    }
}

/// A figure of the report with its caption.
public struct ReportFigure: Sendable, Hashable {
    /// What is drawn.
    public enum Content: Sendable, Hashable {
        case staircase(StaircaseData)
        case heatmap(HeatmapData)
        case predictedVsMeasured(PredictedVsMeasuredData)
        case status(StatusData)
        case figure(Figure)
    }

    public var content: Content
    public var caption: String

    public init(_ content: Content, caption: String = "") {
        self.content = content
        self.caption = caption
    }

    /// The SVG markup (`id` unique within the document).
    public func svg(id: String?) -> String {
        switch content {
        case .staircase(let d): return d.figure().svg(id: id)
        case .heatmap(let d): return d.svg(id: id)
        case .predictedVsMeasured(let d): return d.figure().svg(id: id)
        case .status(let d): return d.svg(id: id)
        case .figure(let f): return f.svg(id: id)
        }
    }
}

/// A table of the report (cells already formatted).
public struct ReportTable: Sendable, Hashable {
    public var caption: String
    public var columns: [String]
    public var rows: [[String]]

    public init(caption: String, columns: [String], rows: [[String]]) {
        self.caption = caption
        self.columns = columns
        self.rows = rows
    }

    /// As CSV (RFC 4180 quoting), for copying into other tools.
    public var csv: String {
        func q(_ s: String) -> String {
            s.contains(where: { ",\"\n".contains($0) })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([columns] + rows).map { $0.map(q).joined(separator: ",") }.joined(separator: "\n")
    }
}
