// Saved hunts: `vigil hunt --save` records every detection with its event, and `vigil serve` shows them: the hunts
// list, per hunt the counts by filter (checked against the same hunt's JSON lines counted in Python), the
// observed-technique matrix linking to its detections, pages of detections, and a detection page that escapes
// the event's hostile values.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite(.serialized) struct HuntPagesTests {
    static func scratch() throws -> String {
        let folder = NSTemporaryDirectory() + "vigil-hunts-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func aSavedHuntIsServedWithItsDetectionsFiltersAndObservedTechniques() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = folder + "/history.db"
        let rules = try SharedData.path("rules/sigma/rules/windows")
        let logs = try SharedData.path("logs/sysmon-json")
        let hunt = ["hunt", "--rules", rules, "--technique", "T1003", "--technique", "T1059", logs]
        let saved = try ProcessRunner.vigil(hunt + ["--save", "--label", "creds", "--store", store, "--quiet"])
        #expect(saved.status == 1, "\(saved.stderr)")
        #expect(saved.stderr.contains("saved hunt #1 creds"))
        let lines = try ProcessRunner.vigil(hunt + ["--format", "jsonl", "--no-fields"])
        let jsonl = folder + "/detections.jsonl"
        try Data(lines.stdout.utf8).write(to: URL(fileURLWithPath: jsonl))
        // Python counts the same hunt's JSON lines: all, per host, for the busiest host at level high, and per technique.
        let counted = try ProcessRunner.python(
            """
            import collections, json, sys
            rows = [json.loads(l) for l in open(sys.argv[1])]
            hosts = collections.Counter(r['computer'] for r in rows)
            busiest = hosts.most_common(1)[0][0]
            print(json.dumps({'total': len(rows), 'busiest': busiest, 'busiestCount': hosts[busiest],
                              'busiestHigh': sum(1 for r in rows if r['computer'] == busiest and r['level'] == 'high'),
                              'lsass': sum(1 for r in rows if 'T1003.001' in r['techniques'])}))
            """, [jsonl])
        struct Counts: Decodable {
            var total: Int
            var busiest: String
            var busiestCount: Int
            var busiestHigh: Int
            var lsass: Int
        }
        let expected = try JSONDecoder().decode(Counts.self, from: Data(counted.utf8))
        #expect(expected.total > 50)

        let server = try ServeProcess(["--store", store])
        defer { server.stop() }
        func get(_ target: String) throws -> RawHTTP.Answer { try RawHTTP.get(port: server.port, target) }
        func detections(_ body: String) -> Int? {
            body.range(of: "<h2>Detections: ").flatMap { r in Int(body[r.upperBound...].prefix { $0.isNumber }) }
        }
        let list = try get("/hunts")
        #expect(list.status == 200 && list.body.contains("<a href=\"/hunts/1\">#1</a></td><td>creds"))
        let page = try get("/hunts/1")
        #expect(page.status == 200)
        #expect(detections(page.body) == expected.total)
        #expect(page.body.contains("id=\"hunt-timeline\"") && page.body.contains("class=\"matrix observed\""))
        #expect(page.body.contains("href=\"/hunts/1?technique=T1003.001\""))
        #expect(page.body.components(separatedBy: "<tr><td><a href=\"/hunts/1/detections/").count - 1 == 50)
        let host = HTMLQuery.encode(expected.busiest)
        #expect(detections(try get("/hunts/1?host=\(host)").body) == expected.busiestCount)
        #expect(detections(try get("/hunts/1?host=\(host)&level=high").body) == expected.busiestHigh)
        #expect(detections(try get("/hunts/1?technique=T1003.001").body) == expected.lsass)
        // Pages: the next page starts after the last one shown.
        let second = try get("/hunts/1?after=50")
        #expect(second.body.contains("<tr><td><a href=\"/hunts/1/detections/51\">51</a>"))
        #expect(!second.body.contains("<a href=\"/hunts/1/detections/50\">"))
        let detection = try get("/hunts/1/detections/1")
        #expect(detection.status == 200 && detection.body.contains("id=\"event-fields\""))
        #expect(try get("/hunts/2").status == 404)
        #expect(try get("/hunts/1/detections/999999").status == 404)
    }

    @Test func hostileEventValuesAreEscapedOnTheDetectionPage() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>"
        let event: [String: Any] = [
            "Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "Computer": "<b>host</b>",
            "Image": "C:\\evil\\x.exe", "CommandLine": hostile, "UtcTime": "2024-01-02 03:04:05.678",
        ]
        try JSONSerialization.data(withJSONObject: event).write(to: URL(fileURLWithPath: folder + "/events.json"))
        try """
        title: Hostile Command Line <i>
        id: 5d2c3a4e-1b2c-4d5e-8f90-123456789abc
        status: test
        logsource: {product: windows, category: process_creation}
        detection:
            selection: {CommandLine|contains: '<script>'}
            condition: selection
        level: high
        tags: [attack.execution, attack.t1059]
        """.write(toFile: folder + "/rule.yml", atomically: true, encoding: .utf8)
        let store = folder + "/history.db"
        let run = try ProcessRunner.vigil(["hunt", "--rules", folder + "/rule.yml", "--save", "--store", store, folder + "/events.json"])
        #expect(run.status == 1, "\(run.stderr)")
        let server = try ServeProcess(["--store", store])
        defer { server.stop() }
        for target in ["/hunts", "/hunts/1", "/hunts/1/detections/1"] {
            let answer = try RawHTTP.get(port: server.port, target)
            #expect(answer.status == 200)
            #expect(!answer.body.contains("<script>alert") && !answer.body.contains("<img src=x") && !answer.body.contains("<b>host"))
            #expect(!answer.body.contains("<i>"))
        }
        let page = try RawHTTP.get(port: server.port, "/hunts/1/detections/1").body
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
        #expect(page.contains("Hostile Command Line &lt;i&gt;"))
    }
}

/// Percent-encoding for a query value in a test's request.
enum HTMLQuery {
    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }
}
