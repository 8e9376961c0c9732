// Coverage of the logs beyond Windows: an inventory that lists Sysmon for Linux, Zeek, Entra ID and Microsoft 365
// (Examples/inventory.yaml does) makes the rules on those logs count and their techniques assessed; the same
// inventory without them leaves those rules blind. A rule's logs count only where they are collected on the
// platform that writes them.
import Foundation
import Testing
import VigilAttack
import VigilCore
import VigilSigma
import VigilTestSupport

@testable import VigilCoverage

@Suite struct BeyondWindowsCoverageTests {
    static let kb = try! EmbeddedIndex.embedded(.enterprise)
    static let examplePath = SharedData.packageRoot() + "/Examples/inventory.yaml"
    /// The example inventory's sources beyond Windows, and the system only they cover.
    static let beyondWindows = [
        "Sysmon for Linux", "Zeek network sensors", "Entra ID sign-in and audit logs", "Microsoft 365 unified audit log",
    ]
    static let cloudSystem = "Microsoft 365 and Entra ID"

    static func rule(_ id: String, _ technique: String, product: String?, category: String? = nil, service: String? = nil)
        -> DetectionRule
    {
        var rule = DetectionRule(source: .sigma, id: id, title: "rule \(id)", path: "rules/\(id).yml")
        rule.techniqueIDs = [technique]
        rule.logSources = [LogSourceNeed(kind: .sigma, product: product, category: category, service: service)]
        rule.fields = ["EventName"]
        return rule
    }

    /// One rule per source beyond Windows, each on a technique no other rule here names.
    static let rules = [
        rule("entra-roles", "T1098.003", product: "azure", service: "auditlogs"),
        rule("mfa-fatigue", "T1621", product: "azure", service: "signinlogs"),
        rule("mail-forward", "T1114.003", product: "m365", service: "exchange"),
        rule("kerberoast-wire", "T1558.003", product: "zeek", service: "kerberos"),
        rule("admin-share-wire", "T1021.002", product: "zeek", service: "smb_files"),
        rule("linux-beacon", "T1071.001", product: "linux", category: "network_connection"),
    ]

    static func assess(_ inventory: Inventory) -> CoverageReport {
        CoverageAssessment.assess(
            kb: kb, inventory: inventory, rules: rules,
            ratings: rules.map { _ in RuleRating(severity: .high, rating: 4, reason: "test", origin: .fallback) },
            map: .builtIn(), crosswalk: .builtIn(), options: CoverageOptions(threshold: 3, today: "2026-12-05"))
    }

    /// The example inventory without its sources beyond Windows and without the system only they cover.
    static func windowsOnly() throws -> Inventory {
        var inventory = try Inventory.load(path: examplePath)
        inventory.logSources.removeAll { beyondWindows.contains($0.name) }
        inventory.systems.removeAll { $0.name == cloudSystem }
        return inventory
    }

    @Test func theExampleInventoryListsEverySourceAndEachMapsToComponentsATTACKNames() throws {
        let inventory = try Inventory.load(path: Self.examplePath)
        #expect(inventory.diagnostics.isEmpty, "\(inventory.diagnostics)")
        for name in Self.beyondWindows + ["auditd", "AWS CloudTrail"] {
            let source = try #require(inventory.logSources.first { $0.name == name }, "\(name) is not in the example inventory")
            #expect(!source.dataComponents.isEmpty, "\(name) maps to no data component")
        }
        // ATT&CK's own data component names, read from MITRE's bundle by Python.
        let names = try ProcessRunner.python(
            """
            import gzip, json, sys
            bundle = json.load(gzip.open(sys.argv[1]))
            for o in bundle["objects"]:
                if o.get("type") == "x-mitre-data-component" and not o.get("revoked") and not o.get("x_mitre_deprecated"):
                    print(o["name"])
            """, [SharedData.root() + "/attack/enterprise-attack-18.1.json.gz"])
        let attack = Set(names.split(separator: "\n").map(String.init))
        #expect(attack.count > 50)
        for source in inventory.logSources {
            let unknown = source.dataComponents.filter { !attack.contains($0) }
            #expect(unknown.isEmpty, "\(source.name): \(unknown) are not ATT&CK data components")
        }
    }

