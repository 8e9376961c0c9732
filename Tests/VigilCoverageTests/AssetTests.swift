// High-value assets: a small inventory whose gap weights are worked out by hand below, a DeTT&CT inventory whose
// ranking must stay the actors' alone (recomputed here from the report), per-asset statuses on the example inventory
// checked against what its log sources say, and bad assets and aims reported with file and line.
import Foundation
import Testing
import VigilAttack
import VigilCore
import VigilCoverage
import VigilTestSupport

@Suite struct AssetTests {
    /// Workstations (value 2, email) collect Sysmon process creation and access; the DC (critical = 5, identity) and a
    /// kiosk (no asset: the implicit "other systems", value 1) only Security logons.
    static let inventory = """
        format: 1
        name: Asset test
        systems:
          - name: Workstations
            platforms: [Windows]
            value: 2
            holds: [email]
          - name: DC
            platforms: [Windows]
            value: critical
            holds: [identity]
          - name: Kiosk
            platforms: [Windows]
        log_sources:
          - name: Sysmon
            systems: [Workstations]
            sigma:
              - {product: windows, category: process_creation}
              - {product: windows, category: process_access}
          - name: Security
            systems: [Workstations, DC, Kiosk]
            windows:
              - {channel: Security, event_ids: [4624]}
        """

    /// Group A uses LSASS memory and PowerShell and is after identity; group B uses LSASS memory and is after email.
    static let actors = """
        version: 1.0
        file_type: group-administration
        domain: enterprise-attack
        platform: [all]
        groups:
          - group_name: Group A
            campaign:
            technique_id: [T1003.001, T1059.001]
            software_id: []
            enabled: True
            aims: [identity]
          - group_name: Group B
            campaign:
            technique_id: [T1003.001]
            software_id: []
            enabled: True
            aims: [email]
        """

    static func rule(_ id: String, _ title: String, _ technique: String, _ category: String, _ selection: String) -> String {
        """
        title: \(title)
        id: \(id)
        status: stable
        description: test rule
        author: test
        date: 2026-01-01
        tags:
            - attack.\(technique.lowercased())
        logsource:
            product: windows
            category: \(category)
        detection:
            selection:
                \(selection)
            condition: selection
        level: high
        """
    }

