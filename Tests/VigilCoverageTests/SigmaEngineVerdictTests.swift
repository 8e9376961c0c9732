// Coverage counts a Sigma rule only when the Sigma engine accepts it: the verdict of `vigil rules check`
// (RuleLoader parses, RuleSet compiles), not a lenient reading of its metadata.

import Testing
import VigilAttack
import VigilCore
import VigilSigma
import VigilTestSupport

@testable import VigilCoverage

@Suite struct SigmaEngineVerdictTests {
    static let good = """
        title: Whoami Execution
        id: 11111111-1111-4111-8111-111111111111
        status: stable
        level: high
        tags:
            - attack.discovery
            - attack.t1033
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswith: '\\whoami.exe'
            condition: selection

        """

    /// An unknown modifier (line 13) and a condition naming an identifier that does not exist.
    static let bad = """
        title: Local Account Discovery
        id: 22222222-2222-4222-8222-222222222222
        status: stable
        level: critical
        tags:
            - attack.discovery
            - attack.t1087.001
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                CommandLine|containz: 'net user'
            condition: selection and undefined_filter

        """

    @Test func aRuleTheEngineRejectsCountsForNothing() throws {
        let folder = try ScratchFolder(text: ["rules/good.yml": Self.good, "rules/bad.yml": Self.bad])
        defer { folder.remove() }
        let kb = try EmbeddedIndex.embedded(.enterprise)
        let inputs = try CoverageInputs.load(
            kb: kb, rules: [folder.path + "/rules"], inventory: SharedData.packageRoot() + "/Examples/inventory.yaml", actors: [],
            accept: nil, map: nil, dettectData: nil)
        let result = CoverageRun.assess(
            inputs, kb: kb, crosswalk: .builtIn(), rater: RuleRater(), options: CoverageOptions(threshold: 3, today: "2026-01-01"))

        // The good rule still counts; the rejected one is nowhere: no verdict, no colour, no rating, no layer score.
        let whoami = try #require(result.report.techniques.first { $0.id == "T1033" })
        #expect(whoami.status == .green)
        #expect(result.report.rules.map(\.id) == ["11111111-1111-4111-8111-111111111111"])
        let accounts = try #require(result.report.techniques.first { $0.id == "T1087.001" })
        #expect(accounts.status != .green)
        #expect(accounts.detectingRules.isEmpty && accounts.weakRules.isEmpty && accounts.blindRules.isEmpty)
        #expect(accounts.detectionScore == 0)
        let layer = LayerBuilder.build(.status, report: result.report, kb: kb)
        let entry = try #require(layer.techniques.first { $0.techniqueID == "T1087.001" })
        #expect(entry.score == 0)
        #expect(!CoverageRun.layerJSON(layer).contains("Local Account Discovery"))
        #expect(!result.plan.markdown.contains("Local Account Discovery"))

        // …and it is listed with the engine's file, line and reason code, in text and in JSON.
        #expect(result.summary.rulesRejected == 1)
        let rejected = try #require(result.summary.rejectedRules.first)
        #expect(rejected.file.hasSuffix("rules/bad.yml"))
        #expect(rejected.line == 13)
        #expect(rejected.code == "unknown-modifier")
        #expect(rejected.source == .sigma)
        #expect(result.summary.text.contains("1 rejected"))
        #expect(result.summary.text.contains("bad.yml:13:9: unknown modifier 'containz' in 'CommandLine|containz' [unknown-modifier]"))
        let json = JSONOutput.encode(result.summary)
        #expect(json.contains("\"code\" : \"unknown-modifier\""))
        #expect(json.contains("\"rulesRejected\" : 1"))

        // The verdict is the engine's own: `vigil rules check` rejects the same file at the same place.
        let collection = RuleLoader.load([folder.path + "/rules"])
        let errors = collection.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.location.file) == [rejected.file])
        #expect(errors.map(\.location.line) == [rejected.line])
        #expect(errors.map(\.code) == [rejected.code])
    }

    /// Over all of SigmaHQ, the rules coverage counts are exactly the rules the engine accepts, computed the way
    /// `vigil rules check` computes them (RulesCommand: RuleLoader.load, then RuleSet's error diagnostics).
    @Test func coverageCountsExactlyWhatRulesCheckAccepts() throws {
        let root = try Repositories.path("sigma")
        let collection = RuleLoader.load([root])
        let ruleSet = RuleSet(
            rules: collection.rules, filters: collection.filters, correlations: collection.correlations, mapping: .builtin)
        let compileRejected = Set(ruleSet.diagnostics.filter { $0.severity == .error }.map(\.location.file))
        func relative(_ file: String) -> String { file.hasPrefix(root + "/") ? String(file.dropFirst(root.count + 1)) : file }
        let accepted = collection.rules.filter { !compileRejected.contains($0.location.file) }.map { rule in
            let path = relative(rule.location.file)
            return [path, rule.id ?? path, rule.title].joined(separator: "\t")
        }
        .sorted()
        let counted = try Repositories.read("sigma").rules.map { [$0.path, $0.id, $0.title].joined(separator: "\t") }.sorted()
        #expect(accepted.count > 3000, "SigmaHQ holds thousands of rules the engine accepts")
        #expect(counted.count == accepted.count)
        #expect(Set(counted).subtracting(accepted).sorted().prefix(5) == [])
        #expect(Set(accepted).subtracting(counted).sorted().prefix(5) == [])
        #expect(counted == accepted)
        // Every rejection `vigil rules check` reports in the folders coverage reads is listed by coverage too.
        let listed = Set(try Repositories.read("sigma").diagnostics.filter { $0.severity == .error }.map(\.location.file))
        let checkRejected = Set(
            (collection.diagnostics + ruleSet.diagnostics).filter { $0.severity == .error }.map(\.location.file).filter {
                !relative($0).hasPrefix("tests-data/")
            })
        #expect(listed == checkRejected)
    }
}
