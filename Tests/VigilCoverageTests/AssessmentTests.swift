import Foundation
import Testing
import VigilAttack
import VigilCore
import VigilSigma
import VigilTestSupport

@testable import VigilCoverage

/// Status, reasons, layers and the gap plan on the example inventory with a small, hand-made rule set.
@Suite struct AssessmentTests {
    static let kb = try! EmbeddedIndex.embedded(.enterprise)
    static let inventory = try! Inventory.load(path: SharedData.packageRoot() + "/Examples/inventory.yaml")

    static func sigma(
        _ id: String, _ techniques: [String], category: String? = nil, service: String? = nil, product: String = "windows",
        fields: [String] = ["CommandLine"]
    )
        -> DetectionRule
    {
        var rule = DetectionRule(source: .sigma, id: id, title: "rule \(id)", path: "rules/\(id).yml")
        rule.techniqueIDs = techniques
        rule.logSources = [LogSourceNeed(kind: .sigma, product: product, category: category, service: service)]
        rule.fields = fields
        return rule
    }

    static func assess(_ rules: [DetectionRule], ratings: [Int], risks: RiskRegister = RiskRegister(), actors: [Int: [String]] = [:])
        -> CoverageReport
    {
        CoverageAssessment.assess(
            kb: kb, inventory: inventory, rules: rules,
            ratings: ratings.map { RuleRating(severity: .high, rating: $0, reason: "test", origin: .fallback) },
            map: .builtIn(), crosswalk: .builtIn(), risks: risks, actorWeights: actors,
            options: CoverageOptions(threshold: 3, today: "2026-11-29"))
    }

    static func status(_ report: CoverageReport, _ id: String) -> TechniqueCoverage { report.techniques.first { $0.id == id }! }

    static let rules = [
        sigma("ps", ["T1059.001"], category: "process_creation"),  // green: collected, rating 4
        sigma("lsass", ["T1003.001"], category: "process_access", fields: ["TargetImage", "GrantedAccess"]),  // yellow: rating 2
        sigma("wmi", ["T1546.003"], category: "wmi_event"),  // yellow: WMI events not collected (blind)
        sigma("v19", ["T1685"], category: "process_creation"),  // crosswalk → T1562.001, green
        sigma("unknown", ["T1687"], category: "process_creation"),  // unresolved
        sigma("hash", ["T1204.002"], category: "process_creation", fields: ["Hashes"]),  // green but keyed on hashes
    ]

    @Test func statusesCarryTheirReasons() throws {
        let report = Self.assess(Self.rules, ratings: [4, 2, 4, 3, 4, 5])
        let ps = Self.status(report, "T1059.001")
        #expect(ps.status == .green)
        #expect(ps.reasons.first?.contains("rule ps") == true)
        #expect(ps.detectionScore == 4)
        let lsass = Self.status(report, "T1003.001")
        #expect(lsass.status == .yellow)
        #expect(lsass.reasons.first?.contains("low-rated") == true)
        let wmi = Self.status(report, "T1546.003")
        #expect(wmi.status == .yellow)
        #expect(wmi.reasons.first?.contains("not collected") == true)
        #expect(report.rules[wmi.blindRules[0]].missingLogs.first?.contains("WMI Creation") == true)
        #expect(Self.status(report, "T1562.001").status == .green)
        #expect(report.rules[3].remapped.first?.contains("T1685") == true)
        #expect(report.rules[4].unresolved == ["T1687"])
        #expect(report.diagnostics.contains { $0.code == "rule-technique-unresolved" && $0.message.contains("T1687") })
        // Visibility without a rule: process creation is collected, so T1059.003 is yellow, not red.
        let cmd = Self.status(report, "T1059.003")
        #expect(cmd.status == .yellow && cmd.reasons.first?.contains("visibility") == true)
        // A parent with a detected sub-technique is partly covered.
        #expect(Self.status(report, "T1059").reasons.contains { $0.contains("sub-techniques detected") })
        // macOS-only techniques are out of scope for an inventory without macOS systems.
        let mac = try #require(report.techniques.first { $0.platforms == ["macOS"] })
        #expect(mac.status == .white && mac.reasons.first?.contains("not assessed") == true)
        // Something needs data that is not collected at all: red, with the components it needs.
        let red = try #require(report.techniques.first { $0.status == .red })
        #expect(red.reasons.first?.contains("needs:") == true)
        #expect(report.count(.green) == 3)
        #expect(report.count(.red) > 0 && report.count(.white) > 0)
    }