    /// A folder with the inventory, the actors and two rules: LSASS access (T1003.001) and encoded PowerShell (T1059.001).
    static func folder(inventory: String = inventory) throws -> String {
        let dir = NSTemporaryDirectory() + "vigil-assets-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/rules", withIntermediateDirectories: true)
        try inventory.write(toFile: dir + "/inventory.yaml", atomically: true, encoding: .utf8)
        try actors.write(toFile: dir + "/actors.yaml", atomically: true, encoding: .utf8)
        try rule(
            "6f5d1c0e-7d4e-4a59-9a0c-3d8b1f1e0a01", "LSASS read", "T1003.001", "process_access",
            "TargetImage|endswith: '\\lsass.exe'"
        ).write(toFile: dir + "/rules/lsass.yml", atomically: true, encoding: .utf8)
        try rule(
            "6f5d1c0e-7d4e-4a59-9a0c-3d8b1f1e0a02", "Encoded PowerShell", "T1059.001", "process_creation",
            "CommandLine|contains: ' -enc '"
        ).write(toFile: dir + "/rules/powershell.yml", atomically: true, encoding: .utf8)
        return dir
    }

    static func run(_ dir: String, inventory: String? = nil, actors: [String]? = nil, aims: [String] = []) throws -> CoverageRun.Result {
        let kb = CoverageFixtures.kb
        let inputs = try CoverageInputs.load(
            kb: kb, rules: [dir + "/rules"], inventory: inventory ?? dir + "/inventory.yaml", actors: actors ?? [dir + "/actors.yaml"],
            aims: aims, accept: nil, map: nil, dettectData: nil)
        return CoverageRun.assess(
            inputs, kb: kb, crosswalk: .builtIn(), rater: RuleRater(table: .default, overrides: RatingOverrides()),
            options: CoverageOptions(threshold: 3, today: "2026-12-05"))
    }

    @Test func weightsAndRankingMatchTheHandComputation() throws {
        let dir = try Self.folder()
        let result = try Self.run(dir)
        // Precondition: both rules rate at the threshold, so they detect where their logs are (the workstations).
        #expect(result.report.rules.allSatisfy { $0.rating >= 3 })
        let plan = result.plan
        #expect(plan.assetFormula != nil)
        // T1003.001: used by A and B (n = 2), green on the workstations, yellow (blind rule) on the DC and the kiosk.
        //   DC: 5 × (1 + 2 + 1: A is after identity) = 20; other systems (the kiosk): 1 × (1 + 2 + 0) = 3; total 23.
        // T1059.001: used by A (n = 1). DC: 5 × (1 + 1 + 1) = 15; kiosk: 1 × (1 + 1 + 0) = 2; total 17.
        // Every other technique has no actor: at most 5 × 1 + 2 × 1 + 1 × 1 = 8.
        let top = plan.gaps.prefix(2)
        #expect(top.map(\.id) == ["T1003.001", "T1059.001"])
        #expect(top.map(\.weight) == [23, 17])
        let lsass = try #require(top.first)
        #expect(lsass.status == .green)
        #expect(lsass.terms?.map(\.asset) == ["DC", "other systems"])
        #expect(lsass.terms?.map(\.weight) == [20, 3])
        #expect(lsass.terms?.first?.aimedActors == ["Group A (identity)"])
        #expect(lsass.terms?.first?.status == .yellow)
        #expect(plan.gaps.dropFirst(2).allSatisfy { ($0.weight ?? 0) <= 8 })
        // The weight ranks: never rising down the list.
        let weights = plan.gaps.map { $0.weight ?? 0 }
        #expect(zip(weights, weights.dropFirst()).allSatisfy { $0 >= $1 })

        // The DC's section: its gaps, those of the actors after identity first, with their terms.
        let dc = try #require(plan.assets.first { $0.asset.name == "DC" })
        #expect(plan.assets.first?.asset.name == "DC")  // most valuable first
        #expect(dc.aimedBy == ["Group A (identity)"])
        #expect(dc.gaps.prefix(2).map(\.id) == ["T1003.001", "T1059.001"])
        #expect(dc.gaps.first?.term.weight == 20)
        #expect(dc.gaps.first?.missing.contains("Process Access") == true)
        let ws = try #require(plan.assets.first { $0.asset.name == "Workstations" })
        #expect(!ws.gaps.contains { $0.id == "T1003.001" || $0.id == "T1059.001" })

        // Onboarding Process Access turns T1003.001 green on the DC and the kiosk: 20 + 3.
        let access = try #require(plan.onboarding.first { $0.dataComponent == "Process Access" })
        #expect(access.assetGain == 23)
        #expect(access.assets == ["DC", "other systems"])
        #expect(plan.onboarding.first?.dataComponent == "Process Access")

        // The Markdown states the formula and shows the terms; the asset-risk layer scores the weights.
        #expect(plan.markdown.contains(AssetContext.formula))
        #expect(plan.markdown.contains("DC yellow 5 × (1 + 2 + 1) = 20 [after it: Group A (identity)]"))
        #expect(plan.markdown.contains("## Asset: DC (value 5; holds identity)"))
        let layer = LayerBuilder.build(.assetRisk, report: result.report, kb: CoverageFixtures.kb)
        let scores = Dictionary(uniqueKeysWithValues: layer.techniques.map { ($0.techniqueID, $0.score ?? 0) })
        #expect(scores["T1003.001"] == 23)
        #expect(scores["T1059.001"] == 17)
        #expect(LayerKind.assetRisk.applies(to: result.report))
        // It loads with MITRE's navlayers, every entry kept.
        let layerPath = dir + "/asset-risk.json"
        try JSONEncoder().encode(layer).write(to: URL(fileURLWithPath: layerPath))
        let python = try PythonPeer.mitreattackPython.get()
        let (status, output) = try PythonPeer.run(python, [SharedData.packageRoot() + "/Tests/Support/validate_layers.py", layerPath])
        #expect(status == 0, "\(output)")
        #expect(output.contains("OK \(layerPath): \(layer.techniques.count) techniques"))

        // Without the assets (--no-assets): the actors' ranking, and green techniques are no gaps.
        let noAssetsText = Self.inventory.replacingOccurrences(of: "    value: 2\n    holds: [email]\n", with: "")
            .replacingOccurrences(of: "    value: critical\n    holds: [identity]\n", with: "")
        try noAssetsText.write(toFile: dir + "/bare.yaml", atomically: true, encoding: .utf8)
        let plain = try Self.run(dir, inventory: dir + "/bare.yaml")
        #expect(plain.plan.assetFormula == nil)
        #expect(!plain.plan.gaps.contains { $0.id == "T1003.001" })
        #expect(plain.plan.gaps.allSatisfy { $0.weight == nil && $0.terms == nil })
        #expect(!LayerKind.assetRisk.applies(to: plain.report))
    }

    @Test func aimsFromTheCommandLine() throws {
        let dir = try Self.folder()
        // Group B is after identity too (given on the command line): the DC term of T1003.001 counts both.
        let result = try Self.run(dir, aims: ["Group B=identity"])
        let lsass = try #require(result.plan.gaps.first { $0.id == "T1003.001" })
        #expect(lsass.terms?.first { $0.asset == "DC" }?.weight == 5 * (1 + 2 + 2))
        // Without an actor name the aim goes to every selected actor; an actor not selected is an error.
        let all = try Self.run(dir, aims: ["pii, identity", "APT29=email"])
        #expect(all.diagnostics.contains { $0.code == "aim-unknown-actor" && $0.location.file == "--aim" })
        #expect(all.diagnostics.contains { $0.code == "aim-not-held" && $0.message.contains("\"pii\"") })
        let ps = try #require(all.plan.gaps.first { $0.id == "T1059.001" })
        #expect(ps.terms?.first { $0.asset == "DC" }?.aimedActors == ["Group A (identity)"])
    }

    /// A DeTT&CT inventory has no assets: the gaps are ranked exactly as before assets existed (recomputed here from
    /// the report's techniques): by the number of selected actors; ties as plans have always broken them, yellow before
    /// red, then ID from the highest.
    @Test func aDeTTECTInventoryKeepsTheActorsRanking() throws {
        let dir = try Self.folder()
        let dettect = try SharedData.path("dettect/sample-data/data-sources-endpoints.yaml")
        let result = try Self.run(dir, inventory: dettect, actors: ["APT29", "FIN7"])
        #expect(result.report.assets == nil)
        #expect(result.plan.assets.isEmpty && result.plan.assetFormula == nil)
        let open = result.report.techniques.filter { ($0.status == .red || $0.status == .yellow) && $0.accepted == nil }
        let expected = open.sorted { a, b in
            if a.actors.count != b.actors.count { return a.actors.count > b.actors.count }
            if (a.status == .red) != (b.status == .red) { return b.status == .red }
            return a.id > b.id
        }.prefix(50).map(\.id)
        #expect(result.plan.gaps.map(\.id) == Array(expected))
        #expect(result.plan.gaps.allSatisfy { $0.weight == nil })
        #expect(result.plan.onboarding.allSatisfy { $0.assetGain == nil })
    }

    /// The example inventory's domain controllers have no Sysmon: a Sysmon-only rule is blind there, while the
    /// workstations, which have it, detect. Per-asset statuses follow the log sources that reach each asset.
    @Test func statusPerAssetFollowsItsLogSources() throws {
        let dir = try Self.folder()
        let example = SharedData.packageRoot() + "/Examples/inventory.yaml"
        let result = try Self.run(dir, inventory: example)
        let names = result.report.assets?.assets.map(\.name) ?? []
        #expect(
            names == [
                "Windows workstations", "Domain controllers", "Exchange mail servers", "Customer data", "Cloud identity and mail",
                "other systems",
            ])
        let lsass = try #require(result.report.techniques.first { $0.id == "T1003.001" })
        func on(_ asset: String) -> CoverageStatus? { lsass.assets?.first { $0.asset == asset }?.status }
        #expect(lsass.status == .green)
        #expect(on("Windows workstations") == .green)
        #expect(on("Domain controllers") == .yellow)
        // Customer data (Linux CRM servers and AWS) has no Windows: a Windows rule says nothing there.
        #expect(result.report.assets?.asset("Customer data")?.systems == ["CRM database servers", "AWS"])
        #expect(on("Customer data") != .green)
        // An asset of two systems is as exposed as its most exposed one: for every technique, its status on Customer
        // data is the worst of its statuses on the CRM servers alone and on AWS alone (an inventory that makes each
        // its own asset), and its reason names the system it comes from.
        let split = try String(contentsOfFile: example, encoding: .utf8).replacingOccurrences(
            of: "  - name: Customer data\n    systems: [CRM database servers, AWS]\n",
            with: "  - name: CRM only\n    systems: [CRM database servers]\n    value: 5\n  - name: AWS only\n    systems: [AWS]\n")
        #expect(split.contains("CRM only"))
        try split.write(toFile: dir + "/split.yaml", atomically: true, encoding: .utf8)
        let parts = try Self.run(dir, inventory: dir + "/split.yaml")
        let rank: [CoverageStatus: Int] = [.green: 0, .yellow: 1, .red: 2]
        var compared = 0
        var differing = 0
        for t in result.report.techniques {
            let whole = t.assets?.first { $0.asset == "Customer data" }
            let other = parts.report.techniques.first { $0.id == t.id }?.assets ?? []
            let crm = other.first { $0.asset == "CRM only" }?.status
            let aws = other.first { $0.asset == "AWS only" }?.status
            let pieces = [crm, aws].compactMap { $0 }
            #expect(whole?.status == pieces.max { rank[$0]! < rank[$1]! }, "\(t.id)")
            compared += pieces.isEmpty ? 0 : 1
            if let crm, let aws, crm != aws, let whole {
                differing += 1
                let from = rank[crm]! > rank[aws]! ? "CRM database servers" : "AWS"
                #expect(whole.reason.hasPrefix("on \(from): "), "\(t.id): \(whole.reason)")
            }
        }
        #expect(compared > 300)
        #expect(differing > 0)
        // A technique of cloud platforms only is white (absent) on the Windows-only assets.
        let cloud = try #require(result.report.techniques.first { $0.id == "T1578.002" })
        #expect(cloud.assets?.contains { $0.asset == "Domain controllers" } == false)
        #expect(cloud.assets?.contains { $0.asset == "Customer data" } == true)
    }

    @Test func badAssetsAndAimsAreReportedWithFileAndLine() throws {
        let bad =
            Self.inventory + """

                assets:
                  - name: Mainframe
                    systems: [Mainframe LPAR]
                    value: high
                  - name: Mac fleet
                    platforms: [macOS]
                  - name: Vault
                    systems: [DC]
                    value: 9
                  - name: Identity
                    systems: [DC, Kiosk]
                    value: high
                    holds: [identity]
                """
        let dir = try Self.folder(inventory: bad)
        let path = dir + "/inventory.yaml"
        let inventory = try Inventory.load(path: path)
        func diagnostic(_ code: String) -> Diagnostic? { inventory.diagnostics.first { $0.code == code } }
        // Lines are those of the YAML above (1-based): the systems list of Mainframe, the platforms of Mac fleet, Vault's value.
        let lines = bad.split(separator: "\n", omittingEmptySubsequences: false)
        func line(of text: String) -> Int { (lines.firstIndex { $0.contains(text) } ?? -1) + 1 }
        #expect(diagnostic("asset-unknown-system")?.location.file == path)
        #expect(diagnostic("asset-unknown-system")?.location.line == line(of: "[Mainframe LPAR]"))
        #expect(diagnostic("asset-unknown-platform")?.location.line == line(of: "platforms: [macOS]"))
        #expect(diagnostic("asset-value-out-of-range")?.location.line == line(of: "value: 9"))
        #expect(diagnostic("asset-value-out-of-range")?.message.contains("Vault") == true)
        // The rest is read: the good asset and the systems' own assets.
        #expect(inventory.assets.map(\.name) == ["Workstations", "DC", "Identity"])

        // The CLI reports each with file and line, exits 2 (bad input), and still writes the plan.
        let out = dir + "/plan.md"
        let run = try ProcessRunner.run(
            CoverageFixtures.vigil,
            [
                "coverage", "--rules", dir + "/rules", "--inventory", path, "--actors", dir + "/actors.yaml", "--aim", "Group B=payments",
                "--report", out,
            ])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(path):\(line(of: "[Mainframe LPAR]")):"))
        #expect(run.stderr.contains("error: asset Mainframe names unknown system \"Mainframe LPAR\""))
        #expect(run.stderr.contains("\(path):\(line(of: "value: 9")):"))
        #expect(run.stderr.contains("warning: Group B is after \"payments\", which no asset of the inventory holds"))
        let markdown = try String(contentsOfFile: out, encoding: .utf8)
        #expect(markdown.contains("## Asset: Identity (value 4; holds identity)"))

        // An aim in the group file that no asset holds is a warning naming the file and line; the run exits 0.
        let aimed = Self.actors.replacingOccurrences(of: "aims: [email]", with: "aims: [email, ot]")
        try aimed.write(toFile: dir + "/actors.yaml", atomically: true, encoding: .utf8)
        try Self.inventory.write(toFile: path, atomically: true, encoding: .utf8)
        let warned = try ProcessRunner.run(
            CoverageFixtures.vigil, ["coverage", "--rules", dir + "/rules", "--inventory", path, "--actors", dir + "/actors.yaml"])
        #expect(warned.status == 0)
        let aimsLine = (aimed.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("[email, ot]") } ?? -1) + 1
        #expect(warned.stderr.contains("actors.yaml:\(aimsLine):"))
        #expect(warned.stderr.contains("Group B is after \"ot\""))
    }
}
