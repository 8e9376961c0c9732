// The parallel fold gives exactly what one thread gives: same counts, same tuples, same hits in the same order.
import Testing
import VigilCore
import VigilHunt
import VigilLogs
import VigilTestSupport

@Suite struct ParallelFoldTests {
    static func files() throws -> [String] {
        let (files, missing) = EventStream.files([
            try SharedData.path("logs/sysmon-json"), try SharedData.path("logs/evtx-attack-samples/Lateral Movement"),
        ])
        #expect(missing.isEmpty)
        return files
    }

    @Test(arguments: [2, 3])
    func foldEqualsOneThread(_ threads: Int) throws {
        let files = try Self.files()
        var serial = EventMetrics()
        var stack = Stacker(fields: ["ParentImage", "Image"])
        var hits: [String] = []
        let search = EventSearch(.text("lsass"))
        var serialReport = EventStreamReport()
        EventStream.forEach(files, report: &serialReport) { event, origin in
            serial.add(event)
            stack.add(event)
            if let hit = search.hit(event, at: origin, collectFields: false) { hits.append("\(hit.file):\(hit.line)") }
        }

        var metrics = EventMetrics()
        var report = EventStreamReport()
        EventStream.fold(
            files, threads: threads, report: &report, partial: { EventMetrics() }, add: { m, e, _ in m.add(e) },
            merge: { metrics.merge($0) })
        #expect(report.events == serialReport.events)
        #expect(metrics.events == serial.events)
        #expect(metrics.byChannel == serial.byChannel)
        #expect(metrics.byEventID == serial.byEventID)
        #expect(metrics.byHost == serial.byHost)
        #expect(metrics.logons == serial.logons)

        var stacked = Stacker(fields: ["ParentImage", "Image"])
        var stackReport = EventStreamReport()
        EventStream.fold(
            files, threads: threads, report: &stackReport, partial: { Stacker(fields: ["ParentImage", "Image"]) },
            add: { s, e, _ in s.add(e) }, merge: { stacked.merge($0) })
        #expect(stacked.result().rows == stack.result().rows)

        var found: [String] = []
        var searchReport = EventStreamReport()
        EventStream.fold(
            files, threads: threads, report: &searchReport,
            partial: { SearchBatch(EventSearch(try! SearchSpec.text("lsass").compile()), collectFields: false) },
            add: { b, e, o in b.add(e, o) }, merge: { found += $0.hits.map { "\($0.file):\($0.line)" } })
        #expect(!hits.isEmpty)
        #expect(found == hits)
    }
}
