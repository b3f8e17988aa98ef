import Foundation
import Testing

@testable import Reports

@Suite struct HTMLReportTests {
    @Test func reportHoldsEveryFigureAndTableAndParses() throws {
        let data = DemoReport.make()
        let html = HTMLReport.render(data)
        if let path = ProcessInfo.processInfo.environment["DMFSWEEP_REPORT_DEMO"] {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
            let built = ReportBuilder.report([DemoReport.records()], metadata: data.metadata)
            try HTMLReport.render(built).write(toFile: path + ".records.html", atomically: true, encoding: .utf8)
        }
        let xml = try ParsedXML(html)
        #expect(xml.root == "html")
        let figures = data.sweeps.map(\.figures.count).reduce(0, +)
        #expect(xml.elements("svg").count == figures)
        #expect(xml.elements("figure").count == figures)
        #expect(xml.withClass("data").count == data.sweeps.map(\.tables.count).reduce(0, +))
        #expect(xml.withClass("sweep").count == 2)
        #expect(xml.elements("pre").count == 2)
        // Self-contained: no scripts, no external references.
        #expect(xml.elements("script").isEmpty && xml.elements("link").isEmpty && xml.elements("img").isEmpty)
        #expect(
            !html.contains("http://")
                || !html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
        #expect(!html.contains("https://"))
        // The spec text is shown verbatim, escaped.
        #expect(xml.texts("pre").contains { $0.contains("<script>alert(1)</script>") })
    }

    @Test func idsAreUniqueAcrossTheDocument() throws {
        let xml = try ParsedXML(HTMLReport.render(DemoReport.make()))
        let ids = xml.nodes.compactMap { $0.attributes["id"] }
        #expect(Set(ids).count == ids.count)
        // Every in-page link points at an existing section.
        let targets = Set(ids)
        for a in xml.elements("a") {
            let href = try #require(a.attributes["href"])
            #expect(href.hasPrefix("#") && targets.contains(String(href.dropFirst())))
        }
    }

    @Test func metadataAndEmptyStores() throws {
        let meta = RunMetadata(
            generated: Date(timeIntervalSince1970: 0), entries: [KeyValue("dmfsweep", "9.9"), KeyValue("tasks", "0")])
        let xml = try ParsedXML(HTMLReport.render(ReportData(metadata: meta, sweeps: [])))
        #expect(xml.elements("svg").isEmpty)
        #expect(xml.withClass("empty").count == 1)
        #expect(xml.withClass("meta").first != nil)
        #expect(xml.texts("p").contains { $0.contains("1970-01-01 00:00 UTC") })
        #expect(xml.texts("td").contains("9.9"))
    }

    @Test func tablesExportAsCSV() {
        let t = ReportTable(caption: "c", columns: ["a", "b"], rows: [["1", "x,y"], ["2", "say \"hi\""]])
        #expect(t.csv == "a,b\n1,\"x,y\"\n2,\"say \"\"hi\"\"\"")
    }

    @Test func longTablesAreFolded() throws {
        let long = ReportTable(caption: "many", columns: ["i"], rows: (1...30).map { ["\($0)"] })
        let short = ReportTable(caption: "few", columns: ["i"], rows: [["1"]])
        let meta = RunMetadata(generated: Date(), entries: [])
        let html = HTMLReport.render(
            ReportData(metadata: meta, sweeps: [SweepReport(name: "s", tables: [long, short])]))
        let xml = try ParsedXML(html)
        #expect(xml.withClass("long").count == 1)
        #expect(xml.texts("summary").contains("many — 30 rows"))
        #expect(xml.withClass("data").count == 2)
        #expect(xml.elements("tr").count == 30 + 1 + 1 + 1)
    }
}