    @Test func pyramidLevelsFollowWhatRulesKeyOn() {
        let report = Self.assess(Self.rules, ratings: [4, 2, 4, 3, 4, 5])
        #expect(report.rules[0].pyramid.level == .ttps)
        #expect(report.rules[1].pyramid.level == .tools)
        #expect(report.rules[5].pyramid.level == .hashValues)
        var tagged = Self.rules[0]
        tagged.tags = ["attack.execution", "stp.2"]
        #expect(PyramidClassifier.classify(tagged).level == .tools)
        var ip = Self.rules[0]
        ip.fields = ["DestinationIp"]
        #expect(PyramidClassifier.classify(ip).level == .ipAddresses)
        let plan = GapPlan(report: report, kb: Self.kb, map: .builtIn())
        let execution = plan.pyramid.first { $0.tactic == "Execution" }!
        #expect(execution.byLevel["ttp"]! >= 1 && execution.byLevel["hash"]! == 1)
        // When the adversary changes the hash, T1204.002 (only detected by a hash rule) stops being green.
        #expect(execution.survives["hash"]! == execution.green - 1)
    }

    @Test func riskAcceptanceIsShownAndExpiryFlagged() throws {
        let register = try RiskRegister.load(path: SharedData.packageRoot() + "/Examples/accepted-risks.yaml")
        #expect(register.acceptances.count == 2)
        let report = Self.assess([], ratings: [], risks: register)
        let expired = Self.status(report, "T1542.003")
        #expect(expired.accepted != nil && expired.acceptanceExpired)
        #expect(expired.reasons.contains { $0.contains("EXPIRED") })
        #expect(Self.status(report, "T1200").acceptanceExpired == false)
        let layer = LayerBuilder.build(.status, report: report, kb: Self.kb)
        #expect(layer.techniques.first { $0.techniqueID == "T1200" }?.color == "#90a4ae")
        let plan = GapPlan(report: report, kb: Self.kb, map: .builtIn())
        #expect(plan.expiredAcceptances == ["T1542.003"])
        #expect(plan.markdown.contains("**EXPIRED**"))
    }

    @Test(arguments: [
        "accepted:\n  - technique: T1200\n    owner: x\n    reason: y\n",
        "accepted:\n  - technique: nope\n    owner: x\n    reason: y\n    review: 2027-01-01\n",
        "accepted:\n  - 5\n",
    ])
    func incompleteAcceptancesAreReported(_ text: String) throws {
        let path = NSTemporaryDirectory() + "vigil-accept-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let register = try RiskRegister.load(path: path)
        #expect(register.acceptances.isEmpty)
        #expect(register.diagnostics.first?.location.line != nil)
    }

    @Test func actorsRankTheGaps() throws {
        var selection = ActorSelection()
        selection.add("APT29", kb: Self.kb)
        selection.add(try SharedData.path("dettect/sample-data/groups.yaml"), kb: Self.kb)
        selection.add("No Such Group", kb: Self.kb)
        // APT29, and the sample's enabled red-team campaign (its second campaign is `enabled: false`).
        #expect(selection.actors.map(\.name) == ["APT29", "Red team (Scenario 1)"])
        #expect(selection.diagnostics.map(\.code) == ["actor-unknown"])
        let (weights, unresolved) = selection.weights(kb: Self.kb, crosswalk: .builtIn())
        #expect(unresolved.isEmpty)
        let report = Self.assess(Self.rules, ratings: [4, 2, 4, 3, 4, 5], actors: weights)
        let plan = GapPlan(report: report, kb: Self.kb, map: .builtIn(), limit: 1000)
        let top = try #require(plan.gaps.first)
        #expect(top.actorWeight >= 2)
        #expect(plan.gaps.map(\.actorWeight) == plan.gaps.map(\.actorWeight).sorted(by: >))
        // T1003.001 is used by APT29 and the red team and only weakly covered.
        #expect(plan.gaps.contains { $0.id == "T1003.001" })
    }

    @Test func threatActorReportsAndLayersLoad() throws {
        var selection = ActorSelection()
        selection.add(try SharedData.path("dettect/threat-actor-data/20210413-FireEye-Mandiant.yaml"), kb: Self.kb)
        let layers = try SharedData.path("dettect/threat-actor-data/ATT&CK-Navigator-layers/20210413-FireEye-Mandiant")
        selection.add(layers, kb: Self.kb)
        #expect(selection.actors.count >= 2)
        #expect(selection.actors.allSatisfy { !$0.techniqueIDs.isEmpty })
        let (weights, _) = selection.weights(kb: Self.kb, crosswalk: .builtIn())
        #expect(weights.values.contains { $0.count >= 2 })
    }

