import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilLogs

// Every file of ../shared/logs/beyond-windows through the one reader entry point (format told by content, JSON
// events recognised by event-sources), against Python's own reading of the same files.

/// The events of one file as `LogReader.read` gives them: name → text per event, in order.
func readEvents(_ path: String) -> (events: [[String: String]], report: LogReadReport) {
    var report = LogReadReport()
    var events: [[String: String]] = []
    var tape = JSONTape()
    LogReader.read(path, report: &report) { batch in
        batch.forEachEvent(tape: &tape, invalid: { d in Issue.record("invalid JSON: \(d())") }) { event, _ in
            events.append(Dictionary(event.fields(), uniquingKeysWith: { _, last in last }))
        }
    }
    return (events, report)
}

@Suite struct BeyondWindowsTests {
    /// Python's count of the events in each file, by the file's own format: a JSON line each; a Zeek data row each;
    /// one per distinct audit(time:serial) id; one per CSV record after the header (the csv module).
    static let pythonCounts = #"""
        import csv, json, os, re, sys
        root = sys.argv[1]
        out = {}
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root)
                if name.endswith(".json"):
                    out[rel] = sum(1 for line in open(path, encoding="utf-8") if line.strip())
                elif name.endswith(".csv"):
                    out[rel] = sum(1 for _ in csv.reader(open(path, newline="", encoding="utf-8"))) - 1
                elif name.endswith(".log"):
                    lines = open(path, encoding="utf-8").read().splitlines()
                    if lines and lines[0].startswith("#separator"):
                        out[rel] = sum(1 for l in lines if l and not l.startswith("#"))
                    else:
                        out[rel] = len({re.search(r"audit\(([\d.]+:\d+)\)", l).group(1) for l in lines if l})
        print(json.dumps(out))
        """#

    /// The channels each file's events are routed by (`vigil_channel`, else the event's own `Channel`); Zeek files
    /// are checked by name. Sysmon rows whose XML Sentinel cut short stay syslog messages.
    static let channels: [String: Set<String>] = [
        "cloudtrail/ec2_proxy_s3_exfiltration_2020-09-14011940.json": ["aws/cloudtrail"],
        "linux-auditd/sh_arp_cache_2020-11-10074812.log": ["linux/auditd"],
        "linux-auditd/sh_binary_padding_dd_2020-11-10081941.log": ["linux/auditd"], "s3-access/AWS_S3_HoneyBucketLogs.csv": [""],
        "sentinel-syslog/syslog_auoms_auditd_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json": ["linux/auditd"],
        "sentinel-syslog/syslog_sysmon_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json": [
            "Linux-Sysmon/Operational", "linux/syslog",
        ],
        "sentinel-aad-m365/AADAuditEvents.json": ["azure/auditlogs"], "sentinel-aad-m365/OfficeActivityEvents.json": ["m365/audit"],
        "sentinel-aad-m365/Microsoft365DefenderEvents.json": ["m365/defender"],
    ]

    @Test func everyFileReadsWithPythonsEventCountAndNoBadLine() throws {
        let root = try SharedData.path("logs/beyond-windows")
        let expected = try #require(
            JSONSerialization.jsonObject(with: Data(try ProcessRunner.python(Self.pythonCounts, [root]).utf8)) as? [String: Int])
        #expect(expected.count == 34)
        for (relative, count) in expected.sorted(by: { $0.key < $1.key }) {
            let (events, report) = readEvents(root + "/" + relative)
            #expect(events.count == count, "\(relative)")
            #expect(report.badDocuments == 0 && report.diagnostics.isEmpty, "\(relative): \(report.diagnostics.prefix(3))")
            if let channels = Self.channels[relative] {
                #expect(Set(events.map { $0["vigil_channel"] ?? $0["Channel"] ?? "" }) == channels, "\(relative)")
            }
            if relative.hasPrefix("zeek/") {
                #expect(Set(events.map { $0["vigil_channel"] }) == ["zeek/" + LogFile.stem(relative)], "\(relative)")
            }
        }
    }

    /// Python's reading of the CloudTrail lines: eventID, eventName and the time (eventTime, or the exporter's
    /// @timestamp when the record has none, as here) as ISO 8601 UTC with microseconds.
    static let pythonCloudTrail = #"""
        import datetime, json, sys
        out = []
        for line in open(sys.argv[1], encoding="utf-8"):
            e = json.loads(line)
            t = datetime.datetime.fromisoformat(e.get("eventTime") or e["@timestamp"])
            out.append([e["eventID"], e["eventName"], t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")])
        if len(sys.argv) > 2:
            json.dump({"Records": [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]}, open(sys.argv[2], "w"), indent=2)
        print(json.dumps(out))
        """#

    /// CloudTrail events, as JSON lines and in AWS's `{"Records": [...]}` delivery form (written by Python,
    /// pretty-printed), are the same events with the time and name CloudTrail gives them.
    @Test func cloudTrailInBothFormsHasItsTimeAndEventName() throws {
        let lines = try SharedData.path("logs/beyond-windows/cloudtrail/ec2_proxy_s3_exfiltration_2020-09-14011940.json")
        let delivery = temporaryFile("cloudtrail-delivery.json", [])
        let expected = try #require(
            JSONSerialization.jsonObject(with: Data(try ProcessRunner.python(Self.pythonCloudTrail, [lines, delivery]).utf8))
                as? [[String]])
        #expect(expected.count == 103)
        for path in [lines, delivery] {
            let (events, report) = readEvents(path)
            #expect(report.badDocuments == 0)
            #expect(events.map { [$0["eventID"] ?? "", $0["vigil_event_id"] ?? "", $0["vigil_time"] ?? ""] } == expected, "\(path)")
        }
    }

    /// Python's reading of the Sysmon for Linux XML in Sentinel's Syslog rows (xml.etree): EventID, Channel, Computer,
    /// the system time and every named Data element; a row whose XML does not parse stays a syslog message.
    static let pythonSysmonXML = #"""
        import json, re, sys, xml.etree.ElementTree as ET
        out = []
        for line in open(sys.argv[1], encoding="utf-8"):
            message = json.loads(line)["SyslogMessage"]
            try:
                # Sysmon for Linux writes "&lt unknown process&gt ": a named entity without its semicolon, read as
                # HTML readers do.
                event = ET.fromstring(re.sub(r"&(lt|gt|amp|quot|apos)(?!;)", r"&\1;", message))
            except ET.ParseError:
                out.append({"vigil_channel": "linux/syslog", "SyslogMessage": message})
                continue
            system = event.find("System")
            fields = {"EventID": system.findtext("EventID"), "Channel": system.findtext("Channel"),
                      "Computer": system.findtext("Computer"),
                      "vigil_time": system.find("TimeCreated").get("SystemTime")}
            for data in event.find("EventData"):
                fields[data.get("Name")] = data.text or ""
            out.append(fields)
        print(json.dumps(out))
        """#

    @Test func sysmonForLinuxRowsBecomeSysmonEvents() throws {
        let path = try SharedData.path(
            "logs/beyond-windows/sentinel-syslog/syslog_sysmon_log4shell_cve2021_44228_jndi_reference_2022-05-11181020.json")
        let expected = try #require(
            JSONSerialization.jsonObject(with: Data(try ProcessRunner.python(Self.pythonSysmonXML, [path]).utf8)) as? [[String: String]])
        let (events, _) = readEvents(path)
        #expect(events.count == expected.count && events.count == 93)
        // One row's XML was cut at 2,012 bytes: it stays a syslog message on both sides.
        #expect(expected.count { $0["SyslogMessage"] != nil } == 1)
        for (event, fields) in zip(events, expected) {
            for (name, value) in fields { #expect(event[name] == value, "\(name) in \(fields["vigil_time"] ?? "")") }
        }
        // The Log4Shell reverse shell is a process creation (Sysmon event 1) with its command line.
        #expect(events.contains { $0["EventID"] == "1" && $0["CommandLine"]?.contains("bash -i") == true })
    }
}
