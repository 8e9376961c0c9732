// Validated coverage on real attack simulations: each technique outcome (validated, missed, untested) and each rule
// class (own technique, other simulations, unlabelled only, never fired, not executable) from shared events, the
// events checked by a Python reading of the logs and the rules' conditions, not by Vigil's engine.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilCoverage

@Suite struct ValidationTests {
    static let security = "rules/sigma/rules/windows/builtin/security/"
    static let dcsyncRule = security + "win_security_ad_replication_non_machine_account.yml"
    static let samRule = security + "win_security_sam_registry_hive_handle_request.yml"
    static let dsrmRule = security + "win_security_susp_dsrm_password_change.yml"
    static let clearedRule = security + "win_security_audit_log_cleared.yml"
    static let lsassRule = security + "win_security_lsass_access_non_system_account.yml"
    static let carRule = "rules/car/analytics/CAR-2019-04-004.yaml"
    static let dcsync = "logs/sysmon-json/covenant_dcsync_dcerpc_drsuapi_DsGetNCChanges_2020-08-05020926.json.gz"
    static let seatbelt = "logs/sysmon-json/cmd_seatbelt_group_user_2020-11-0216391814.json.gz"
    static let bitsadmin = "logs/sysmon-json/cmd_bitsadmin_download_psh_script_2020-10-2302365189.json.gz"
    static let dsrm = "logs/evtx-attack-samples/Credential Access/4794_DSRM_password_change_t1098.evtx"
    static let hashdump = "logs/evtx-attack-samples/Credential Access/CA_hashdump_4663_4656_lsass_access.evtx"

    /// Python's reading of the JSON simulations: per file, the lines each rule's condition (written out by hand from
    /// the rule) matches, and how many Security-channel events the file holds.
    static let reference = """
        import gzip, json, sys
        def dcsync(e):
            guids = ['1131f6ad-9c07-11d1-f79f-00c04fc2dcd2', '1131f6aa-9c07-11d1-f79f-00c04fc2dcd2',
                     '9923a32a-3607-11d2-b9be-0000f87a36b2', '89e95b76-444d-4c62-991a-0facbeda640c']
            user = str(e.get('SubjectUserName', ''))
            return (str(e.get('EventID')) == '4662' and any(g in str(e.get('Properties', '')) for g in guids)
                    and not user.endswith('$') and e.get('SubjectDomainName') != 'Window Manager'
                    and not user.startswith(('NT AUT', 'MSOL_')))
        def sam(e):
            return (str(e.get('EventID')) == '4656' and e.get('ObjectType') == 'Key'
                    and str(e.get('ObjectName', '')).lower().endswith('\\\\sam'))
        def cleared(e):
            provider = e.get('Provider_Name', e.get('SourceName'))
            return ((str(e.get('EventID')) == '517' and provider == 'Security')
                    or (str(e.get('EventID')) == '1102' and provider == 'Microsoft-Windows-Eventlog'))
        result = {}
        for path in sys.argv[1:]:
            hits = {'dcsync': [], 'sam': [], 'cleared': []}
            security = 0
            with gzip.open(path, 'rt', encoding='utf-8') as f:
                for n, line in enumerate(f, 1):
                    e = json.loads(line)
                    security += e.get('Channel') == 'Security'
                    for name, test in (('dcsync', dcsync), ('sam', sam), ('cleared', cleared)):
                        if test(e): hits[name].append(n)
            result[path] = {'hits': hits, 'security': security}
        print(json.dumps(result))
        """

    struct Reading: Decodable {
        var hits: [String: [Int]]
        var security: Int
    }

