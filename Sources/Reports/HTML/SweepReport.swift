import Foundation

/// One sweep's section of the report.
public struct SweepReport: Sendable, Hashable {
    /// The sweep name (the section heading).
    public var name: String
    /// The question the sweep answers (from the comment at the top of its file), if known.
    public var question: String?
    /// Headline facts: tasks, statuses, compute time, …
    public var summary: [KeyValue]
    /// Figures, in order.
    public var figures: [ReportFigure]
    /// Tables, in order, after the figures.
    public var tables: [ReportTable]
    /// The sweep file as stored.
    public var specText: String

    /// Creates a value from its members (see the properties).
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
        /// Effective rank (or another measure) against step.
        case staircase(StaircaseData)
        /// A value over a grid of two parameters.
        case heatmap(HeatmapData)
        /// Measured against predicted interval starts.
        case predictedVsMeasured(PredictedVsMeasuredData)
        /// Run-status fractions per parameter value.
        case status(StatusData)
        /// Summaries over runs against a step or a parameter, one curve per group.
        case curves(CurveData)
        /// Any other chart.
        case figure(Figure)
    }

    /// The chart.
    public var content: Content
    /// Text under the chart (empty: none).
    public var caption: String

    /// A figure of the report.
    /// - Parameters:
    ///   - content: the chart.
    ///   - caption: text under the chart (empty: none).
    public init(_ content: Content, caption: String = "") {
        self.content = content
        self.caption = caption
    }

    /// The SVG markup (`id` unique within the document).
    /// - Parameter id: a prefix for element ids.
    /// - Returns: the SVG markup.
    public func svg(id: String?) -> String {
        switch content {
        case .staircase(let d): return d.figure().svg(id: id)
        case .heatmap(let d): return d.svg(id: id)
        case .predictedVsMeasured(let d): return d.figure().svg(id: id)
        case .status(let d): return d.svg(id: id)
        case .curves(let d): return d.figure().svg(id: id)
        case .figure(let f): return f.svg(id: id)
        }
    }
}

/// A table of the report (cells already formatted).
public struct ReportTable: Sendable, Hashable {
    /// Text above the table.
    public var caption: String
    /// Column headings.
    public var columns: [String]
    /// Cells, row by row (each as many as `columns`).
    public var rows: [[String]]

    /// Creates a value from its members (see the properties).
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
