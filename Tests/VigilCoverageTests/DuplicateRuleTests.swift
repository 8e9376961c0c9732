// A rule read twice counts once, with one warning naming both places: a folder given inside another, one folder
// given twice, a copy of a rule in a second folder (same id), a copy without an id (same bytes); two rules of one
// legacy Sigma file that share their global id stay two rules.

import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilCoverage

@Suite struct DuplicateRuleTests {
    static func rule(id: String?, title: String, image: String = "evil.exe") -> String {
        (id.map { "id: \($0)\n" } ?? "") + """
            title: \(title)
            status: test
            logsource:
                product: windows
                category: process_creation
            detection:
                selection:
                    Image|endswith: '\\\(image)'
                condition: selection
            level: high
            tags:
                - attack.t1059.001

            """
    }

    /// Real data: `rules/windows/builtin` and, inside it, `security/` read together give the rules of
    /// `rules/windows/builtin` once, with one warning per rule of `security/` naming its file and line twice.
    @Test func folderInsideAnotherCountsOnce() throws {
        let outer = try Repositories.path("sigma/rules/windows/builtin")
        let inner = outer + "/security"
        let alone = RuleRepositories.read([outer])
        let innerAlone = RuleRepositories.read([inner])
        let both = RuleRepositories.read([outer, inner])
        #expect(innerAlone.rules.count > 100)
        #expect(both.rules.count == alone.rules.count)
        #expect(both.duplicates.count == innerAlone.rules.count)
        #expect(alone.duplicates.isEmpty && innerAlone.duplicates.isEmpty)
        let first = try #require(both.duplicates.first)
        let location = try #require(first.location.line)
        #expect(first.code == "rule-duplicate" && first.severity == .warning)
        #expect(first.location.file.hasPrefix(inner + "/"))
        #expect(first.message.contains("is read twice from this file"), "\(first)")
        #expect(location > 0)
        // The rejected rules and other problems of the files read twice are reported once.
        #expect(both.imports.flatMap(\.diagnostics).count == alone.imports.flatMap(\.diagnostics).count)
    }

    @Test func sameFolderTwiceCountsOnce() throws {
        let path = try Repositories.path("sigma/rules/windows/builtin/security/account_management")
        let once = RuleRepositories.read([path])
        let twice = RuleRepositories.read([path, path + "/"])
        #expect(!once.rules.isEmpty)
        #expect(twice.rules.map(\.id) == once.rules.map(\.id))
        #expect(twice.duplicates.count == once.rules.count)
    }

