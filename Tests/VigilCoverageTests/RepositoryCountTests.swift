// Rule counts per repository against figures taken independently of Vigil (find, grep, Python's
// tomllib/PyYAML run by hand on shared/rules, and each repository's README in shared/rules).

import Testing
import VigilCore
import VigilTestSupport

@testable import VigilCoverage

@Suite struct RepositoryCountTests {
    struct Expected: Sendable, CustomTestStringConvertible {
        var folder: String
        var source: RuleSource
        var files: Int
        /// Rule documents in the files.
        var rules: Int
        /// Rule documents the rule engine rejects (Sigma: `vigil rules check`'s verdict); the rest are counted.
        var rejected = 0
        /// Rules naming at least one technique.
        var withTechnique: Int
        /// Distinct technique IDs as written (techniques and sub-techniques).
        var distinctTechniques: Int
        var testDescription: String { folder }
    }

    static let expected: [Expected] = [
        // `find sigma/{rules*,deprecated,unsupported} -name '*.yml' | wc -l` = 4038 files; PyYAML safe_load_all,
        // documents other than `action: global`: 4040 (3 legacy multi-document files in unsupported/). With an
        // `attack.tNNNN` tag: 3556; distinct IDs 414 (also the README's figure). Of the 4040, the Sigma engine rejects
        // 80 (`vigil rules check` over these folders: 55 legacy-aggregation, 21 placeholder-without-values, 4
        // condition-syntax), all 80 tagged, and 5 IDs only they name: 3476 counted rules with a technique, 409 IDs.
        Expected(
            folder: "sigma", source: .sigma, files: 4038, rules: 4040, rejected: 80, withTechnique: 3476, distinctTechniques: 409),
        // `find elastic -name '*.toml' | wc -l` = 2330 (rules 2062, rules_building_block 128, hunting 140; the README's
        // 2332 less the 2 files left out of the copy). tomllib: 2223 name techniques, 459 distinct IDs.
        Expected(folder: "elastic", source: .elastic, files: 2330, rules: 2330, withTechnique: 2223, distinctTechniques: 459),
        // README: 102 analytics, 100 with technique IDs, 122 distinct; `ls car/analytics | wc -l` = 102.
        Expected(folder: "car", source: .car, files: 102, rules: 102, withTechnique: 100, distinctTechniques: 122),
        // README and `find eqllib -name '*.toml' | wc -l`: 129 analytics, all with techniques, 91 distinct.
        Expected(folder: "eqllib", source: .eql, files: 129, rules: 129, withTechnique: 129, distinctTechniques: 91),
        // README and `ls detections/*.txt | wc -l`: 117 files, 111 real IDs and 6 T0000; distinct IDs from
        // `ls detections/*.txt | cut -d_ -f1 | sort -u | grep -v T0000 | wc -l` = 80.
        Expected(folder: "sentinel-attack", source: .sentinel, files: 117, rules: 117, withTechnique: 111, distinctTechniques: 80),
        // README: 26 hunts, all with techniques; `find -name metadata.yaml | wc -l` = 26. PyYAML over attack_mappings
        // (technique + sub_technique/sub-technique, None = none): 18 distinct IDs.
        Expected(
            folder: "threat-hunter-playbook", source: .threatHunterPlaybook, files: 26, rules: 26, withTechnique: 26, distinctTechniques: 18
        ),
    ]

    @Test(arguments: expected)
    func counts(_ expected: Expected) throws {
        let result = try Repositories.read(expected.folder)
        #expect(result.source == expected.source)
        #expect(result.filesSeen == expected.files)
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.count == expected.rejected, "\(errors.prefix(5))")
        #expect(result.rules.count == expected.rules - expected.rejected)
        #expect(result.rules.count(where: { !$0.techniqueIDs.isEmpty }) == expected.withTechnique)
        #expect(Set(result.rules.flatMap(\.techniqueIDs)).count == expected.distinctTechniques)
        // Every rule has an id, a title and a path inside the repository.
        #expect(result.rules.allSatisfy { !$0.id.isEmpty && !$0.title.isEmpty && !$0.path.hasPrefix("/") })
    }

    @Test func folderOfRepositoriesIsReadRepositoryByRepository() throws {
        let all = RuleRepositories.read([try SharedData.path("rules")])
        #expect(all.diagnostics.isEmpty)
        #expect(Set(all.imports.map(\.source)) == Set(RuleSource.allCases))
        // The sum of the six figures above, less the Sigma rules the engine rejects.
        #expect(all.rules.count == 4040 - 80 + 2330 + 102 + 129 + 117 + 26)
    }

    @Test func kindsAreRecognised() throws {
        #expect(RuleRepositories.kind(of: try Repositories.path("sigma")) == .sigma)
        #expect(RuleRepositories.kind(of: try Repositories.path("sigma/rules/windows")) == .sigma)
        #expect(RuleRepositories.kind(of: try Repositories.path("elastic")) == .elastic)
        #expect(RuleRepositories.kind(of: try Repositories.path("elastic/rules/windows")) == .elastic)
        #expect(RuleRepositories.kind(of: try Repositories.path("elastic/hunting")) == .elastic)
        #expect(RuleRepositories.kind(of: try Repositories.path("car")) == .car)
        #expect(RuleRepositories.kind(of: try Repositories.path("eqllib")) == .eql)
        #expect(RuleRepositories.kind(of: try Repositories.path("eqllib/eqllib/analytics/execution")) == .eql)
        #expect(RuleRepositories.kind(of: try Repositories.path("sentinel-attack")) == .sentinel)
        #expect(RuleRepositories.kind(of: try Repositories.path("threat-hunter-playbook")) == .threatHunterPlaybook)
    }

    @Test func deprecatedRulesAreMarked() throws {
        // `ls sigma/deprecated -R | grep -c yml` = 172 files in deprecated/, 4 of them rejected by the Sigma engine
        // (`vigil rules check`); Elastic: 124 in rules/_deprecated (maturity = "deprecated", README).
        let sigma = try Repositories.read("sigma").rules
        #expect(sigma.count(where: { $0.path.hasPrefix("deprecated/") }) == 172 - 4)
        #expect(sigma.filter { $0.path.hasPrefix("deprecated/") }.allSatisfy { $0.deprecated })
        let elastic = try Repositories.read("elastic").rules
        #expect(elastic.count(where: \.deprecated) == 124)
        // `grep -l '^building_block_type' -r elastic | wc -l` = 133 (128 in rules_building_block/, 5 in rules/).
        #expect(elastic.count(where: { $0.qualifiers["purpose"] == "building-block" }) == 133)
        #expect(elastic.count(where: { $0.qualifiers["purpose"] == "hunting" }) == 140)
    }
}