    @Test func onboardingRanksLogSourcesThatLightUpExistingRules() {
        let report = Self.assess(Self.rules, ratings: [4, 2, 4, 3, 4, 5])
        let plan = GapPlan(report: report, kb: Self.kb, map: .builtIn())
        let wmi = plan.onboarding.first { $0.dataComponent == "WMI Creation" }
        #expect(wmi?.techniquesTurningGreen == ["T1546.003"])
        #expect(wmi?.providers.contains { $0.contains("Sysmon") } == true)
    }

    @Test func layersLoadWithMITREsNavlayers() throws {
        var selection = ActorSelection()
        selection.add("APT29", kb: Self.kb)
        selection.add("FIN7", kb: Self.kb)
        let report = Self.assess(
            Self.rules, ratings: [4, 2, 4, 3, 4, 5], actors: selection.weights(kb: Self.kb, crosswalk: .builtIn()).byTechnique)
        let dir = ProcessInfo.processInfo.environment["VIGIL_KEEP_LAYERS"] ?? NSTemporaryDirectory() + "vigil-layers-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["VIGIL_KEEP_LAYERS"] == nil { try? FileManager.default.removeItem(atPath: dir) } }
        var files: [String] = []
        let encoder = JSONEncoder()
        for kind in LayerKind.allCases {
            let layer = LayerBuilder.build(kind, report: report, kb: Self.kb)
            #expect(layer.versions.attack == "18" && layer.versions.layer == "4.5")
            if kind == .status {
                // Every technique in scope is annotated, red and white included.
                #expect(layer.techniques.count == 691)
                #expect(layer.techniques.allSatisfy { !$0.comment.isEmpty })
            }
            let path = dir + "/\(kind.rawValue).json"
            try encoder.encode(layer).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        let python = try PythonPeer.mitreattackPython.get()
        let (status, output) = try PythonPeer.run(python, [SharedData.packageRoot() + "/Tests/Support/validate_layers.py"] + files)
        #expect(status == 0, "\(output)")
        #expect(output.components(separatedBy: "OK ").count - 1 == LayerKind.allCases.count, "\(output)")
    }
}

@Suite struct CoverageBadInputTests {
    static let kb = try! EmbeddedIndex.embedded(.enterprise)

    func write(_ text: String, _ ext: String = "yaml") throws -> String {
        let path = NSTemporaryDirectory() + "vigil-\(UUID().uuidString).\(ext)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func unknownDataComponentsAreReportedWithTheirLine() throws {
        let path = try write(
            """
            format: 1
            systems: [{name: hosts, platforms: [Windows]}]
            log_sources:
              - name: EDR
                data_components: [Process Creation, Proces Creation]
            """)
        var inventory = try Inventory.load(path: path)
        inventory.checkDataComponents(against: Self.kb)
        let d = try #require(inventory.diagnostics.first { $0.code == "inventory-unknown-data-component" })
        #expect(d.message.contains("Proces Creation"))
        #expect(d.location.line == 4)  // the log source entry
    }

    @Test func olderDeTTECTFilesAndOtherFileTypesAreRefused() throws {
        let old = try write("version: 1.0\nfile_type: data-source-administration\ndata_sources: []\n")
        #expect(throws: Diagnostic.self) { try Inventory.load(path: old) }
        do { _ = try Inventory.load(path: old) } catch { #expect(error.code == "dettect-old-version") }
        let techniques = try SharedData.path("dettect/sample-data/techniques-administration-endpoints.yaml")
        do {
            _ = try Inventory.load(path: techniques)
            Issue.record("a technique administration file is not an inventory")
        } catch { #expect(error.code == "inventory-wrong-type") }
        let broken = try write("format: 1\nlog_sources: [\n")
        do {
            _ = try Inventory.load(path: broken)
            Issue.record("broken YAML loaded")
        } catch { #expect(error.location.line != nil) }
    }

    @Test func layersOfAnotherDomainAreSkipped() throws {
        let path = try write(#"{"name": "ics", "domain": "ics-attack", "techniques": [{"techniqueID": "T0800", "score": 1}]}"#, "json")
        var selection = ActorSelection()
        selection.add(path, kb: Self.kb)
        #expect(selection.actors.isEmpty)
        #expect(selection.diagnostics.first?.code == "actors-other-domain")
    }
}
