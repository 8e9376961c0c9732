// The rating table (built-in rows, a user's table, its errors) and analyst overrides (dated, commented, by id
// or path glob, and the entries refused).

import Testing
import VigilCore

@testable import VigilCoverage

@Suite struct RatingTests {
    func rule(_ source: RuleSource, id: String = "r", path: String = "rules/x.yml", _ build: (inout DetectionRule) -> Void = { _ in })
        -> DetectionRule
    {
        var rule = DetectionRule(source: source, id: id, title: "t", path: path)
        build(&rule)
        return rule
    }

    @Test func builtInTableParsesAndCoversEverySource() {
        let table = RatingTable.default
        #expect(table.origin == "built-in")
        for source in RuleSource.allCases {
            // Each source ends with a row that matches all its rules, so no rule falls through.
            #expect(table.rows.last { $0.source == source }?.conditions.isEmpty == true, "\(source)")
        }
    }

    @Test func sigmaRows() {
        let table = RatingTable.default
        func rating(_ status: String?, _ level: Severity?, deprecated: Bool = false) -> RuleRating {
            table.rate(
                rule(.sigma) {
                    $0.status = status
                    $0.severity = level
                    $0.deprecated = deprecated
                })
        }
        #expect(rating("stable", .high).rating == 5)
        #expect(rating("stable", .critical).rating == 5)
        #expect(rating("stable", .medium).rating == 4)
        #expect(rating("test", .high).rating == 4)
        #expect(rating("test", .medium).rating == 3)
        #expect(rating("experimental", .high).rating == 3)
        #expect(rating("experimental", .medium).rating == 2)
        #expect(rating("stable", .low).rating == 3)
        #expect(rating("experimental", .low).rating == 2)
        #expect(rating("stable", .informational).rating == 2)
        #expect(rating("stable", .high, deprecated: true).rating == 1)
        // The rule's own level is its severity; a rule without one takes the row's.
        #expect(rating("test", .high).severity == .high)
        #expect(rating(nil, nil).severity == .medium)
        let explained = rating("stable", .high)
        #expect(explained.origin == .table(row: 6))
        #expect(explained.reason.contains("stable status, high or critical level"))
        #expect(explained.reason.contains("built-in rating table row 6"))
    }

    @Test func elasticRows() {
        let table = RatingTable.default
        func rating(_ maturity: String, _ risk: Int, type: String = "eql", purpose: String? = nil) -> Int {
            table.rate(
                rule(.elastic) {
                    $0.status = maturity
                    $0.qualifiers = ["maturity": maturity, "risk_score": String(risk), "type": type]
                    $0.qualifiers["purpose"] = purpose
                    $0.deprecated = maturity == "deprecated"
                }
            ).rating
        }
        #expect(rating("production", 99) == 5)
        #expect(rating("production", 73) == 5)
        #expect(rating("production", 72) == 4)
        #expect(rating("production", 47) == 4)
        #expect(rating("production", 21) == 3)
        #expect(rating("production", 73, type: "machine_learning") == 3)
        #expect(rating("production", 21, purpose: "building-block") == 2)
        #expect(rating("development", 73) == 2)
        #expect(rating("deprecated", 73) == 1)
        let hunt = table.rate(rule(.elastic) { $0.qualifiers["purpose"] = "hunting" })
        #expect(hunt.rating == 2)
        #expect(hunt.severity == .low)
    }

    @Test func carEqlSentinelThpRows() {
        let table = RatingTable.default
        #expect(table.rate(rule(.car) { $0.qualifiers["coverage"] = "High" }).rating == 4)
        #expect(table.rate(rule(.car) { $0.qualifiers["coverage"] = "Moderate" }).rating == 3)
        #expect(table.rate(rule(.car) { $0.qualifiers["coverage"] = "Low" }).rating == 2)
        #expect(table.rate(rule(.car)).severity == .medium)
        let eql = table.rate(rule(.eql) { $0.qualifiers = ["confidence": "high", "purpose": "detect"] })
        #expect(eql.rating == 4)
        #expect(eql.severity == .high)
        #expect(eql.origin == .table(row: 26))
        #expect(eql.reason.contains("(the row's severity)"))
        #expect(table.rate(rule(.eql) { $0.qualifiers = ["confidence": "low", "purpose": "enrich"] }).rating == 1)
        #expect(table.rate(rule(.eql) { $0.qualifiers = ["confidence": "low"] }).severity == .low)
        #expect(table.rate(rule(.sentinel) { $0.severity = .high }).rating == 3)
        #expect(table.rate(rule(.sentinel) { $0.severity = .medium }).rating == 2)
        #expect(table.rate(rule(.threatHunterPlaybook)).rating == 2)
    }

