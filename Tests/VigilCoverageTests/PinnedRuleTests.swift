// A few rules per repository read field by field; every expected value was read off the rule file itself.

import Testing
import VigilCore

@testable import VigilCoverage

@Suite struct PinnedRuleTests {
    @Test func sigmaCertutilDownload() throws {
        // sigma/rules/windows/process_creation/proc_creation_win_certutil_download.yml
        let rule = try Repositories.rule("sigma", id: "19b08b1c-861d-4e75-a1ef-ea0c1baf202b")
        #expect(rule.title == "Suspicious Download Via Certutil.EXE")
        #expect(rule.path == "rules/windows/process_creation/proc_creation_win_certutil_download.yml")
        #expect(rule.techniqueIDs == ["T1027", "T1105"])
        #expect(rule.tactics == ["stealth", "command-and-control"])
        #expect(rule.severity == .medium)
        #expect(rule.status == "test")
        #expect(!rule.deprecated)
        #expect(rule.logSources == [LogSourceNeed(kind: .sigma, product: "windows", category: "process_creation")])
        #expect(rule.fields == ["Image", "OriginalFileName", "CommandLine"])
        #expect(rule.values == ["\\certutil.exe", "CertUtil.exe", "urlcache ", "verifyctl ", "URL ", "http"])
    }

    @Test func sigmaSecurityServiceCarriesEventIDs() throws {
        // rules/windows/builtin/security/win_security_iso_mount.yml: service security, EventID 4663.
        let rule = try Repositories.rule("sigma", id: "0248a7bc-8a9a-4cd8-a57e-3ae8e073a073")
        #expect(rule.techniqueIDs == ["T1566.001"])
        #expect(rule.tactics == ["initial-access"])
        #expect(rule.logSources == [LogSourceNeed(kind: .sigma, product: "windows", service: "security", eventIDs: [4663])])
    }

    @Test func sigmaLegacyGlobalDocumentIsMerged() throws {
        // unsupported/windows/win_apt_apt29_tor.yml: an `action: global` document and one more; the rule takes the
        // global title, tags and level, its own logsource, and keeps `attack.t1050` (a retired ID) as written.
        let path = "unsupported/windows/win_apt_apt29_tor.yml"
        let root = try Repositories.path("sigma")
        let rules = SigmaMetadataReader.readFile(root + "/" + path, base: root).rules
        #expect(rules.count == 1)
        let second = try #require(rules.first)
        #expect(second.id == "c069f460-2b87-4010-8dcf-e45bab362624")
        #expect(second.title == "APT29 Google Update Service Install")
        #expect(second.techniqueIDs == ["T1050", "T1543.003"])
        #expect(second.tactics == ["persistence"])
        #expect(second.severity == .high)
        #expect(second.qualifiers["unsupported"] == "true")
        #expect(second.logSources.first?.category == "process_creation")
        // The merged rule inherits `condition: service_install | near process`, which the Sigma engine rejects
        // (`vigil rules check`: legacy-aggregation at 25:32), so coverage does not count it.
        let sigma = try Repositories.read("sigma")
        #expect(!sigma.rules.contains { $0.path == path })
        let rejection = try #require(sigma.diagnostics.first { $0.location.file.hasSuffix(path) })
        #expect(rejection.code == "legacy-aggregation")
        #expect(rejection.location.line == 25)
    }

