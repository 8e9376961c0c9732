// SigmaHQ's regression data: the full rule set over each case's JSON events must fire the named rule
// exactly `match_count` times (at least once when the case gives no count).
import Testing
import VigilCore
import VigilSigma
import VigilTestSupport

struct RegressionCase: CustomStringConvertible {
    var folder: String
    var ruleIDs: [String]
    var tests: [(count: Int?, json: String)]
    var description: String { folder }

    /// Reads the few keys needed from `info.yml` (a fixed, simple layout).
    static func all() throws -> [RegressionCase] {
        let root = try SharedData.path("logs/sigma-regression")
        var cases: [RegressionCase] = []
        for file in FileBytes.files(under: root + "/regression_data") where file.hasSuffix("/info.yml") {
            let text = String(decoding: try FileBytes.read(file), as: UTF8.self)
            var ids: [String] = []
            var tests: [(Int?, String)] = []
            var section = ""
            var count: Int?
            for raw in text.split(separator: "\n") {
                let line = raw.trimmingCharacters()
                if !raw.hasPrefix(" ") && line.hasSuffix(":") { section = String(line.dropLast()) }
                if raw.hasPrefix("#") || line.hasPrefix("#") { continue }
                if section == "rule_metadata", line.hasPrefix("- id:") { ids.append(line.dropFirst(5).trimmingCharacters()) }
                if section == "regression_tests_info" {
                    if line.hasPrefix("- name:") { count = nil }
                    if line.hasPrefix("match_count:") { count = Int(line.dropFirst(12).trimmingCharacters()) }
                    if line.hasPrefix("path:") {
                        var path = line.dropFirst(5).trimmingCharacters()
                        if path.hasSuffix(".evtx") { path = String(path.dropLast(5)) + ".json" }
                        tests.append((count, root + "/" + path))
                    }
                }
            }
            if !tests.isEmpty { cases.append(RegressionCase(folder: file, ruleIDs: ids, tests: tests)) }
        }
        return cases
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}

/// `match_count`s that SigmaHQ itself corrected after the snapshot (SigmaHQ/sigma PR #6211, merged 2026-08-08:
/// "values were too low"): rule id → the corrected count. Vigil's counts agree with the corrected values.
let upstreamCorrections: [String: Int] = [
    "0b9ad457-2554-44c1-82c2-d56a99c42377": 3,  // file_event_win_anydesk_artefact
    "8fbf3271-1ef6-4e94-8210-03c2317947f6": 3,  // file_event_win_cred_dump_tools_dropped_files
    "45e112d0-7759-4c2a-aa36-9f8fb79d3393": 3,  // registry_set_change_security_zones
    "c7dcacd0-cc59-4004-b0a4-1d6cdebe6f3e": 2,  // registry_set_disable_administrative_share
]

@Suite struct RegressionTests {
    @Test func everyCaseFiresItsRuleExactlyMatchCountTimes() throws {
        let cases = try RegressionCase.all()
        #expect(cases.count >= 100, "expected the 101 active cases of the first half, found \(cases.count)")
        let ruleSet = Fixtures.fullRuleSet
        var index: [String: Int] = [:]
        for (i, rule) in ruleSet.rules.enumerated() { if let id = rule.id { index[id] = i } }
        var passed = 0
        var total = 0
        var misses: [String] = []
        for c in cases {
            for test in c.tests {
                total += 1
                guard FileBytes.exists(test.json) else {
                    misses.append("\(c.folder): missing \(test.json)")
                    continue
                }
                let bytes = try FileBytes.read(test.json)
                let fired = Fixtures.matches(ruleSet, bytes: bytes)
                let rules = c.ruleIDs.compactMap { index[$0] }
                let hits = fired.reduce(0) { $0 + $1.filter(rules.contains).count }
                let expected = c.ruleIDs.compactMap { upstreamCorrections[$0] }.first ?? test.count
                let ok = expected.map { hits == $0 } ?? (hits >= 1)
                if ok { passed += 1 } else { misses.append("\(c.folder): expected \(expected.map(String.init) ?? ">=1"), got \(hits)") }
            }
        }
        print("sigma regression: \(passed)/\(total) pass")
        #expect(misses.isEmpty, Comment(rawValue: "\(misses.count) regression misses:\n" + misses.joined(separator: "\n")))
    }
}