    @Test func everyRealRuleIsRatedByARow() throws {
        // Over the six repositories, no rule falls back, and the table's ratings stay in 1…5.
        let table = RatingTable.default
        for name in ["sigma", "elastic", "car", "eqllib", "sentinel-attack", "threat-hunter-playbook"] {
            for rule in try Repositories.read(name).rules {
                let rating = table.rate(rule)
                #expect(rating.origin != .fallback, "\(rule.path)")
                #expect((1...5).contains(rating.rating))
            }
        }
        // `grep -c "status: stable"` … spot check: the CAR analytics rated from the weakest coverage.
        let car = try Repositories.rule("car", id: "CAR-2013-02-003")
        #expect(table.rate(car).rating == 3)
    }

    @Test func userTableReplacesTheBuiltIn() throws {
        let yaml = """
            version: 1
            rows:
              - source: sigma
                when: { level: [high, critical], status: absent }
                rating: 4
                why: high level, no status
              - source: elastic
                when: { risk_score: "21..46" }
                rating: 1
                severity: low
                why: low risk
              - source: elastic
                when: { risk_score: "< 21" }
                rating: 5
                why: odd but allowed
            """
        let table = try RatingTable.parse(Array(yaml.utf8), file: "mine.yml")
        #expect(table.rows.count == 3)
        let sigma = table.rate(rule(.sigma) { $0.qualifiers["level"] = "HIGH" })
        #expect(sigma.rating == 4)
        #expect(sigma.reason.hasPrefix("mine.yml row 1 (line 3): high level, no status"))
        #expect(table.rate(rule(.elastic) { $0.qualifiers["risk_score"] = "21" }).rating == 1)
        #expect(table.rate(rule(.elastic) { $0.qualifiers["risk_score"] = "20" }).rating == 5)
        let none = table.rate(rule(.car))
        #expect(none.origin == .fallback)
        #expect(none.rating == 2)
    }