    @Test func everyOutcomeAndRuleClassFromRealSimulationsAgreesWithAPythonReadingOfTheEvents() throws {
        let rules = try [Self.dcsyncRule, Self.samRule, Self.dsrmRule, Self.clearedRule, Self.lsassRule, Self.carRule].map {
            try SharedData.path($0)
        }
        let logs = try [Self.dcsync, Self.seatbelt, Self.bitsadmin, Self.dsrm, Self.hashdump].map { try SharedData.path($0) }
        let inventory = SharedData.packageRoot() + "/Examples/inventory.yaml"
        let run = try ProcessRunner.vigil(
            ["coverage", "--inventory", inventory, "--rules"] + rules + ["--validate"] + logs + ["--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let digest = try #require(try JSONDecoder().decode(Summary.self, from: Data(run.stdout.utf8)).validation)
        let python = try ProcessRunner.python(Self.reference, [logs[0], logs[1], logs[2]])
        let reading = try JSONDecoder().decode([String: Reading].self, from: Data(python.utf8))
        let dcsync = try #require(reading[logs[0]])
        let seatbelt = try #require(reading[logs[1]])
        let bitsadmin = try #require(reading[logs[2]])
        func technique(_ id: String) throws -> ValidationDigest.Technique { try #require(digest.techniques.first { $0.id == id }) }
        func rule(_ title: String) throws -> ValidationDigest.Rule { try #require(digest.rulesFired.first { $0.title == title }) }

        // Validated: the DCSync simulation (Security-Datasets labels it T1003.006); the rule's first event and count are
        // the ones Python finds, and the parent T1003 is validated through its sub-technique.
        #expect(!dcsync.hits["dcsync"]!.isEmpty)
        let replication = try technique("T1003.006")
        #expect(replication.outcome == .validated)
        let firing = try #require(replication.fired.first)
        #expect(firing.rule == "Active Directory Replication from Non Machine Account - DcSync Indicator")
        #expect(firing.line == dcsync.hits["dcsync"]!.first)
        #expect(firing.events == dcsync.hits["dcsync"]!.count)
        #expect(try technique("T1003").outcome == .validated)
        // Validated from a name: the DSRM sample's `_t1098` labels it, and the DSRM rule fired on it.
        let dsrm = try technique("T1098")
        #expect(dsrm.outcome == .validated)
        #expect(dsrm.fired.map(\.rule) == ["Password Change on Directory Service Restore Mode (DSRM) Account"])

        // Missed: Seatbelt's simulation is labelled T1012, holds Security events (the SAM rule's logs), and no event
        // requests a handle on the SAM hive: the rule mapped to T1012 ran and did not fire.
        #expect(seatbelt.security > 0)
        #expect(seatbelt.hits["sam"]!.isEmpty)
        let query = try technique("T1012")
        #expect(query.outcome == .missed)
        #expect(query.expected == ["SAM Registry Hive Handle Request"])
        #expect(query.status == .green)
        #expect(digest.counts.greenMissed >= 1)

        // Untested: BITS (T1197) is simulated but no rule mapped to it ran; LSASS memory (T1003.001) has a rule but no
        // simulation labelled with it.
        let bits = try technique("T1197")
        #expect(bits.outcome == .untested)
        #expect(bits.reason.contains("no rule mapped to it runs here"))
        #expect(!digest.techniques.contains { $0.id == "T1003.001" })

        // Rules. Own technique: DCSync. Other simulations: the log-clearing rule (T1070.001) fired on the BITS and
        // Seatbelt simulations, exactly where Python finds event 1102. Unlabelled only: the LSASS rule on the
        // hash-dump sample, which has no label. Never fired: SAM. Not executable: the CAR analytic.
        #expect(try rule(firing.rule).evidence == .ownTechnique)
        let cleared = try rule("Security Eventlog Cleared")
        #expect(cleared.evidence == .otherSimulations)
        #expect(
            Set(cleared.firedOn.map { "\($0.file):\($0.line)" })
                == Set([(logs[1], seatbelt), (logs[2], bitsadmin)].compactMap { f, r in r.hits["cleared"]!.first.map { "\(f):\($0)" } }))
        #expect(try rule("LSASS Access From Non System Account").evidence == .unlabelledOnly)
        #expect(!digest.rulesFired.contains { $0.title == "SAM Registry Hive Handle Request" })
        #expect(digest.rulesByEvidence["never-fired"] == 1)
        #expect(digest.rulesByEvidence["not-executable"] == 1)
        #expect(digest.simulations == 5)
        #expect(digest.labelledSimulations == 4)
    }

    /// A store, two snapshots (before and after validation) and everything built from them: the diff, the layers, the
    /// gap plan, the gate and the web pages, each showing what the simulations proved.
    @Test func validationReachesTheLayersGapPlanGateStoreDiffAndWebPages() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-validation-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = folder + "/history.db"
        let rules = try [Self.dcsyncRule, Self.samRule, Self.clearedRule].map { try SharedData.path($0) }
        let logs = try [Self.dcsync, Self.seatbelt].map { try SharedData.path($0) }
        let inventory = SharedData.packageRoot() + "/Examples/inventory.yaml"
        let base = ["coverage", "--inventory", inventory, "--store", store, "--rules"] + rules
        #expect(try ProcessRunner.vigil(base + ["--save", "--label", "claimed"]).status == 0)
        let layers = folder + "/layers"
        let outputs = ["--layers", layers, "--report", folder + "/plan.md", "--plan", folder + "/plan.json"]
        let validated = try ProcessRunner.vigil(base + ["--validate"] + logs + ["--save", "--label", "proven"] + outputs)
        #expect(validated.status == 0, "\(validated.stderr)")
        #expect(validated.stdout.contains("validation: "))
        #expect(validated.stdout.contains("claimed but not proven:"))

        // Layers: the validation layer paints T1003.006 validated and T1012 missed; the status layer splits green.
        struct Layer: Decodable {
            struct Technique: Decodable {
                var techniqueID: String
                var color: String
                var comment: String
            }
            var techniques: [Technique]
            var legendItems: [NavigatorLayer.LegendItem]
        }
        func layer(_ kind: String) throws -> [String: Layer.Technique] {
            let data = try Data(contentsOf: URL(fileURLWithPath: layers + "/vigil-\(kind).json"))
            return Dictionary(try JSONDecoder().decode(Layer.self, from: data).techniques.map { ($0.techniqueID, $0) }) { a, _ in a }
        }
        let validation = try layer("validation")
        #expect(validation["T1003.006"]?.color == LayerBuilder.validationColors[.validated])
        #expect(validation["T1012"]?.color == LayerBuilder.validationColors[.missed])
        #expect(validation["T1012"]?.comment.contains("MISSED") == true)
        let status = try layer("status")
        #expect(status["T1003.006"]?.color == LayerBuilder.greenValidated)
        #expect(status["T1012"]?.color == LayerBuilder.greenMissed)

        // Gap plan: claimed but not proven, the missed technique first.
        let markdown = try String(contentsOfFile: folder + "/plan.md", encoding: .utf8)
        let section = try #require(markdown.components(separatedBy: "## Claimed but not proven").dropFirst().first)
        let rows = section.split(separator: "\n").map(String.init)
        let firstRow = try #require(rows.first { $0.hasPrefix("| T") })
        #expect(firstRow.hasPrefix("| T1012 Query Registry | missed |"))
        let plan = try JSONDecoder().decode(GapPlan.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/plan.json")))
        #expect(plan.claimedNotProven.first?.id == "T1012")
        #expect(plan.validation?.greenMissed == 1)

        // The gate: one of the green techniques is missed, so 100 % validated fails with findings (exit 1); without
        // --validate the option is a usage error (exit 2).
        let unsaved: [String] = ["coverage", "--inventory", inventory, "--rules"] + rules + ["--validate"] + logs
        let gate = try ProcessRunner.vigil(unsaved + ["--fail-under-validated", "100"])
        #expect(gate.status == 1)
        #expect(gate.stderr.contains("validation gate missed"))
        #expect(try ProcessRunner.vigil(["coverage", "--inventory", inventory, "--fail-under-validated", "10"]).status == 2)

        // Store and diff: the second snapshot keeps its counts; the diff says what became validated and missed, and why.
        let list = try ProcessRunner.vigil(["history", "--store", store])
        #expect(list.stdout.contains("(1 missed)"))
        let diff = try ProcessRunner.vigil(["history", "diff", "claimed", "proven", "--store", store, "--format", "json"])
        #expect(diff.status == 1)
        struct Diff: Decodable { var validation: [SnapshotChange] }
        struct SnapshotChange: Decodable {
            var id: String
            var from: ValidationOutcome?
            var to: ValidationOutcome?
            var why: [String]
        }
        let changes = Dictionary(try JSONDecoder().decode(Diff.self, from: Data(diff.stdout.utf8)).validation.map { ($0.id, $0) }) { a, _ in
            a
        }
        #expect(changes["T1003.006"]?.from == nil)
        #expect(changes["T1003.006"]?.to == .validated)
        #expect(
            changes["T1003.006"]?.why.contains { $0.contains("fired: Active Directory Replication") && $0.contains("line 120") } == true)
        #expect(changes["T1012"]?.to == .missed)
        #expect(changes["T1012"]?.why.contains("expected to fire, did not: SAM Registry Hive Handle Request") == true)

        // The web UI: badges on the matrix, the evidence on the technique page, the trend's validated series.
        let server = try ServeProcess(["--store", store])
        defer { server.stop() }
        let matrix = try RawHTTP.get(port: server.port, "/")
        #expect(matrix.body.contains("badge validated"))
        #expect(matrix.body.contains("badge missed"))
        let page = try RawHTTP.get(port: server.port, "/technique/T1003.006")
        #expect(page.body.contains("Validation: <span class=\"badge validated\">validated</span>"))
        #expect(page.body.contains("covenant_dcsync_dcerpc_drsuapi_DsGetNCChanges_2020-08-05020926.json.gz"))
        let missed = try RawHTTP.get(port: server.port, "/technique/T1012")
        #expect(missed.body.contains("Expected to fire, and did not"))
        #expect(missed.body.contains("SAM Registry Hive Handle Request"))
        let snapshots = try RawHTTP.get(port: server.port, "/snapshots")
        #expect(snapshots.body.contains("validated (all tactics)"))
        let trend = try RawHTTP.get(port: server.port, "/api/trend")
        #expect(trend.body.contains("\"greenMissed\":1"))
        let gaps = try RawHTTP.get(port: server.port, "/gaps")
        #expect(gaps.body.contains("Claimed but not proven"))
    }

    /// Broken simulations, a missing path and a manifest naming a missing file: each is reported with its file and
    /// place, the run exits 2 (bad input), and the readable simulation is still validated.
    @Test func unreadableSimulationsAreBadInputAndTheRestIsValidated() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-badsim-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/sims", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(
            to: URL(fileURLWithPath: folder + "/sims/T1003.001_broken.evtx"))
        try Data("{\"EventID\": 1".utf8).write(to: URL(fileURLWithPath: folder + "/sims/T1047_truncated.json"))
        try Data("simulations:\n  - path: sims/gone.evtx\n    techniques: [T1047]\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/manifest.yaml"))
        let inventory = SharedData.packageRoot() + "/Examples/inventory.yaml"
        let run = try ProcessRunner.vigil(
            [
                "coverage", "--inventory", inventory, "--rules", try SharedData.path(Self.dcsyncRule), "--validate", folder + "/sims",
                folder + "/missing", try SharedData.path(Self.dcsync), "--simulations", folder + "/manifest.yaml", "--format", "json",
            ])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains(folder + "/sims/T1003.001_broken.evtx:@0: error: not an EVTX file"))
        #expect(run.stderr.contains(folder + "/sims/T1047_truncated.json:1: error"))
        #expect(run.stderr.contains(folder + "/missing: error: no such file or folder"))
        #expect(run.stderr.contains(folder + "/manifest.yaml:2: error: sims/gone.evtx: no such file"))
        let digest = try #require(try JSONDecoder().decode(Summary.self, from: Data(run.stdout.utf8)).validation)
        #expect(digest.techniques.first { $0.id == "T1003.006" }?.outcome == .validated)
        #expect(digest.simulations == 3)
    }

    struct Summary: Decodable {
        var validation: ValidationDigest?
    }
}
