// `vigil coverage` and `vigil rules check` keep the CLI's contract: exit 0 success, 1 findings (a rejected rule, a
// missed gate), 2 bad input or usage; `--json` is `--format json`; help that ArgumentParser wraps; counts whose
// nouns agree; and the gap plan says why each gap has its colour, in the words of the layer comment.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct CoverageContractTests {
    static let examples = SharedData.packageRoot() + "/Examples"
    /// `vigil coverage` over the example SOC's inventory and `rules` (its 15 SigmaHQ rules unless told otherwise).
    static func coverage(rules: [String] = [examples + "/rules"]) -> [String] {
        ["coverage", "--inventory", examples + "/inventory.yaml", "--today", "2026-11-29", "--rules"] + rules
    }
    static let exampleRun = coverage()

    /// A Sigma rule the engine rejects (its condition ends early), and the line that says so.
    static let brokenRule = """
        title: Broken Condition
        id: 0f0e0d0c-0b0a-4909-8807-060504030201
        status: test
        logsource:
            product: windows
            category: process_creation
        detection:
            selection:
                Image|endswith: '\\evil.exe'
            condition: selection and
        level: high
        tags:
            - attack.t1059.001
        """

    static func scratch(_ files: [String: String] = [:]) throws -> String {
        let folder = NSTemporaryDirectory() + "vigil-contract-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            let path = folder + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        return folder
    }

    static func summary(_ run: VigilRun) throws -> [String: Any] {
        try #require(run.json as? [String: Any], "not JSON: \(run.stdout.prefix(300)) \(run.stderr.suffix(500))")
    }

    @Test func cleanRunExitsZero() throws {
        let r = try VigilProcess.run(Self.exampleRun)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("rules: 15 sigma; 1 blind (logs not collected); 0 rejected\n"), "\(r.stdout)")
    }

    /// A rejected rule is a finding: exit 1, named with file, line and reason, and it counts for nothing.
    @Test func rejectedRuleExitsOne() throws {
        let bad = try Self.scratch(["broken.yml": Self.brokenRule])
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let clean = try Self.summary(try VigilProcess.run(Self.exampleRun + ["--json"]))
        let r = try VigilProcess.run(Self.coverage(rules: [Self.examples + "/rules", bad]) + ["--json"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains(bad + "/broken.yml:10:"), "\(r.stderr)")
        #expect(r.stderr.contains("1 rule was rejected"), "\(r.stderr)")
        let summary = try Self.summary(r)
        #expect(summary["rulesRejected"] as? Int == 1)
        #expect((summary["techniques"] as? [String: Int]) == (clean["techniques"] as? [String: Int]))
        #expect((summary["rulesBySource"] as? [String: Int]) == (clean["rulesBySource"] as? [String: Int]))
        // Only rejected rules: still findings, not "no rules".
        #expect(try VigilProcess.run(Self.coverage(rules: [bad])).status == 1)
    }

    /// A --rules path that is not there is bad input: reported, the rest still assessed and printed, exit 2 — also
    /// when a rule was rejected (bad input outranks findings).
    @Test func missingRulesPathExitsTwo() throws {
        let r = try VigilProcess.run(Self.coverage(rules: [Self.examples + "/rules", "/no/such/rules"]) + ["--json"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("/no/such/rules"))
        #expect((try Self.summary(r)["rulesBySource"] as? [String: Int])?["sigma"] == 15)
        let bad = try Self.scratch(["broken.yml": Self.brokenRule])
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let both = try VigilProcess.run(Self.coverage(rules: [bad, "/no/such/rules"]))
        #expect(both.status == 2, "\(both.stderr)")
        #expect(try VigilProcess.run(Self.coverage(rules: ["/no/such/rules"])).status == 2)
    }

    @Test func unknownActorExitsTwo() throws {
        let r = try VigilProcess.run(Self.exampleRun + ["--actors", "APT29", "NOSUCHGROUP"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("NOSUCHGROUP"))
    }

    @Test func missedGateExitsOne() throws {
        let r = try VigilProcess.run(Self.exampleRun + ["--fail-under", "90"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("coverage gate missed"))
    }

    /// `--json` is `--format json`, byte for byte; `--format table` is the default; other formats are usage errors.
    @Test func formatConvention() throws {
        for command in [Self.exampleRun, ["rules", "check", Self.examples + "/rules/sigma"]] {
            let a = try VigilProcess.run(command + ["--json"])
            let b = try VigilProcess.run(command + ["--format", "json"])
            #expect(a.status == 0 && b.status == 0, "\(command): \(a.stderr) \(b.stderr)")
            #expect(a.json != nil, "\(command) --json printed \(a.stdout.prefix(200))")
            // rules check's JSON holds the seconds it took; the rest must agree.
            #expect(Self.withoutSeconds(a.stdout) == Self.withoutSeconds(b.stdout), "\(command): --json and --format json differ")
            let table = try VigilProcess.run(command + ["--format", "table"])
            let plain = try VigilProcess.run(command)
            #expect(table.status == 0 && Self.withoutSeconds(table.stdout) == Self.withoutSeconds(plain.stdout))
            let csv = try VigilProcess.run(command + ["--format", "csv"])
            #expect(csv.status == 2 && csv.stderr.contains("--format table, json"), "\(csv.stderr)")
            #expect(try VigilProcess.run(command + ["--json", "--format", "table"]).status == 2)
            #expect(try VigilProcess.run(command + ["--format", "yaml"]).status == 2)
        }
    }

    static func withoutSeconds(_ text: String) -> String {
        text.replacingOccurrences(of: #""seconds":[0-9.e-]+"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #"\([0-9.e-]+ s\)"#, with: "", options: .regularExpression)
    }

    /// Help text is ArgumentParser's to wrap: at 80 and at 200 columns a line breaks only where the next word would
    /// not have fitted (a break written into the text shows up at 200 columns).
    @Test(arguments: [["coverage"], ["rules", "check"]]) func helpIsWrappedByArgumentParserOnly(_ command: [String]) throws {
        for width in [80, 200] {
            let r = try VigilProcess.run(command + ["--help"], environment: ["COLUMNS": "\(width)"])
            #expect(r.status == 0)
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (first, next) in zip(lines, lines.dropFirst()) where !first.isEmpty && !next.isEmpty {
                let indent = next.prefix { $0 == " " }.count
                let body = next.dropFirst(indent)
                if indent == 2 || (indent == 0 && body.hasSuffix(":")) || first.hasPrefix("USAGE:") { continue }
                // An option name too long for its column stands on a line of its own, its help below.
                let header = first.drop { $0 == " " }
                if header.hasPrefix("-") && !header.contains("  ") { continue }
                let word = body.prefix { $0 != " " }
                // ArgumentParser keeps lines shorter than the width.
                #expect(
                    first.count + 1 + word.count >= width,
                    "\(command) --help at \(width) columns breaks before \"\(word)\" with room left:\n\(first)\n\(next)")
            }
        }
        let help = try VigilProcess.run(command + ["--help"])
        #expect(help.stdout.contains("--format <format>") && help.stdout.contains("Same as --format json."))
        #expect(!help.stdout.contains("--print-map"), "coverage has no --print-map")
    }

    /// One actor, one blind rule, one technique turned green by a log source: no "1 actors", "1 rules", no "(s)".
    @Test func countsAgreeWithTheirNouns() throws {
        let out = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try VigilProcess.run(
            Self.exampleRun + ["--actors", "APT29", "--layers", out, "--report", out + "/plan.md", "--plan", out + "/plan.json"])
        #expect(r.status == 0, "\(r.stderr)")
        let plan = try String(contentsOfFile: out + "/plan.md", encoding: .utf8)
        #expect(plan.contains("1 rule is blind (its logs are not collected)."), "\(plan.prefix(600))")
        #expect(r.stdout.contains("turns 1 technique green"), "\(r.stdout)")
        let layer = try String(contentsOfFile: out + "/vigil-status.json", encoding: .utf8)
        #expect(layer.contains("used by 1 selected actor\""))
        let texts = [r.stdout, r.stderr, plan, layer, try String(contentsOfFile: out + "/plan.json", encoding: .utf8)]
        let wrong = #/(^|[^0-9.,])1 (rules|actors|techniques|sub-techniques|problems)\b|\((s|es)\)/#
        for text in texts {
            let match = text.firstMatch(of: wrong)
            #expect(match == nil, "\(match.map { String(text[$0.range]) } ?? "")")
        }
    }

    /// Every gap in the plan (Markdown, JSON, the summary's top gaps) says why it has its colour, with the very text
    /// of the technique's comment in the status layer — also a yellow one that misses no data component.
    @Test func gapPlanGivesTheLayersReason() throws {
        let out = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try VigilProcess.run(
            Self.exampleRun + [
                "--accept", Self.examples + "/accepted-risks.yaml", "--actors", "APT29", "FIN7", "--layers", out, "--report",
                out + "/plan.md", "--plan", out + "/plan.json", "--json",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        let layer = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/vigil-status.json"))) as? [String: Any])
        var comments: [String: String] = [:]
        for t in layer["techniques"] as? [[String: Any]] ?? [] {
            comments[t["techniqueID"] as? String ?? ""] = t["comment"] as? String
        }
        let plan = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/plan.json"))) as? [String: Any])
        let gaps = try #require(plan["gaps"] as? [[String: Any]])
        #expect(gaps.count == 50)
        let markdown = try String(contentsOfFile: out + "/plan.md", encoding: .utf8)
        // The example inventory has high-value assets: gaps are weighed over them, each with its terms.
        #expect(
            markdown.contains(
                "| technique | status | weight | terms | actors | reason | missing data components | logs that provide them |"))
        var yellowWithoutMissing = 0
        for gap in gaps {
            let id = try #require(gap["id"] as? String)
            let reason = try #require(gap["reason"] as? String, "\(id) has no reason")
            #expect(!reason.isEmpty && reason == comments[id], "\(id): \(reason) vs the layer's \(comments[id] ?? "nothing")")
            let cell = reason.replacingOccurrences(of: "|", with: "\\|")
            #expect(
                markdown.contains("| \(id) ")
                    && markdown.contains("| \(gap["status"] as? String ?? "") | \(gap["weight"] as? Int ?? -1) | "), "\(id)")
            #expect(markdown.contains(" | \(gap["actorWeight"] as? Int ?? -1) | \(cell) |"), "\(id)")
            if gap["status"] as? String == "yellow", (gap["missingDataComponents"] as? [String])?.isEmpty == true {
                yellowWithoutMissing += 1
            }
        }
        #expect(yellowWithoutMissing > 0, "the example has yellow techniques that miss no data component")
        // The summary's top gaps carry it too, and the text table shows it.
        let top = try #require(try Self.summary(r)["topGaps"] as? [[String: Any]])
        #expect(top.allSatisfy { ($0["reason"] as? String) == comments[$0["id"] as? String ?? ""] })
        let text = try VigilProcess.run(Self.exampleRun + ["--actors", "APT29", "FIN7"])
        let first = try #require(top.first)
        #expect(text.stdout.contains("REASON\n"))
        #expect(text.stdout.contains("\(first["name"] as? String ?? "")"))
        #expect(text.stdout.contains(first["reason"] as? String ?? "-"), "\(text.stdout)")
    }
}

@Suite struct RulesCheckContractTests {
    @Test func exitCodes() throws {
        let examples = SharedData.packageRoot() + "/Examples/rules/sigma"
        let clean = try VigilProcess.run(["rules", "check", examples])
        #expect(clean.status == 0, "\(clean.stderr)")
        let bad = try CoverageContractTests.scratch(["broken.yml": CoverageContractTests.brokenRule])
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let rejected = try VigilProcess.run(["rules", "check", examples, bad])
        #expect(rejected.status == 1)
        #expect(
            rejected.stdout.contains(bad + "/broken.yml:10:29: error: condition 'selection and': condition ends early [condition-syntax]"))
        let json = try #require(try VigilProcess.run(["rules", "check", bad, "--json"]).json as? [String: Any])
        #expect(json["rejected"] as? Int == 1)
        // A path that is not there, and no rule file at all, are bad input.
        #expect(try VigilProcess.run(["rules", "check", examples, "/no/such/rules"]).status == 2)
        let empty = try CoverageContractTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(try VigilProcess.run(["rules", "check", empty]).status == 2)
        #expect(try VigilProcess.run(["rules", "check", examples, "--format", "csv"]).status == 2)
    }
}
