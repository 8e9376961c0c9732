import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct AttackCLITests {
    @Test func infoOnTheEmbeddedIndex() throws {
        let r = try VigilProcess.run(["attack", "info", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json as? [String: Any])
        let counts = try #require(json["counts"] as? [String: Any])
        #expect(counts["techniques"] as? Int == 216)
        #expect(counts["subtechniques"] as? Int == 475)
        let info = try #require(json["info"] as? [String: Any])
        #expect(info["version"] as? String == "18.1")
        #expect(info["hasProse"] as? Bool == false)
    }

    @Test func infoOnABundleNamesIt() throws {
        let path = try SharedData.path("attack/mobile-attack-18.1.json.gz")
        let r = try VigilProcess.run(["attack", "info", "--attack", path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Mobile 18.1"))
        #expect(r.stdout.contains(path))
        #expect(r.stdout.contains("77 (+ 47 sub-techniques)"))
    }

    @Test func showFollowsRevokedBy() throws {
        let r = try VigilProcess.run(["attack", "show", "T1086"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("replaced by T1059.001"))
        #expect(r.stdout.contains("T1059.001  PowerShell"))
        #expect(r.stdout.contains("DET0455"))
    }

    @Test func showByAliasAsJSON() throws {
        let r = try VigilProcess.run(["attack", "show", "Cozy", "Bear", "--json"])
        #expect(r.status == 0)
        let json = try #require(r.json as? [String: Any])
        let object = try #require(json["object"] as? [String: Any])
        #expect(object["id"] as? String == "G0016")
        #expect((object["techniques"] as? [Any])?.isEmpty == false)
    }

    @Test func unknownIDIsBadInput() throws {
        let r = try VigilProcess.run(["attack", "show", "T9999"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("T9999"))
    }

    /// A lookup, not a hunt: no match is an answer too, exit 0 as README's attack table says (it was 1).
    @Test func searchWithoutMatchesIsExitZero() throws {
        let none = try VigilProcess.run(["attack", "search", "qqqzzzxxx"])
        #expect(none.status == 0)
        #expect(none.stdout.lowercased().contains("no matches"))
        let r = try VigilProcess.run(["attack", "search", "mimikatz", "--json"])
        #expect(r.status == 0)
        #expect((r.json as? [[String: Any]])?.first.flatMap { ($0["ref"] as? [String: Any])?["id"] as? String } == "S0002")
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try VigilProcess.run(["attack", "nosuchcommand"]).status == 2)
        #expect(try VigilProcess.run(["attack", "info", "--domain", "mars"]).status == 2)
        let missing = try VigilProcess.run(["attack", "info", "--attack", "/no/such/bundle.json"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/no/such/bundle.json"))
    }

    @Test func diffReportsChangesWithExitOne() throws {
        let old = try SharedData.path("attack/enterprise-attack-17.1.stix20.json.gz")
        let r = try VigilProcess.run(["attack", "diff", old, "embedded", "--json"])
        #expect(r.status == 1)
        let json = try #require(r.json as? [String: Any])
        #expect((json["added"] as? [Any])?.isEmpty == false)
    }

    @Test func crosswalkResolvesAndReportsUnresolved() throws {
        let ok = try VigilProcess.run(["attack", "crosswalk", "T1685", "T1086"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("T1562.001"))
        let bad = try VigilProcess.run(["attack", "crosswalk", "T1685", "T1687", "--json"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("\"outcome\" : \"unknown\""))
        let yaml = try VigilProcess.run(["attack", "crosswalk"])
        #expect(yaml.stdout.contains("T1562.001: T1685"))
    }

    @Test func importedBundlesAreUsedByDefault() throws {
        let home = NSTemporaryDirectory() + "vigil-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = ["XDG_DATA_HOME": home]
        let bundle = try SharedData.path("attack/ics-attack-18.1.json.gz")
        let imported = try VigilProcess.run(["attack", "import", bundle], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        let info = try VigilProcess.run(["attack", "info", "--domain", "ics"], environment: env)
        #expect(info.stdout.contains(home + "/vigil/attack/ics-attack-18.1.json.gz"))
        #expect(info.stdout.contains("STIX 2.1"))
        // Enterprise was not imported: the embedded index answers.
        let enterprise = try VigilProcess.run(["attack", "info"], environment: env)
        #expect(enterprise.stdout.contains("embedded"))
        let broken = home + "/broken.json"
        try Data("{\"type\": \"bundle\", \"objects\": [".utf8).write(to: URL(fileURLWithPath: broken))
        let bad = try VigilProcess.run(["attack", "import", broken], environment: env)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("broken.json:1:"))
    }
}
