import Foundation

/// Renders `ReportData` as one self-contained HTML file: inline SVG figures and CSS, no scripts,
/// no external assets, readable offline and printable.
public enum HTMLReport {
    /// The complete HTML document. It is also well-formed XML (void elements self-closed), so
    /// tests can parse it.
    /// - Parameter data: the report.
    /// - Returns: the HTML text.
    public static func render(_ data: ReportData) -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        h += "<meta name=\"generator\" content=\"dmfsweep\"/>\n"
        h += "<title>\(xmlEscape(data.title))</title>\n<style>\n\(stylesheet)</style>\n</head>\n<body>\n"
        h += "<header>\n<h1>\(xmlEscape(data.title))</h1>\n"
        h +=
            "<p class=\"lede\">Gradient descent on deep matrix factorizations: effective rank, "
            + "early-stopping intervals and the theory's predictions. Generated "
            + "\(xmlEscape(timestamp(data.metadata.generated))).</p>\n</header>\n<main>\n"
        h +=
            "<section id=\"run\">\n<h2>Run</h2>\n" + keyValueTable(data.metadata.entries, class: "meta")
            + "</section>\n"
        if data.sweeps.isEmpty {
            h += "<section><p class=\"empty\">The store holds no sweeps yet.</p></section>\n"
        } else {
            h += "<nav>\n<h2>Sweeps</h2>\n<ol>\n"
            for (i, s) in data.sweeps.enumerated() {
                h += "<li><a href=\"#\(anchor(s.name, i))\">\(xmlEscape(s.name))</a>"
                if let q = s.question { h += " — <span class=\"muted\">\(xmlEscape(q))</span>" }
                h += "</li>\n"
            }
            h += "</ol>\n</nav>\n"
        }
        for (i, s) in data.sweeps.enumerated() { h += section(s, index: i) }
        h +=
            "</main>\n<footer>dmfsweep \(xmlEscape(data.metadata.entries.first { $0.key == "dmfsweep" }?.value ?? ""))"
            + " · self-contained report: figures are inline SVG.</footer>\n</body>\n</html>\n"
        return h
    }

    static func section(_ s: SweepReport, index i: Int) -> String {
        var h = "<section class=\"sweep\" id=\"\(anchor(s.name, i))\">\n<h2>\(xmlEscape(s.name))</h2>\n"
        if let q = s.question { h += "<p class=\"question\">\(xmlEscape(q))</p>\n" }
        if !s.summary.isEmpty {
            h += "<ul class=\"chips\">"
            for kv in s.summary { h += "<li><b>\(xmlEscape(kv.value))</b> \(xmlEscape(kv.key))</li>" }
            h += "</ul>\n"
        }
        if !s.figures.isEmpty {
            h += "<div class=\"figures\">\n"
            for (j, f) in s.figures.enumerated() {
                h += "<figure>\n" + f.svg(id: "s\(i)f\(j)") + "\n"
                if !f.caption.isEmpty { h += "<figcaption>\(xmlEscape(f.caption))</figcaption>\n" }
                h += "</figure>\n"
            }
            h += "</div>\n"
        }
        for t in s.tables { h += table(t) }
        if !s.specText.isEmpty {
            h +=
                "<details class=\"spec\"><summary>Sweep file</summary>\n<pre>\(xmlEscape(s.specText))</pre>\n</details>\n"
        }
        return h + "</section>\n"
    }

    /// Tables longer than this are folded into a `<details>` element (open it to read).
    static let foldRows = 24

    static func table(_ t: ReportTable) -> String {
        let folded = t.rows.count > foldRows
        var h =
            folded
            ? "<details class=\"long\"><summary>\(xmlEscape(t.caption)) — \(t.rows.count) rows</summary>\n" : ""
        h += "<div class=\"table-wrap\"><table class=\"data\">\n<caption>\(xmlEscape(t.caption))</caption>\n<thead><tr>"
        for c in t.columns { h += "<th>\(xmlEscape(c))</th>" }
        h += "</tr></thead>\n<tbody>\n"
        for row in t.rows {
            h += "<tr>"
            for cell in row {
                let numeric = Double(cell.replacingOccurrences(of: "%", with: "")) != nil || cell == "–"
                h += numeric ? "<td class=\"num\">\(xmlEscape(cell))</td>" : "<td>\(xmlEscape(cell))</td>"
            }
            h += "</tr>\n"
        }
        return h + "</tbody>\n</table></div>\n" + (folded ? "</details>\n" : "")
    }

    static func keyValueTable(_ entries: [KeyValue], class cls: String) -> String {
        var h = "<table class=\"\(cls)\">\n"
        for kv in entries { h += "<tr><th>\(xmlEscape(kv.key))</th><td>\(xmlEscape(kv.value))</td></tr>\n" }
        return h + "</table>\n"
    }

    /// A fragment identifier for a sweep: lowercase letters, digits and dashes, unique by index.
    static func anchor(_ name: String, _ index: Int) -> String {
        let cleaned = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.filter(\.isASCII))
        return "sweep-\(index)-" + (cleaned.isEmpty ? "x" : cleaned)
    }

    static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: date)
    }

    static let stylesheet = """
        :root { --ink: #1d1d1f; --muted: #63636b; --line: #e3e3e8; --accent: #0072b2; --bg: #f6f6f8; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--ink);
          font: 15px/1.5 "DejaVu Sans", -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
        header, main, footer { max-width: 1560px; margin: 0 auto; padding: 0 28px; }
        header { padding-top: 28px; }
        h1 { font-size: 28px; margin: 0 0 4px; letter-spacing: -0.01em; }
        h2 { font-size: 21px; margin: 0 0 10px; }
        .lede, .muted, figcaption, footer { color: var(--muted); }
        section, nav { background: #fff; border: 1px solid var(--line); border-radius: 10px;
          padding: 18px 22px; margin: 18px 0; }
        nav ol { margin: 0; padding-left: 22px; }
        a { color: var(--accent); text-decoration: none; }
        a:hover { text-decoration: underline; }
        .question { font-size: 16px; margin: 0 0 10px; }
        .chips { list-style: none; padding: 0; margin: 0 0 14px; display: flex; flex-wrap: wrap; gap: 8px; }
        .chips li { background: var(--bg); border: 1px solid var(--line); border-radius: 999px; padding: 2px 12px;
          font-size: 13px; color: var(--muted); }
        .chips b { color: var(--ink); }
        .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
        figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px; background: #fff; }
        figure svg { display: block; width: 100%; height: auto; }
        figcaption { font-size: 13px; padding: 4px 6px 2px; }
        .table-wrap { overflow-x: auto; margin-top: 16px; }
        table { border-collapse: collapse; font-size: 13px; }
        caption { text-align: left; font-weight: 600; padding: 4px 0 6px; white-space: nowrap; }
        table.data th, table.data td { padding: 4px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        table.data thead th { background: var(--bg); text-align: left; }
        table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.data tbody tr:hover { background: #fafafc; }
        table.meta th { text-align: left; font-weight: 600; padding: 2px 18px 2px 0; color: var(--muted); }
        table.meta td { padding: 2px 0; }
        details.spec, details.long { margin-top: 14px; }
        details.spec summary, details.long summary { cursor: pointer; color: var(--accent); }
        details.long summary { font-weight: 600; font-size: 13px; }
        pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
          overflow-x: auto; font-size: 12.5px; }
        .empty { color: var(--muted); }
        footer { padding: 8px 28px 40px; font-size: 12px; }
        @media print { body { background: #fff; } section, nav { border: none; } }

        """
}
