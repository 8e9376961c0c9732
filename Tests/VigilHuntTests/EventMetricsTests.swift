// Metrics against counts taken independently of Vigil's readers, on the shared Sysmon JSON and EVTX samples.
import Foundation
import Testing
import VigilCore
import VigilHunt
import VigilLogs
import VigilTestSupport

@Suite struct EventMetricsTests {
    static func metrics(_ files: [String]) -> (EventMetrics, EventStreamReport) {
        var metrics = EventMetrics()
        var report = EventStreamReport()
        EventStream.forEach(files, report: &report) { event, _ in metrics.add(event) }
        return (metrics, report)
    }

    @Test(arguments: Independent.sysmonFiles)
    func countsMatchJSONSerialization(_ relative: String) throws {
        let path = try SharedData.path(relative)
        let records = try Independent.records(path)
        var channels: [String: Int] = [:]
        var ids: [ChannelEvent: Int] = [:]
        var hosts: [String: Int] = [:]
        var logons: [LogonKey: Int] = [:]
        for r in records {
            let channel = Independent.text(r["Channel"]) ?? "-"
            let id = Independent.text(r["EventID"]) ?? "-"
            channels[channel, default: 0] += 1
            ids[ChannelEvent(channel: channel, eventID: id), default: 0] += 1
            hosts[Independent.text(r["Hostname"]) ?? "-", default: 0] += 1
            if channel.lowercased() == "security" && id == "4624" {
                let user = Independent.text(r["TargetUserName"]).flatMap { $0.isEmpty ? nil : $0 } ?? "-"
                let source = Independent.text(r["IpAddress"]).flatMap { $0.isEmpty ? nil : $0 } ?? "-"
                logons[LogonKey(user: user, source: source), default: 0] += 1
            }
        }
        let (metrics, report) = Self.metrics([path])
        #expect(report.bad == 0)
        #expect(metrics.events == records.count)
        #expect(metrics.byChannel == channels)
        #expect(metrics.byEventID == ids)
        #expect(metrics.byHost == hosts)
        #expect(metrics.logons.mapValues(\.success).filter { $0.value > 0 } == logons)
    }

    @Test func wholeSysmonFolderMatchesItsReadme() throws {
        // Figures from the dataset's README (upstream counts): 80,939 events; Sysmon 56,297; Security 13,026 + 2,803.
        let (files, missing) = EventStream.files([try SharedData.path("logs/sysmon-json")])
        #expect(missing.isEmpty)
        let (metrics, report) = Self.metrics(files)
        #expect(report.read.files == 40)
        #expect(metrics.events == 80_939)
        #expect(metrics.byChannel["Microsoft-Windows-Sysmon/Operational"] == 56_297)
        #expect(metrics.byChannel["Security"] == 13_026)
        #expect(metrics.byChannel["security"] == 2_803)
    }

    @Test func evtxEventCountsMatchTheReferenceParser() throws {
        let manifest = try Independent.evtxManifest()
        let folder = try SharedData.path("logs/evtx-attack-samples/Lateral Movement")
        let expected = manifest.filter { $0.key.hasPrefix(folder + "/") }
        #expect(expected.count > 5)
        let (metrics, report) = Self.metrics(expected.keys.sorted())
        #expect(metrics.events + report.bad >= expected.values.reduce(0, +))
        #expect(metrics.events == expected.values.reduce(0, +))
        #expect(metrics.byHost.values.reduce(0, +) == metrics.events)
    }
}

@Suite struct LogonSummaryTests {
    /// evtx_dump-shaped RDP events and flat Security events written here, so every expected figure is by construction.
    static let documents = [
        #"{"Event":{"System":{"Channel":"Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational","EventID":1149,"Computer":"DC1"},"UserData":{"EventXML":{"Param1":"alice","Param2":"CORP","Param3":"10.0.0.5"}}}}"#,
        #"{"Event":{"System":{"Channel":"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational","EventID":21,"Computer":"DC1"},"UserData":{"EventXML":{"User":"CORP\\alice","SessionID":2,"Address":"10.0.0.5"}}}}"#,
        #"{"Event":{"System":{"Channel":"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational","EventID":25,"Computer":"DC1"},"UserData":{"EventXML":{"User":"CORP\\alice","SessionID":2,"Address":"10.0.0.5"}}}}"#,
        #"{"Channel":"security","EventID":4625,"Hostname":"WS1","TargetUserName":"alice","IpAddress":"10.0.0.5"}"#,
        #"{"Channel":"Security","EventID":4625,"Hostname":"WS1","TargetUserName":"bob","IpAddress":"-"}"#,
        #"{"Channel":"Security","EventID":4648,"Hostname":"WS1","TargetUserName":"bob","IpAddress":"10.0.0.9"}"#,
        #"{"Channel":"Security","EventID":4778,"Hostname":"WS1","AccountName":"alice","ClientAddress":"10.0.0.5"}"#,
        #"{"Channel":"Security","EventID":4779,"Hostname":"WS1","AccountName":"alice","ClientAddress":"10.0.0.5"}"#,
        // Same IDs in other channels are not logons: Sysmon 21 is a WMI consumer binding.
        #"{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":21,"Hostname":"WS1","User":"alice"}"#,
    ]

    @Test func everyLogonKindIsCountedPerUserAndSource() throws {
        let path = NSTemporaryDirectory() + "vigil-logons-\(UUID().uuidString).jsonl"
        try Self.documents.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (metrics, report) = EventMetricsTests.metrics([path])
        #expect(report.bad == 0)
        #expect(metrics.events == 9)
        #expect(metrics.byHost == ["DC1": 3, "WS1": 6])
        #expect(
            metrics.logons == [
                LogonKey(user: "alice", source: "10.0.0.5"): LogonCounts(success: 3, failure: 1, reconnect: 1, disconnect: 1),
                LogonKey(user: "bob", source: "-"): LogonCounts(failure: 1),
                LogonKey(user: "bob", source: "10.0.0.9"): LogonCounts(explicit: 1),
            ])
    }
}
