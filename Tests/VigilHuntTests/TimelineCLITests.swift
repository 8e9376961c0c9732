// `vigil timeline` run as a user runs it: the same detections as `vigil hunt`, its formats (Timesketch CSV
// with the importer's required columns), exit codes, and a progress line only on a terminal.
import Foundation
import Testing
import VigilCore
import VigilHunt
import VigilLogs
import VigilTestSupport

@Suite struct TimelineCLITests {

    static func paths() throws -> (logs: String, rules: String) {
        (try SharedData.path(TimelineTests.logs), try SharedData.path(TimelineTests.rules))
    }

    /// RFC 4180 CSV: quoted fields with doubled quotes and line breaks inside.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text)[...]
        while let ch = chars.popFirst() {
            if quoted {
                if ch == "\"" {
                    if chars.first == "\"" {
                        field.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(ch)
                }
            } else if ch == "\"" {
                quoted = true
            } else if ch == "," {
                row.append(field)
                field = ""
            } else if ch == "\n" || ch == "\r\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(ch)
            }
        }
        if !field.isEmpty || !row.isEmpty { rows.append(row + [field]) }
        return rows
    }

    @Test func detectionsAreHuntsDetections() throws {
        let (logs, rules) = try Self.paths()
        let hunt = try ProcessRunner.vigil(["hunt", logs, "--rules", rules, "--format", "jsonl"])
        let timeline = try ProcessRunner.vigil(["timeline", logs, "--rules", rules, "--format", "jsonl"])
        #expect(hunt.status == 1 && timeline.status == 1)
        func objects(_ text: String) throws -> [[String: Any]] {
            try text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        }
        let detections = try objects(hunt.stdout)
        let entries = try objects(timeline.stdout)
        #expect(!detections.isEmpty)
        #expect(entries.count == detections.count)
        func key(_ o: [String: Any], host: String) -> String {
            "\(o["file"] as? String ?? "") \(Independent.text(o["line"]) ?? "") \(o["rule_title"] as? String ?? "") \(o[host] as? String ?? "")"
        }
        #expect(entries.map { key($0, host: "host") }.sorted() == detections.map { key($0, host: "computer") }.sorted())

        // Hunt's own tally by tactic (its summary on stderr) is the timeline's per-tactic summary.
        var huntTactics: [String: Int] = [:]
        var inTactics = false
        for line in hunt.stderr.split(separator: "\n") {
            if line.hasPrefix("by tactic:") {
                inTactics = true
            } else if inTactics, line.hasPrefix("  ") {
                let parts = line.split(separator: " ")
                huntTactics[String(parts[0])] = Int(parts[1])
            } else {
                inTactics = false
            }
        }
        #expect(!huntTactics.isEmpty)
        let (files, _) = EventStream.files([logs])
        var report = EventStreamReport()
        let library = Timeline.build(files, ruleSet: try TimelineTests.ruleSet(), report: &report)
        let tactics = library.summary().tactics.filter { $0.key != "-" }
        #expect(Dictionary(uniqueKeysWithValues: tactics.map { ($0.key, $0.entries) }) == huntTactics)
        // The JSONL order is the library's order, and its datetime the library's time.
        #expect(entries.map { $0["timestamp"] as? Int64 } == library.entries.map { $0.hasTime ? $0.time : nil })
    }

    @Test func timesketchCSVHasTheImportersColumns() throws {
        let (logs, rules) = try Self.paths()
        let run = try ProcessRunner.vigil(["timeline", logs, "--rules", rules, "--format", "timesketch", "--events", "Security:4624"])
        #expect(run.status == 1)
        let rows = Self.parseCSV(run.stdout)
        let header = try #require(rows.first)
        for column in ["message", "datetime", "timestamp_desc", "timestamp"] { #expect(header.contains(column)) }
        let index = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($0.element, $0.offset) })
        let body = rows.dropFirst()
        #expect(body.count > 27)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        for row in body {
            #expect(row.count == header.count)
            let datetime = row[index["datetime"]!]
            #expect(!row[index["message"]!].isEmpty && !row[index["timestamp_desc"]!].isEmpty)
            // datetime is ISO 8601 in UTC; timestamp is the same instant in microseconds (Foundation's calendar).
            let parts = datetime.split(whereSeparator: { "-T:.Z".contains($0) }).map { Int($0)! }
            #expect(parts.count == 7 && datetime.hasSuffix("Z"))
            let date = try #require(
                calendar.date(
                    from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4], second: parts[5])
                ))
            #expect(Int64(row[index["timestamp"]!]) == Int64(date.timeIntervalSince1970.rounded()) * 1_000_000 + Int64(parts[6]))
        }
        let kinds = body.map { $0[index["kind"]!] }
        #expect(kinds.contains("event") && kinds.contains("rule"))
        let times = body.map { Int64($0[index["timestamp"]!])! }
        #expect(times == times.sorted())
    }

    @Test func formatsAndExitCodes() throws {
        let (logs, rules) = try Self.paths()
        let jsonl = try ProcessRunner.vigil(["timeline", logs, "--rules", rules, "--format", "jsonl"])
        let csv = try ProcessRunner.vigil(["timeline", logs, "--rules", rules, "--format", "csv"])
        let table = try ProcessRunner.vigil(["timeline", logs, "--rules", rules])
        let lines = jsonl.stdout.split(separator: "\n")
        // Machine formats keep the summary on stderr; table prints it on stdout.
        #expect(jsonl.stderr.contains("== timeline ==") && !jsonl.stdout.contains("== timeline =="))
        #expect(table.stdout.contains("== timeline ==") && table.stdout.contains("by tactic"))
        #expect(Self.parseCSV(csv.stdout).count == lines.count + 1)
        #expect(
            Self.parseCSV(csv.stdout).first == [
                "datetime", "timestamp", "host", "channel", "event_id", "record_id", "kind", "level", "rule_title", "rule_id",
                "tactics", "techniques", "message", "file", "line",
            ])
        let summaryOnly = try ProcessRunner.vigil(["timeline", logs, "--rules", rules, "--format", "jsonl", "--summary-only"])
        #expect(summaryOnly.status == 1 && summaryOnly.stdout.isEmpty && summaryOnly.stderr.contains("by host"))

        #expect(try ProcessRunner.vigil(["timeline", logs, "--events", "No-Such-Channel:1"]).status == 0)
        #expect(try ProcessRunner.vigil(["timeline", logs, "--events", "Security:46x"]).status == 2)
        #expect(try ProcessRunner.vigil(["timeline", logs]).status == 2)
        #expect(try ProcessRunner.vigil(["timeline", logs, "--rules", rules, "--min-level", "severe"]).status == 2)
        #expect(try ProcessRunner.vigil(["timeline", "/nonexistent-vigil-logs", "--rules", rules]).status == 2)
        let empty = NSTemporaryDirectory() + "vigil-no-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(try ProcessRunner.vigil(["timeline", logs, "--rules", empty]).status == 2)
    }

    /// No progress line when standard error is a pipe; one, erased at the end, when it is a terminal
    /// (`script` runs the command on a pseudo-terminal).
    @Test func progressOnlyOnATerminal() throws {
        let file = try SharedData.path(Independent.sysmonFiles[0])
        let (logs, rules) = try Self.paths()
        for arguments in [
            ["metrics", file], ["stack", "Image", file], ["search", "bitsadmin", file], ["timeline", logs, "--rules", rules],
            ["hunt", logs, "--rules", rules, "--quiet"],
        ] {
            #expect(!(try ProcessRunner.vigil(arguments)).stderr.contains("\u{1B}[2K"), "\(arguments[0])")
            let command = ([CoverageFixtures.vigil] + arguments).map { "'\($0)'" }.joined(separator: " ")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", command + " 2>&1 >/dev/null", "/dev/null"]
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(text.contains("\u{1B}[2K\r["), "\(arguments[0])")
            #expect(text.contains(" files, "), "\(arguments[0])")
        }
    }
}