    @Test func elasticOutlookCOM() throws {
        // elastic/rules/windows/collection_email_outlook_mailbox_via_com.toml
        let rule = try Repositories.rule("elastic", id: "1dee0500-4aeb-44ca-b24b-4a285d7b6ba1")
        #expect(rule.title == "Suspicious Inter-Process Communication via Outlook")
        #expect(rule.path == "rules/windows/collection_email_outlook_mailbox_via_com.toml")
        #expect(rule.techniqueIDs == ["T1114", "T1114.001", "T1559", "T1559.001"])
        #expect(rule.tactics == ["TA0009", "TA0002"])
        #expect(rule.severity == .medium)
        #expect(rule.qualifiers["risk_score"] == "47")
        #expect(rule.status == "production")
        #expect(rule.qualifiers["language"] == "eql")
        #expect(rule.platforms == ["Windows"])
        #expect(
            rule.logSources == [
                LogSourceNeed(kind: .elasticIndex, product: "logs-endpoint.events.process-*"),
                LogSourceNeed(kind: .elasticIntegration, product: "endpoint"),
            ])
        #expect(rule.fields.starts(with: ["host.os.type", "event.action", "process.name"]))
        #expect(rule.fields.contains("process.Ext.effective_parent.name"))
        #expect(rule.values.contains("OUTLOOK.EXE"))
        #expect(rule.values.contains("S-1-5-18"))
    }

    @Test func elasticHuntingQuery() throws {
        // elastic/hunting/windows/queries/createremotethread_by_source_process_with_low_occurrence.toml
        let rule = try Repositories.rule("elastic", id: "4f878255-53b8-4914-9a7d-4b668bd2ea6a")
        #expect(rule.title == "Low Occurrence Rate of CreateRemoteThread by Source Process")
        #expect(rule.techniqueIDs == ["T1055"])
        #expect(rule.qualifiers["purpose"] == "hunting")
        #expect(rule.severity == nil)
        #expect(rule.platforms == ["windows"])
        #expect(
            rule.logSources == [
                LogSourceNeed(kind: .elasticIntegration, product: "windows"),
                LogSourceNeed(kind: .elasticIndex, product: "logs-windows.sysmon_operational-*"),
            ])
        #expect(rule.fields.contains("event.action"))
        #expect(rule.values.contains("CreateRemoteThread"))
    }

    @Test func elasticDeprecatedKueryRule() throws {
        // elastic/rules/_deprecated/…: "Web Application Suspicious Activity: No User Agent", kuery `url.path:*`.
        let rule = try Repositories.rule("elastic", id: "43303fd4-4839-4e48-b2b2-803ab060758d")
        #expect(rule.deprecated)
        #expect(rule.status == "deprecated")
        #expect(rule.qualifiers["language"] == "kuery")
        #expect(rule.logSources.map(\.product) == ["apm-*-transaction*", "traces-apm*"])
    }

    @Test func elasticAtlasIDsAreKeptWithAWarning() throws {
        // tomllib over every `mitre`/`[[rule.threat]]` ID: four hunting queries in hunting/llm/ name MITRE ATLAS
        // techniques (AML.T0034, AML.T0051, AML.T0051.000, AML.T0029); nothing else fails `T\d{4}(\.\d{3})?`.
        let elastic = try Repositories.read("elastic")
        #expect(elastic.diagnostics.count == 4)
        #expect(elastic.diagnostics.allSatisfy { $0.code == "technique-id-syntax" && $0.severity == .warning })
        #expect(elastic.diagnostics.allSatisfy { $0.location.file.contains("/hunting/llm/queries/") && $0.location.line == 1 })
        #expect(
            elastic.rules.flatMap(\.techniqueIDs).filter { $0.hasPrefix("AML.") }.sorted() == [
                "AML.T0029", "AML.T0034", "AML.T0051", "AML.T0051.000",
            ])
    }

    @Test func carProcessesSpawningCmd() throws {
        // car/analytics/CAR-2013-02-003.yaml
        let rule = try Repositories.rule("car", id: "CAR-2013-02-003")
        #expect(rule.title == "Processes Spawning cmd.exe")
        #expect(rule.path == "analytics/CAR-2013-02-003.yaml")
        #expect(rule.techniqueIDs == ["T1059", "T1059.003"])
        #expect(rule.tactics == ["TA0002"])
        #expect(rule.status == "Moderate")
        #expect(rule.qualifiers["coverage.T1059.003"] == "Moderate")
        #expect(rule.severity == nil)
        #expect(rule.logSources == [LogSourceNeed(kind: .carDataModel, product: "process", category: "create")])
        #expect(rule.fields == ["exe", "parent_exe"])
    }

    @Test func carWithoutDataModelReferencesFallsBackToSubtypes() throws {
        // car/analytics/CAR-2013-01-002.yaml (Autorun Differences): subtypes [Registry], seven coverage entries.
        let rule = try Repositories.rule("car", id: "CAR-2013-01-002")
        #expect(rule.logSources == [LogSourceNeed(kind: .carDataModel, product: "registry")])
        #expect(rule.techniqueIDs.prefix(4) == ["T1543", "T1543.003", "T1053", "T1053.005"])
        #expect(rule.tactics == ["TA0003", "TA0004", "TA0002"])
        #expect(rule.platforms == ["Windows"])
    }

    @Test func eqlRarCompression() throws {
        // eqllib/eqllib/analytics/exfiltration/T1002-rar-compression.toml
        let rule = try Repositories.rule("eqllib", id: "1ec33c93-3d0b-4a28-8014-dbdaae5c60ae")
        #expect(rule.title == "Command-Line Creation of a RAR file")
        #expect(rule.techniqueIDs == ["T1002"])
        #expect(rule.tactics == ["Exfiltration"])
        #expect(rule.status == "medium")
        #expect(rule.platforms == ["windows"])
        #expect(rule.logSources == [LogSourceNeed(kind: .eqlEvent, product: "process", category: "create")])
        #expect(rule.fields == ["process_name", "command_line"])
        #expect(rule.values == ["rar.exe", "* a *"])
    }

    @Test func eqlSequenceReadsEveryEventType() throws {
        // eqllib/eqllib/analytics/defense-evasion/T1223-compiled-html-file.toml: `[file where …] [process where subtype.create …]`.
        let rule = try #require(try Repositories.read("eqllib").rules.first { $0.path.hasSuffix("T1223-compiled-html-file.toml") })
        #expect(
            rule.logSources == [
                LogSourceNeed(kind: .eqlEvent, product: "file"), LogSourceNeed(kind: .eqlEvent, product: "process", category: "create"),
            ])
    }

    @Test func sentinelSecuritySoftwareDiscovery() throws {
        // sentinel-attack/detections/T1063_Security_Software_Discovery.txt
        let rule = try Repositories.rule("sentinel-attack", id: "T1063_Security_Software_Discovery")
        #expect(rule.title == "Security Software Discovery")
        #expect(rule.techniqueIDs == ["T1063"])
        #expect(rule.tactics == ["Discovery"])
        #expect(rule.severity == .high)
        #expect(rule.logSources == [LogSourceNeed(kind: .dataSource, product: "Sysmon", eventIDs: [1])])
        #expect(rule.platforms == ["Windows"])
        #expect(rule.fields == ["EventID", "process_path", "process_command_line"])
        #expect(rule.values.contains("tasklist.exe"))
    }

    @Test func sentinelTacticLists() throws {
        let rules = try Repositories.read("sentinel-attack").rules
        // `grep -l 'T0000' …`: six rules mark "no technique" with T0000 and get none.
        #expect(rules.count(where: { $0.id.hasPrefix("T0000") && $0.techniqueIDs.isEmpty }) == 6)
        // "#Persistence #Privilege_Escalation" is two tactics, the underscore read as a space.
        #expect(rules.contains { $0.tactics == ["Persistence", "Privilege Escalation"] })
        #expect(rules.contains { $0.tactics == ["Defense Evasion", "Execution"] })
    }

    @Test func threatHunterPlaybookDCOMHijack() throws {
        // threat-hunter-playbook/docs/hunts/windows/201009-RemoteDCOMIErtUtilDLLHijack/{metadata.yaml,notebook.md}
        let rule = try Repositories.rule("threat-hunter-playbook", id: "201009-RemoteDCOMIErtUtilDLLHijack")
        #expect(rule.title == "Remote DCOM IErtUtil DLL Hijack")
        #expect(rule.techniqueIDs == ["T1021.003"])
        #expect(rule.tactics == ["TA0008"])
        #expect(rule.platforms == ["Windows"])
        #expect(
            rule.logSources == [
                LogSourceNeed(kind: .windowsEvent, product: "Microsoft-Windows-Security-Auditing", category: "File", eventIDs: [5145]),
                LogSourceNeed(kind: .windowsEvent, product: "Microsoft-Windows-Sysmon/Operational", category: "File", eventIDs: [11, 7]),
            ])
        #expect(rule.fields.contains("RelativeTargetName"))
    }

    @Test func threatHunterPlaybookSubTechniqueSpellings() throws {
        let rules = try Repositories.read("threat-hunter-playbook").rules
        // 190511-RemotePwshExecution writes `sub_technique: "006"` under T1021; `None` means the technique itself.
        #expect(try Repositories.rule("threat-hunter-playbook", id: "190511-RemotePwshExecution").techniqueIDs.contains("T1021.006"))
        #expect(rules.allSatisfy { $0.techniqueIDs.allSatisfy { TechniqueID($0) != nil } })
    }
}
