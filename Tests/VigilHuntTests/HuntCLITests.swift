// The hunting commands run as a user runs them: exit codes, machine-readable output, and agreement with the library.
import Foundation
import Testing
import VigilCore
import VigilHunt
import VigilTestSupport

@Suite struct HuntCLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func vigil(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CoverageFixtures.vigil)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so that a large output cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test func metricsJSONAgreesWithTheIndependentCount() throws {
        let path = try SharedData.path(Independent.sysmonFiles[0])
        let run = try Self.vigil(["metrics", path, "--json"])
        #expect(run.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["events"] as? Int == (try Independent.records(path)).count)
        #expect((json["logons"] as? [Any]) != nil)
    }

    @Test func stackJSONIsRarestFirst() throws {
        let path = try SharedData.path(Independent.sysmonFiles[2])
        let run = try Self.vigil(["stack", "ParentImage,Image", path, "--where", "EventID=1", "--json"])
        #expect(run.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["rows"] as? [[String: Any]])
        let counts = rows.compactMap { $0["count"] as? Int }
        #expect(!counts.isEmpty && counts == counts.sorted())
        #expect(counts.reduce(0, +) == json["stacked"] as? Int)
    }

    @Test func searchExitCodesAndFormats() throws {
        let path = try SharedData.path(Independent.sysmonFiles[0])
        let jsonl = try Self.vigil(["search", "bitsadmin", path, "--format", "jsonl"])
        #expect(jsonl.status == 1)
        let lines = jsonl.stdout.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil) }
        let csv = try Self.vigil(["search", "bitsadmin", path, "--format", "csv"])
        #expect(csv.stdout.split(separator: "\n").count >= lines.count + 1)
        #expect(try Self.vigil(["search", "no-such-text-anywhere-4f1c", path]).status == 0)
        #expect(try Self.vigil(["search", "--regex", "a(", path]).status == 2)
        #expect(try Self.vigil(["search", "--where", "Image", path]).status == 2)
        #expect(try Self.vigil(["search", "x", "/nonexistent-vigil-logs"]).status == 2)
        #expect(try Self.vigil(["stack", "Image", "/nonexistent-vigil-logs"]).status == 2)
        #expect(try Self.vigil(["metrics", "/nonexistent-vigil-logs"]).status == 2)
    }
}
