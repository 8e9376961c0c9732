// The CLI contract of the finding commands, checked on real logs by independent readers: every format a
// command names parses (Python's csv and json modules), `--json` is `--format json`, the rows agree across
// formats, and exit codes are 0 nothing found, 1 findings, 2 bad input — a failed write included.
import Foundation
import Testing
import VigilTestSupport

@Suite(.serialized) struct OutputContractTests {
    static func shared(_ path: String) throws -> String { try SharedData.path(path) }

    /// Parses `text` with Python: "csv" gives the rows as lists (header first), "json" the document, "jsonl"
    /// a list of the lines' objects.
    static func python(_ format: String, _ text: String) throws -> Any {
        let folder = NSTemporaryDirectory() + "vigil-contract-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let input = folder + "/input"
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let script: String
        switch format {
        case "csv": script = "import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline=''), strict=True))))"
        case "json": script = "import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))"
        default: script = "import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1]).read().split('\\n') if l]))"
        }
        let run = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, input])
        #expect(run.status == 0, "python could not read the \(format): \(run.stderr.suffix(500))")
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    }

    /// Runs `arguments` in every format of `formats`; checks `--json` equals `--format json`, each parses, and
    /// csv, json and jsonl hold the same number of rows. Returns that number.
    @discardableResult
    static func formatsAgree(_ arguments: [String], formats: [String] = ["json", "jsonl", "csv"], status: Int32 = 1) throws -> Int {
        var counts: [String: Int] = [:]
        for format in formats {
            let run = try ProcessRunner.vigil(arguments + ["--format", format])
            #expect(run.status == status, "\(arguments) --format \(format): \(run.stderr.suffix(800))")
            let parsed = try python(format, run.stdout)
            let rows = (parsed as? [Any])?.count ?? -1
            counts[format] = format == "csv" ? rows - 1 : rows
            if format == "json" {
                let alias = try ProcessRunner.vigil(arguments + ["--json"])
                #expect(alias.status == status)
                #expect(alias.stdout == run.stdout, "--json differs from --format json")
            }
            if format == "csv", let rows = parsed as? [[String]], let header = rows.first {
                #expect(rows.allSatisfy { $0.count == header.count }, "ragged CSV rows")
            }
        }
        #expect(Set(counts.values).count == 1, "rows differ between formats: \(counts)")
        return counts.values.first ?? 0
    }

    /// The bug this guards: CRLF inside a value (the EVTX samples' messages) was not quoted, and 40% of hunt's
    /// CSV rows over the samples were malformed.
    @Test func huntOverTheEVTXSamples() throws {
        let rows = try Self.formatsAgree([
            "hunt", "--rules", try Self.shared("rules/sigma/rules/windows"), try Self.shared("logs/evtx-attack-samples"),
        ])
        #expect(rows > 1000)
        let csv = try ProcessRunner.vigil([
            "hunt", "--rules", try Self.shared("rules/sigma/rules/windows"), try Self.shared("logs/evtx-attack-samples"), "--format",
            "csv",
        ])
        // More CRLFs than records (and the header): some value holds a line break, so the parse above proves the quoting.
        let bytes = Array(csv.stdout.utf8)
        let lineBreaks = zip(bytes, bytes.dropFirst()).filter { $0 == (0x0D, 0x0A) }.count
        #expect(lineBreaks > rows + 1, "no value with a line break: the CSV check proves nothing")
    }

    @Test func searchIOCAndTimeline() throws {
        let logs = try Self.shared("logs/evtx-attack-samples/Credential Access")
        #expect(try Self.formatsAgree(["search", "lsass", logs]) > 0)
        let iocs = NSTemporaryDirectory() + "vigil-contract-iocs-\(UUID().uuidString).txt"
        try "lsass.exe\nmimikatz.exe\n".write(toFile: iocs, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: iocs) }
        #expect(try Self.formatsAgree(["ioc", "--file", iocs, logs]) > 0)
        let rules = try Self.shared("rules/sigma/rules/windows/process_access")
        #expect(try Self.formatsAgree(["timeline", logs, "--rules", rules]) > 0)
    }

    @Test func nothingFoundIsZeroAndBadInputTwo() throws {
        let logs = try Self.shared("logs/evtx-attack-samples/Credential Access")
        let none = try ProcessRunner.vigil(["search", "no-such-text-anywhere-\(UUID().uuidString)", logs, "--json"])
        #expect(none.status == 0)
        #expect(try Self.python("json", none.stdout) as? [Any] != nil)
        for arguments in [
            ["search", "x", "/nonexistent/logs"],
            ["hunt", "--rules", try Self.shared("rules/sigma/rules/windows/process_access"), logs, "--json", "--format", "csv"],
            ["hunt", "--rules", try Self.shared("rules/sigma/rules/windows/process_access"), logs, "--format", "timesketch"],
            ["stack", "Image", logs, "--format", "csv"],
        ] {
            let run = try ProcessRunner.vigil(arguments)
            #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr.suffix(300))")
        }
    }

    @Test func aggregatesAndDumpsTakeJSONBothWays() throws {
        let logs = try Self.shared("logs/evtx-attack-samples/Credential Access")
        for arguments in [["stack", "Image", logs], ["metrics", logs], ["evtx", "info"] + (try Self.evtx(logs))] {
            let format = try ProcessRunner.vigil(arguments + ["--format", "json"])
            let alias = try ProcessRunner.vigil(arguments + ["--json"])
            #expect(format.status == alias.status && format.stdout == alias.stdout, "\(arguments)")
            #expect(try Self.python("json", alias.stdout) is [String: Any] || (try Self.python("json", alias.stdout) is [Any]))
        }
        let files = try Self.evtx(logs)
        let dump = try ProcessRunner.vigil(["evtx", "dump"] + files)
        let alias = try ProcessRunner.vigil(["evtx", "dump", "--json"] + files)
        #expect(dump.stdout == alias.stdout && !dump.stdout.isEmpty)
        let info = try ProcessRunner.vigil(["evtx", "info", "--format", "jsonl"] + files)
        #expect((try Self.python("jsonl", info.stdout) as? [Any])?.count == files.count)
        let rules = try Self.shared("rules/sigma/rules/windows/process_access")
        let convert = try ProcessRunner.vigil(["convert", "--target", "duckdb", rules, "--json"])
        #expect(try Self.python("json", convert.stdout) is [String: Any])
        let export = try ProcessRunner.vigil(["export", files[0]])
        let exportAlias = try ProcessRunner.vigil(["export", files[0], "--json"])
        #expect(export.status == 0 && export.stdout == exportAlias.stdout && !export.stdout.isEmpty)
    }

    /// A full disk is an error, not a silent exit 0 with truncated output.
    @Test func failedWritesExitTwo() throws {
        let logs = try Self.shared("logs/evtx-attack-samples/Credential Access")
        for command in [
            "hunt --rules '\(try Self.shared("rules/sigma/rules/windows/process_access"))' '\(logs)' --format jsonl",
            "evtx dump '\(try Self.evtx(logs)[0])'", "export '\(logs)'", "attack info",
        ] {
            let run = try ProcessRunner.run("/bin/sh", ["-c", "'\(CoverageFixtures.vigil)' \(command) > /dev/full"])
            #expect(run.status == 2, "\(command): \(run.status)")
            #expect(run.stderr.contains("No space left on device"), "\(command): \(run.stderr.suffix(300))")
        }
    }

    static func evtx(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".evtx") }.sorted().prefix(5).map {
            folder + "/" + $0
        }
    }
}
