// The POSIX fast path for Sigma `|re` values against an independent engine: every `|re` value of the
// SigmaHQ rules (with its i/m/s flags) on the string field values of real events, the fast path's verdict
// compared with Python's `re` for each (value, regex) pair. `re.ASCII` gives PCRE's defaults (\d, \w, \s
// ASCII; `.` one code point); Sigma's default is case-sensitive, `|re|i` ignores case.
import Foundation
import Testing
import VigilCore
import VigilTestSupport
import Yams

@testable import VigilSigma

@Suite struct RegexConformanceTests {
    struct Pattern: Hashable {
        var regex: String
        var i = false
        var m = false
        var s = false
        var flags: String { (i ? "i" : "") + (m ? "m" : "") + (s ? "s" : "") }
    }

    /// Every `|re` value of every rule file under rules/sigma, parsed with Yams.
    static func patterns() throws -> [Pattern] {
        let root = try SharedData.path("rules/sigma")
        var found: Set<Pattern> = []
        let files = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        for file in files {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            guard text.contains("|re") else { continue }
            for document in try Yams.compose_all(yaml: text) { collect(document, into: &found) }
        }
        return found.sorted { ($0.regex, $0.flags) < ($1.regex, $1.flags) }
    }

    static func collect(_ node: Node, into found: inout Set<Pattern>) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                let modifiers = (key.string ?? "").split(separator: "|").dropFirst()
                if modifiers.contains("re") {
                    let scalars: [Node] = value.sequence.map(Array.init) ?? [value]
                    for case .scalar(let scalar) in scalars {
                        found.insert(
                            Pattern(
                                regex: scalar.string, i: modifiers.contains("i"), m: modifiers.contains("m"),
                                s: modifiers.contains("s")))
                    }
                } else {
                    collect(value, into: &found)
                }
            }
        case .sequence(let sequence): for item in sequence { collect(item, into: &found) }
        default: break
        }
    }

    /// Distinct string values of the events' fields (at most 300 characters each): the first 300 events of every Sysmon JSON log and
    /// every SigmaHQ regression event, decoded as the matcher sees them.
    static func values() throws -> [String] {
        var found: Set<String> = []
        var tape = JSONTape()
        func add(document: UnsafeRawBufferPointer) {
            guard (try? tape.parseDocument(document)) != nil else { return }
            tape.nodes.withUnsafeBufferPointer { nodes in
                let event = Event(view: JSONView(tape: nodes, bytes: document))
                event.forEachField { _, v in
                    // Long values (script blocks) cut to 300 characters: some rule regexes backtrack for
                    // seconds on them in Python, and the engines differ on characters, not on length.
                    if let text = event.view.string(event.scalar(v)), !text.isEmpty { found.insert(String(text.prefix(300))) }
                }
            }
        }
        let sysmon = try SharedData.path("logs/sysmon-json")
        for name in try FileManager.default.contentsOfDirectory(atPath: sysmon).sorted() where name.hasSuffix(".json.gz") {
            let bytes = try Gzip.inflate(try FileBytes.read(sysmon + "/" + name), file: name)
            bytes.withUnsafeBytes { all in
                var start = 0
                var events = 0
                while start < all.count && events < 300 {
                    let end =
                        memchr(all.baseAddress! + start, 0x0A, all.count - start).map { UnsafeRawPointer($0) - all.baseAddress! }
                        ?? all.count
                    if end > start { add(document: UnsafeRawBufferPointer(rebasing: all[start..<end])) }
                    events += 1
                    start = end + 1
                }
            }
        }
        let regression = try SharedData.path("logs/sigma-regression/regression_data")
        for case let name as String in FileManager.default.enumerator(atPath: regression)! where name.hasSuffix(".json") {
            let bytes = try FileBytes.read(regression + "/" + name)
            bytes.withUnsafeBytes { add(document: $0) }
        }
        return found.sorted()
    }

    /// For each pattern, the indices of the values Python's `re` finds it in (nil: `re` cannot compile it).
    static func reference(_ patterns: [Pattern], _ values: [String]) throws -> [[Int]?] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-regex-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input: [String: Any] = [
            "patterns": patterns.map { [$0.regex, $0.flags] },
            "values": values,
        ]
        let inputURL = folder.appendingPathComponent("input.json")
        try JSONSerialization.data(withJSONObject: input).write(to: inputURL)
        let script = """
            import json, re, sys
            data = json.load(open(sys.argv[1], encoding="utf-8"))
            values = data["values"]
            out = []
            for pattern, flags in data["patterns"]:
                f = re.ASCII
                if "i" in flags: f |= re.IGNORECASE
                if "m" in flags: f |= re.MULTILINE
                if "s" in flags: f |= re.DOTALL
                try:
                    r = re.compile(pattern, f)
                except re.error:
                    out.append(None)
                    continue
                out.append([k for k, v in enumerate(values) if r.search(v)])
            json.dump(out, sys.stdout)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, inputURL.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ReferenceFailed(status: process.terminationStatus) }
        let parsed = try JSONSerialization.jsonObject(with: output) as! [Any]
        return parsed.map { $0 as? [Int] }
    }

    struct ReferenceFailed: Error, CustomStringConvertible {
        var status: Int32
        var description: String { "python3 (the reference regex engine) failed with status \(status)" }
    }

    /// The cases the pairs above found: `.` and `[^…]` match one character of non-ASCII text, not one byte
    /// (verdicts as Python's `re.search` gives them).
    @Test(arguments: [
        ("^.{3}$", "ééé", true), ("^.{4}$", "ééé", false), ("^[^/]{3}$", "ééé", true), ("^a.b$", "AéB", true),
        ("^[^/]{3}$", "a/é", false),
    ])
    func nonASCIITextCountsCharacters(_ pattern: String, _ text: String, _ expected: Bool) throws {
        let t = try #require(PosixRegex.translate(pattern))
        let posix = try #require(CompiledPosixRegex(t.ere, ignoreCase: true, multiline: false))
        #expect(Array(text.utf8).withUnsafeBytes { posix.matches($0) } == expected)
    }

    @Test func fastPathAgreesWithPython() throws {
        let clock = ContinuousClock()
        let t0 = clock.now
        let patterns = try Self.patterns()
        let t1 = clock.now
        let values = try Self.values()
        let t2 = clock.now
        #expect(patterns.count > 100, "found \(patterns.count) |re values")
        #expect(values.count > 10000, "found \(values.count) values")
        let reference = try Self.reference(patterns, values)
        let t3 = clock.now
        print("regex conformance timing: rules \(t1 - t0), values \(t2 - t1), python \(t3 - t2)")
        let bytes = values.map { Array($0.utf8) }
        var pairs = 0
        var fastPairs = 0
        var fastPatterns = 0
        var mismatches: [String] = []
        for (k, pattern) in patterns.enumerated() {
            // As the compiler builds it (Compiler.swift) and the matcher chooses (Matcher.swift).
            guard var regex = try? Regex(pattern.regex) else { continue }
            if pattern.i { regex = regex.ignoresCase() }
            if pattern.m { regex = regex.anchorsMatchLineEndings() }
            if pattern.s { regex = regex.dotMatchesNewlines() }
            let box = RegexBox(regex, pattern: pattern.regex, ignoreCase: pattern.i, multiline: pattern.m, dotAll: pattern.s)
            guard let posix = box.compilePosix() else { continue }
            guard let expected = reference[k].map(Set.init) else {
                Issue.record("Python cannot compile \(pattern.regex) but the fast path runs it")
                continue
            }
            fastPatterns += 1
            for (v, value) in bytes.enumerated() {
                pairs += 1
                let fast = value.withUnsafeBytes { box.posixAgrees($0) ? posix.matches($0) : nil }
                guard let fast else { continue }
                fastPairs += 1
                if fast != expected.contains(v) {
                    mismatches.append("\(pattern) on \(JSONString.quoted(values[v])): fast path \(fast), Python \(!fast)")
                }
            }
        }
        print(
            "regex conformance: \(patterns.count) patterns (\(fastPatterns) on the fast path) × \(values.count) values, \(fastPairs) of \(pairs) pairs on the fast path, \(mismatches.count) mismatches"
        )
        for m in mismatches.prefix(30) { Issue.record(Comment(rawValue: m)) }
        #expect(mismatches.isEmpty)
    }
}
