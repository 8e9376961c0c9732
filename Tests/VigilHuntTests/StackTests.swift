// Stacks against tuples counted independently with JSONSerialization, and the outlier statistics
// recomputed from those counts.
import Foundation
import Testing
import VigilCore
import VigilHunt
import VigilLogs
import VigilTestSupport

@Suite struct StackTests {
    static func stack(_ files: [String], _ fields: [String], where text: String?, byHost: Bool = false) throws -> StackResult {
        var stacker = Stacker(fields: fields, filter: try text.map { try FieldFilter(parsing: $0) }, byHost: byHost)
        var report = EventStreamReport()
        EventStream.forEach(files, report: &report) { event, _ in stacker.add(event) }
        #expect(report.bad == 0)
        return stacker.result()
    }

    @Test func processCreationsMatchAnIndependentCount() throws {
        let files = try Independent.sysmonFiles.map { try SharedData.path($0) }
        var counts: [[String]: Int] = [:]
        var hosts: [[String]: Set<String>] = [:]
        for file in files {
            for r in try Independent.records(file) {
                guard Independent.text(r["Channel"]) == "Microsoft-Windows-Sysmon/Operational", Independent.text(r["EventID"]) == "1",
                    let parent = r["ParentImage"] as? String, let image = r["Image"] as? String
                else { continue }
                counts[[parent, image], default: 0] += 1
                hosts[[parent, image], default: []].insert(Independent.text(r["Hostname"]) ?? "-")
            }
        }
        #expect(counts.count > 10)
        let result = try Self.stack(
            files, ["ParentImage", "Image"], where: "Channel=microsoft-windows-sysmon/operational EventID=1")
        #expect(result.stacked == counts.values.reduce(0, +))
        #expect(Dictionary(uniqueKeysWithValues: result.rows.map { ($0.values, $0.count) }) == counts)
        #expect(Dictionary(uniqueKeysWithValues: result.rows.map { ($0.values, $0.hosts) }) == hosts.mapValues(\.count))
        // Rarest first.
        #expect(result.rows.map(\.count) == result.rows.map(\.count).sorted())
        // Outlier statistics recomputed from the independent counts.
        let sorted = counts.values.sorted().map(Double.init)
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        #expect(result.median == median)
        let deviations = sorted.map { abs($0 - median) }.sorted()
        let mad =
            deviations.count % 2 == 1
            ? deviations[deviations.count / 2] : (deviations[deviations.count / 2 - 1] + deviations[deviations.count / 2]) / 2
        #expect(result.mad == mad)
        let hostCount = Set(hosts.values.flatMap { $0 }).count
        for row in result.rows {
            #expect(row.outlier.contains("hosts<=1") == (hostCount > 1 && row.hosts <= 1))
            if mad > 0, let z = row.z { #expect(abs(z - 0.6745 * (Double(row.count) - median) / mad) < 1e-9) }
            if let z = row.z { #expect(row.outlier.contains("|z|>=3.5") == (abs(z) >= 3.5)) }
        }
    }

    @Test func byHostSplitsEachTupleByComputer() throws {
        let file = try SharedData.path(Independent.sysmonFiles[2])
        var counts: [[String]: Int] = [:]
        for r in try Independent.records(file) where Independent.text(r["EventID"]) == "4688" {
            guard let name = r["NewProcessName"] as? String else { continue }
            counts[[Independent.text(r["Hostname"]) ?? "-", name], default: 0] += 1
        }
        #expect(counts.count > 5)
        let result = try Self.stack([file], ["NewProcessName"], where: "EventID=4688", byHost: true)
        #expect(result.fields == ["Computer", "NewProcessName"])
        #expect(Dictionary(uniqueKeysWithValues: result.rows.map { ($0.values, $0.count) }) == counts)
    }

    @Test func filterSyntax() throws {
        let filter = try FieldFilter(parsing: #"Image="C:\Program Files\*" EventID!=3"#)
        #expect(filter.conditions.count == 2)
        #expect(filter.conditions[0].pattern.tokens == [.literal(Array(#"c:\program files\"#.utf8)), .anyRun])
        #expect(filter.conditions[1].negated)
        #expect(throws: FieldFilterError.self) { try FieldFilter(parsing: "Image") }
    }
}
