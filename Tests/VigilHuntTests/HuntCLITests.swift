// The hunting commands run as a user runs them: exit codes, machine-readable output, and agreement with the library.
import Foundation
import Testing
import VigilCore
import VigilHunt
import VigilTestSupport

@Suite struct HuntCLITests {
    @Test func metricsJSONAgreesWithTheIndependentCount() throws {
        let path = try SharedData.path(Independent.sysmonFiles[0])
        let run = try ProcessRunner.vigil(["metrics", path, "--json"])
        #expect(run.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["events"] as? Int == (try Independent.records(path)).count)
        #expect((json["logons"] as? [Any]) != nil)
    }

    @Test func stackJSONIsRarestFirst() throws {
        let path = try SharedData.path(Independent.sysmonFiles[2])
        let run = try ProcessRunner.vigil(["stack", "ParentImage,Image", path, "--where", "EventID=1", "--json"])
        #expect(run.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["rows"] as? [[String: Any]])
        let counts = rows.compactMap { $0["count"] as? Int }
        #expect(!counts.isEmpty && counts == counts.sorted())
        #expect(counts.reduce(0, +) == json["stacked"] as? Int)
    }

    @Test func searchExitCodesAndFormats() throws {
        let path = try SharedData.path(Independent.sysmonFiles[0])
        let jsonl = try ProcessRunner.vigil(["search", "bitsadmin", path, "--format", "jsonl"])
        #expect(jsonl.status == 1)
        let lines = jsonl.stdout.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil) }
        let csv = try ProcessRunner.vigil(["search", "bitsadmin", path, "--format", "csv"])
        #expect(csv.stdout.split(whereSeparator: \.isNewline).count >= lines.count + 1)
        #expect(try ProcessRunner.vigil(["search", "no-such-text-anywhere-4f1c", path]).status == 0)
        #expect(try ProcessRunner.vigil(["search", "--regex", "a(", path]).status == 2)
        #expect(try ProcessRunner.vigil(["search", "--where", "Image", path]).status == 2)
        #expect(try ProcessRunner.vigil(["search", "x", "/nonexistent-vigil-logs"]).status == 2)
        #expect(try ProcessRunner.vigil(["stack", "Image", "/nonexistent-vigil-logs"]).status == 2)
        #expect(try ProcessRunner.vigil(["metrics", "/nonexistent-vigil-logs"]).status == 2)
    }
}
