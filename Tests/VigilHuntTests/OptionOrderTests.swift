// Options that take several values take one per flag (repeat the flag for more), so that the log files
// and folders after them stay positionals, in the order README.md and --help show them:
// `vigil hunt --rules RULES LOGS`, `vigil timeline --events Security:4624 LOGS`, `--status stable LOGS`.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct OptionOrderTests {
    static func paths() throws -> (logs: String, rules: String) {
        (try SharedData.path(TimelineTests.logs), try SharedData.path(TimelineTests.rules))
    }

    /// JSON lines as objects.
    static func rows(_ run: VigilRun) throws -> [[String: Any]] {
        try run.stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    /// Detections of `vigil hunt … --format jsonl` as (rule, file, record) keys.
    static func detections(_ run: VigilRun) throws -> [String] {
        try rows(run).map { "\($0["rule_id"] ?? "-") \($0["file"] ?? "-") \($0["record_id"] ?? "-")" }.sorted()
    }

    /// `vigil hunt --format jsonl` with the logs marked off by `--`, which never depended on how options
    /// end: what every other order must give.
    static func separated(_ options: [String], _ logs: String) throws -> [String] {
        let run = try ProcessRunner.vigil(["hunt", "--format", "jsonl"] + options + ["--", logs])
        #expect(run.status <= 1, "\(run.stderr.suffix(1000))")
        return try detections(run)
    }

    @Test func huntReadmeExampleReadsTheLogsAfterTheRules() throws {
        // README: vigil hunt --rules ../shared/rules/sigma/rules/windows ../shared/logs/evtx-attack-samples
        let rules = try SharedData.path("rules/sigma/rules/windows")
        let logs = try SharedData.path("logs/evtx-attack-samples")
        let readme = try ProcessRunner.vigil(["hunt", "--rules", rules, logs])
        #expect(readme.status == 1, "\(readme.stderr.suffix(1000))")
        #expect(!readme.stderr.contains("no log files found"))
        let expected = try Self.separated(["--rules", rules], logs)
        #expect(expected.count > 1000)
        #expect(readme.stdout.contains("\ndetections: \(expected.count)\n"))
    }

    @Test func huntRulesRepeatAndTheLogsFollow() throws {
        let (logs, rules) = try Self.paths()
        let security = rules + "/security", application = rules + "/application"
        let run = try ProcessRunner.vigil(["hunt", "--format", "jsonl", "--rules", security, "--rules", application, logs])
        #expect(run.status == 1, "\(run.stderr.suffix(1000))")
        let alone = try (Self.separated(["--rules", security], logs), Self.separated(["--rules", application], logs))
        #expect(!alone.0.isEmpty && !alone.1.isEmpty, "both folders detect something")
        #expect(try Self.detections(run) == (alone.0 + alone.1).sorted())
    }

    @Test func huntRuleFiltersRepeatAndTheLogsFollow() throws {
        let (logs, rules) = try Self.paths()
        let all = try Self.rows(try ProcessRunner.vigil(["hunt", "--format", "jsonl", "--rules", rules, "--", logs]))
        let title = { (row: [String: Any]) in row["rule_title"] as? String ?? "" }
        #expect(all.count > 20)
        // Each filter flag right before the logs, once and repeated.
        let cases: [(options: [String], kept: ([String: Any]) -> Bool)] = [
            (["--status", "stable"], { $0["status"] as? String == "stable" }),
            (["--status", "stable", "--status", "test"], { ["stable", "test"].contains($0["status"] as? String ?? "") }),
            (["--include", "Security Eventlog*"], { title($0).hasPrefix("Security Eventlog") }),
            (
                ["--include", "Security Eventlog*", "--include", "First Time Seen*"],
                { title($0).hasPrefix("Security Eventlog") || title($0).hasPrefix("First Time Seen") }
            ),
            (["--exclude", "Security Eventlog*"], { !title($0).hasPrefix("Security Eventlog") }),
            (
                ["--exclude", "Security Eventlog*", "--exclude", "First Time Seen*"],
                { !title($0).hasPrefix("Security Eventlog") && !title($0).hasPrefix("First Time Seen") }
            ),
        ]
        for (options, kept) in cases {
            let run = try ProcessRunner.vigil(["hunt", "--format", "jsonl", "--rules", rules] + options + [logs])
            #expect(run.status == 1, "\(options): \(run.stderr.suffix(1000))")
            let expected = all.filter(kept).count
            #expect(expected > 0, "\(options) keeps some detections")
            #expect(try Self.rows(run).count == expected, "\(options)")
        }
    }

    @Test func timelineRulesBeforeTheLogs() throws {
        let (logs, rules) = try Self.paths()
        let first = try ProcessRunner.vigil(["timeline", "--rules", rules, logs, "--format", "jsonl"])
        let last = try ProcessRunner.vigil(["timeline", logs, "--rules", rules, "--format", "jsonl"])
        #expect(first.status == 1, "\(first.stderr.suffix(1000))")
        #expect(last.status == 1)
        #expect(!first.stdout.isEmpty && first.stdout == last.stdout)
    }

    @Test func timelineEventsRepeatAsInTheReadme() throws {
        // README: vigil timeline logs/ --rules rules/ --events Security:4624,4625
        //   --events Microsoft-Windows-Sysmon/Operational:1 --format timesketch
        let (_, rules) = try Self.paths()
        let paths = try Independent.sysmonFiles.map { try SharedData.path($0) }
        let sysmon = "Microsoft-Windows-Sysmon/Operational"
        let events = ["--events", "Security:4688,4689", "--events", sysmon + ":1"]
        let readme = try ProcessRunner.vigil(["timeline"] + paths + ["--rules", rules] + events + ["--format", "timesketch"])
        #expect(readme.status == 1, "\(readme.stderr.suffix(1000))")
        // Independently: the records of those channels and IDs.
        var expected: [String: Int] = [:]
        for path in paths {
            for record in try Independent.records(path) {
                let channel = record["Channel"] as? String ?? ""
                let id = Independent.text(record["EventID"]) ?? ""
                if (channel == "Security" && ["4688", "4689"].contains(id)) || (channel == sysmon && id == "1") {
                    expected[channel, default: 0] += 1
                }
            }
        }
        #expect(expected.count == 2)
        // The same selection with the events first and the logs right after them.
        let run = try ProcessRunner.vigil(["timeline"] + events + paths + ["--format", "jsonl"])
        #expect(run.status == 1, "\(run.stderr.suffix(1000))")
        var found: [String: Int] = [:]
        for row in try Self.rows(run) where row["kind"] as? String == "event" {
            found[row["channel"] as? String ?? "", default: 0] += 1
        }
        #expect(found == expected)
        // The README's Timesketch CSV has a row per event (and per detection) after its header.
        #expect(readme.stdout.split(whereSeparator: \.isNewline).count > expected.values.reduce(0, +))
    }

    @Test func iocFilesRepeatAsInTheReadme() throws {
        // README: vigil ioc --file iocs.txt --file misp.csv --file bundle.json ../shared/logs/sysmon-json --format jsonl
        let hashes = try IOCFixture.file("hashes.txt", "sha256:\(IOCFixture.sha256)\n")
        let imphashes = try IOCFixture.file("imphashes.txt", "imphash:\(IOCFixture.imphash)\n")
        let run = try ProcessRunner.vigil(["ioc", "--file", hashes, "--file", imphashes, try IOCCLITests.log, "--format", "jsonl"])
        #expect(run.status == 1, "\(run.stderr.suffix(1000))")
        let expected = try IOCCLITests.eventsWith(IOCFixture.sha256) + IOCCLITests.eventsWith(IOCFixture.imphash)
        #expect(try Self.rows(run).count == expected)
    }
}