    /// A copy of a rule in another folder: kept once, and the warning names the copy's file:line and the first's.
    @Test func copyInAnotherFolderByID() throws {
        let id = "6e7b2c51-3f2a-4a58-9d6e-2f8e1c0b9a11"
        let a = try ScratchFolder(text: ["team-a/evil.yml": Self.rule(id: id, title: "Evil Image")])
        defer { a.remove() }
        // The copy was edited (another image) but it is the same rule by its id.
        let b = try ScratchFolder(text: ["team-b/evil-copy.yml": Self.rule(id: id, title: "Evil Image", image: "evil2.exe")])
        defer { b.remove() }
        let read = RuleRepositories.read([a.path + "/team-a", b.path + "/team-b"])
        #expect(read.rules.count == 1)
        #expect(read.rules.first?.location?.file == a.path + "/team-a/evil.yml")
        let warning = try #require(read.duplicates.first)
        #expect(read.duplicates.count == 1)
        #expect(warning.location.file == b.path + "/team-b/evil-copy.yml")
        #expect(warning.location.line == 13)  // the line of its ATT&CK tags
        #expect(
            warning.message == "'Evil Image' is also read from \(a.path)/team-a/evil.yml:13 (the same id \(id)); counted once",
            "\(warning.message)")
    }

    /// Real data: EQL's "Bypass UAC via Fodhelper.exe" reuses the id of "Bypass UAC via Event Viewer" (a copy-paste
    /// upstream). Different titles, different rules: both count, with a warning naming the other.
    @Test func sharedIDWithAnotherTitleIsAnotherRule() throws {
        let folder = try Repositories.path("eqllib/eqllib/analytics/privilege-escalation")
        let read = RuleRepositories.read([folder])
        #expect(read.duplicates.isEmpty)
        let shared = read.allDiagnostics.filter { $0.code == "rule-id-shared" }
        #expect(shared.count == 1)
        #expect(shared.first?.location.file == folder + "/T1088-bypassuac-fodhelper-exec.toml")
        #expect(shared.first?.message.contains("T1088-bypassuac-eventvwr-exec.toml") == true, "\(shared)")
        let ids = read.rules.map(\.id).filter { $0 == "e491ce22-792f-11e9-8f5c-d46d6d62a49e" }
        #expect(ids.count == 2)
    }

    /// Without an id, Sigma names a rule by its path, so two copies differ by id: the same bytes make them one.
    @Test func copyWithoutIDBySameContent() throws {
        let text = Self.rule(id: nil, title: "No Id Rule")
        let a = try ScratchFolder(text: ["one/rule.yml": text, "one/other.yml": Self.rule(id: nil, title: "No Id Rule", image: "x.exe")])
        defer { a.remove() }
        let b = try ScratchFolder(text: ["two/copy.yml": text])
        defer { b.remove() }
        let read = RuleRepositories.read([a.path + "/one", b.path + "/two"])
        // Same title but other content (other.yml) is another rule; the byte-for-byte copy is not.
        #expect(read.rules.count == 2)
        #expect(read.duplicates.count == 1)
        #expect(read.duplicates.first?.message.contains("(the same content)") == true)
        #expect(read.duplicates.first?.location.file == b.path + "/two/copy.yml")
    }

    /// Real data: a legacy multi-document Sigma file whose documents share the global part's id is several rules.
    @Test func documentsOfOneFileAreNotCopies() throws {
        let file = try Repositories.path("sigma/unsupported/windows/win_apt_apt29_tor.yml")
        let read = RuleRepositories.read([file])
        #expect(read.duplicates.isEmpty)
        let twice = RuleRepositories.read([file, file])
        #expect(twice.rules.count == read.rules.count)
        #expect(twice.duplicates.count == read.rules.count)
    }

    /// Coverage over the same rules read twice assesses exactly as over them read once.
    @Test func coverageCountsEachRuleOnce() throws {
        let path = try Repositories.path("sigma/rules/windows/builtin/security")
        func assess(_ paths: [String]) -> CoverageReport {
            let rules = RuleRepositories.read(paths).rules
            return CoverageAssessment.assess(
                kb: CoverageFixtures.kb, inventory: CoverageFixtures.inventory, rules: rules,
                ratings: rules.map(RuleRater(table: .default, overrides: RatingOverrides()).rate), map: .builtIn(),
                crosswalk: .builtIn(), options: CoverageOptions(today: "2026-11-29"))
        }
        let once = assess([path])
        let twice = assess([path, path])
        #expect(twice.rules.count == once.rules.count)
        #expect(twice.techniques.map(\.reason) == once.techniques.map(\.reason))
    }

    /// A gap plan saved before the reason column existed still reads, its reason made from its reasons.
    @Test func oldGapsDecodeWithTheirReason() throws {
        let json = """
            {"id": "T1047", "name": "Windows Management Instrumentation", "status": "yellow", "actorWeight": 2,
             "actors": ["APT29", "FIN7"], "reasons": ["visibility 2/4 without a detection rule: write one", "used by 2 selected actors"],
             "missingDataComponents": [], "providers": []}
            """
        let gap = try JSONDecoder().decode(GapPlan.Gap.self, from: Data(json.utf8))
        #expect(gap.reason == "visibility 2/4 without a detection rule: write one | used by 2 selected actors")
        let again = try JSONDecoder().decode(GapPlan.Gap.self, from: try JSONEncoder().encode(gap))
        #expect(again.reason == gap.reason)
    }
}