    @Test func rulesOnTheseLogsCountOnlyWhenTheInventoryCollectsThem() throws {
        let with = Self.assess(try Inventory.load(path: Self.examplePath))
        let without = Self.assess(try Self.windowsOnly())
        for (i, rule) in Self.rules.enumerated() {
            #expect(with.rules[i].logsCollected, "\(rule.id) with the full inventory: \(with.rules[i].missingLogs)")
            #expect(!without.rules[i].logsCollected, "\(rule.id) without the sources beyond Windows counts as collected")
            let technique = rule.techniqueIDs[0]
            let full = try #require(with.techniques.first { $0.id == technique })
            let partial = try #require(without.techniques.first { $0.id == technique })
            #expect(full.status == .green, "\(technique): \(full.reason)")
            #expect(partial.status != .green, "\(technique) is green on logs the inventory does not collect")
        }
        // The cloud-only techniques are not assessed at all without a system of their platforms.
        let entraOnly = try #require(without.techniques.first { $0.id == "T1213.003" })
        #expect(entraOnly.status == .white)
    }

    @Test func aLinuxRuleIsNotCoveredByWindowsLogsOfTheSameComponent() throws {
        // The Windows-only inventory still collects Network Connection Creation (Windows Sysmon event 3), but on
        // Windows systems only: the Linux rule stays blind, naming what it needs.
        let without = Self.assess(try Self.windowsOnly())
        let beacon = try #require(without.rules.first { $0.id == "linux-beacon" })
        #expect(!beacon.logsCollected)
        #expect(beacon.missingLogs.first?.contains("Network Connection Creation") == true, "\(beacon.missingLogs)")
        // A source naming no system covers every system: the same component without systems makes it collected.
        var inventory = try Self.windowsOnly()
        let sysmon = try #require(inventory.logSources.firstIndex { $0.name.hasPrefix("Sysmon (") })
        inventory.logSources[sysmon].systems = []
        let everywhere = Self.assess(inventory)
        #expect(everywhere.rules.first { $0.id == "linux-beacon" }?.logsCollected == true)
    }

    @Test func sigmaHQRulesOnTheseLogsAreNotBlindWithTheExampleInventory() throws {
        // Every SigmaHQ rule on the Entra ID, Microsoft 365 and Zeek logsources the example inventory lists has its
        // logs collected; the same rules are blind without those sources, whatever else the inventory collects.
        let kb = Self.kb
        let inputs = try CoverageInputs.load(
            kb: kb, rules: [SharedData.root() + "/rules/sigma/rules"], inventory: Self.examplePath, actors: [], accept: nil, map: nil,
            dettectData: nil)
        let rules = inputs.repositories.rules
        // The logsources of products only those sources write (Entra ID, Microsoft 365, Zeek).
        let listed = Set(
            try Inventory.load(path: Self.examplePath).logSources.filter { Self.beyondWindows.contains($0.name) }.flatMap(\.sigma)
                .filter { ["azure", "m365", "zeek"].contains($0.product ?? "") })
        let onThese = rules.indices.filter { i in
            rules[i].logSources.count == 1
                && rules[i].logSources.allSatisfy { need in
                    need.kind == .sigma
                        && listed.contains(SigmaLogsource(product: need.product, category: need.category, service: need.service))
                }
        }
        #expect(onThese.count > 80, "only \(onThese.count) SigmaHQ rules on the listed logsources")
        let ratings = rules.map { _ in RuleRating(severity: .high, rating: 4, reason: "test", origin: .fallback) }
        func verdicts(_ inventory: Inventory) -> [RuleVerdict] {
            CoverageAssessment.assess(
                kb: kb, inventory: inventory, rules: rules, ratings: ratings, map: .builtIn(), crosswalk: .builtIn(),
                options: CoverageOptions(threshold: 3, today: "2026-12-05")
            ).rules
        }
        let with = verdicts(try Inventory.load(path: Self.examplePath))
        let without = verdicts(try Self.windowsOnly())
        let blind = onThese.filter { !with[$0].logsCollected }.map { rules[$0].path }
        #expect(blind.isEmpty, "blind with the full inventory: \(blind.prefix(5))")
        let seen = onThese.filter { without[$0].logsCollected }.map { rules[$0].path }
        #expect(seen.isEmpty, "collected without the sources beyond Windows: \(seen.prefix(5))")
    }
}