    @Test(arguments: [
        ("rows: []\n", 1, "no `rows:`"),
        ("rows:\n  - source: splunk\n    rating: 3\n", 2, "source"),
        ("rows:\n  - source: sigma\n    rating: 7\n", 3, "rating"),
        ("rows:\n  - source: sigma\n    rating: 2\n    severity: severe\n", 4, "severity"),
        ("rows:\n  - source: sigma\n    rating: 2\n    when: { risk_score: \">= lots\" }\n", 4, "range"),
        ("version: 2\nrows:\n  - source: sigma\n    rating: 2\n", 1, "version"),
        ("rows:\n  - source: sigma\n   rating: 2\n", 3, "YAML"),
    ])
    func badTablesAreErrorsWithLines(_ yaml: String, _ line: Int, _ words: String) {
        do {
            _ = try RatingTable.parse(Array(yaml.utf8), file: "bad.yml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.location.file == "bad.yml")
            #expect(error.location.line == line, "\(error)")
            #expect(error.message.contains(words), "\(error)")
        }
    }

    @Test func loadsFromFiles() throws {
        let folder = try ScratchFolder(text: [
            "table.yml": RatingTable.defaultYAML,
            "overrides.yml": "overrides:\n  - rule: r\n    rating: 5\n    date: 2026-01-05\n    comment: tuned\n",
        ])
        defer { folder.remove() }
        #expect(try RatingTable.load(folder.path + "/table.yml").rows == RatingTable.default.rows)
        #expect(try RatingOverrides.load(folder.path + "/overrides.yml").entries.count == 1)
        #expect(throws: Diagnostic.self) { try RatingTable.load(folder.path + "/absent.yml") }
    }

    static let overridesYAML = """
        overrides:
          - rule: 19b08b1c-861d-4e75-a1ef-ea0c1baf202b
            rating: 5
            severity: high
            date: 2026-03-02
            comment: tested against our certutil telemetry, no false positive in 90 days
          - path: "rules/windows/process_creation/*"
            rating: 3
            date: 2026-03-01
            comment: process creation rules need our parent-process exclusions first
          - path: "proc_creation_win_susp_*.yml"
            source: sigma
            rating: 2
            date: 2026-03-01
            comment: generic suspicious-process rules are noisy here
          - path: "rules/**/network_*.yml"
            severity: low
            date: 2026-02-20
            comment: network rules go to the low queue
          - rule: no-date
            rating: 1
            comment: forgot the date
          - rule: no-comment
            rating: 1
            date: 2026-02-20
          - rule: bad-date
            rating: 1
            date: 20 Feb 2026
            comment: x
          - rule: both
            path: "*"
            rating: 1
            date: 2026-02-20
            comment: x
          - rule: nothing-to-change
            date: 2026-02-20
            comment: x
          - rule: bad-rating
            rating: 9
            date: 2026-02-20
            comment: x
        """

    @Test func overridesByIdAndGlob() throws {
        let overrides = try RatingOverrides.parse(Array(Self.overridesYAML.utf8), file: "overrides.yml")
        #expect(overrides.entries.count == 4)
        let rater = RuleRater(overrides: overrides)
        let base: (inout DetectionRule) -> Void = {
            $0.status = "test"
            $0.severity = .medium
        }
        // By id: wins over the glob that also matches its path.
        let certutil = rater.rate(
            rule(
                .sigma, id: "19b08b1c-861d-4e75-a1ef-ea0c1baf202b",
                path: "rules/windows/process_creation/proc_creation_win_certutil_download.yml", base))
        #expect(certutil.rating == 5)
        #expect(certutil.severity == .high)
        #expect(certutil.origin == .override(SourceLocation(file: "overrides.yml", line: 2)))
        #expect(certutil.reason.contains("2026-03-02"))
        #expect(certutil.reason.contains("no false positive in 90 days"))
        #expect(certutil.reason.contains("rating 3 → 5"))
        // By path glob: `*` stays inside the folder.
        #expect(rater.rate(rule(.sigma, path: "rules/windows/process_creation/a.yml", base)).rating == 3)
        #expect(
            Glob("rules/windows/process_creation/*", separator: UInt8(ascii: "/")).matches("rules/windows/process_creation/deeper/a.yml")
                == false)
        // A glob without `/` matches the file name in any folder, limited here to Sigma.
        #expect(rater.rate(rule(.sigma, path: "rules-threat-hunting/windows/proc_creation_win_susp_x.yml", base)).rating == 2)
        #expect(rater.rate(rule(.elastic, path: "rules/proc_creation_win_susp_x.yml", base)).origin == .table(row: 19))
        // `**` crosses folders, including none; severity only.
        let network = rater.rate(rule(.sigma, path: "rules/network/zeek/network_dns.yml", base))
        #expect(network.severity == .low)
        #expect(network.rating == 3)
        #expect(Glob("rules/**/network_*.yml", separator: UInt8(ascii: "/")).matches("rules/network_x.yml"))
        // Untouched rules keep the table's row.
        #expect(rater.rate(rule(.sigma, path: "rules/linux/x.yml", base)).origin == .table(row: 9))
    }

    @Test func overridesWithoutDateOrCommentAreRefused() throws {
        let overrides = try RatingOverrides.parse(Array(Self.overridesYAML.utf8), file: "overrides.yml")
        #expect(overrides.diagnostics.count == 6)
        #expect(overrides.diagnostics.allSatisfy { $0.code == "override-invalid" && $0.location.file == "overrides.yml" })
        let byLine = Dictionary(uniqueKeysWithValues: overrides.diagnostics.map { ($0.location.line ?? 0, $0.message) })
        #expect(byLine[20]?.contains("no `date:`") == true)
        #expect(byLine[23]?.contains("no `comment:`") == true)
        #expect(byLine[26]?.contains("no `date:`") == true)
        #expect(byLine[30]?.contains("exactly one") == true)
        #expect(byLine[35]?.contains("neither") == true)
        #expect(byLine[38]?.contains("not 1 to 5") == true)
        // Refused entries change nothing.
        #expect(RuleRater(overrides: overrides).rate(rule(.sigma, id: "no-date") { $0.status = "test" }).origin == .table(row: 9))
    }

    @Test func badOverrideFiles() throws {
        #expect(throws: Diagnostic.self) { try RatingOverrides.parse(Array("overrides: [\n".utf8), file: "o.yml") }
        do {
            _ = try RatingOverrides.parse(Array("rules:\n  - rule: x\n".utf8), file: "o.yml")
            Issue.record("accepted a file without overrides:")
        } catch {
            #expect(error.code == "override-file")
        }
        let folder = try ScratchFolder(["o.yml": [0x6F, 0x00]])
        defer { folder.remove() }
        #expect(throws: Diagnostic.self) { try RatingOverrides.load(folder.path + "/o.yml") }
    }
}
