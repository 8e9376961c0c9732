// Field names resolve the same way on evtx_dump-shaped and on flat JSON, and logsources keep rules to their events.
import Testing
import VigilSigma

@Suite struct EventFieldTests {
    static let evtx = #"""
        {"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"G"}},
        "EventID":{"#attributes":{"Qualifiers":16384},"#text":1},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"PC1",
        "Security":{"#attributes":{"UserID":"S-1-5-18"}},"TimeCreated":{"#attributes":{"SystemTime":"2024-01-01T00:00:00Z"}}},
        "EventData":{"Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd /c whoami","Threat Name":"EICAR"}}}
        """#

    func fires(_ detection: String, _ json: String, logsource: String = "{product: windows, category: process_creation}") -> Bool {
        Fixtures.fires(sigmaRule(detection, logsource: logsource), json)
    }

    @Test func evtxSystemAttributesAndEventData() {
        #expect(fires("s:\n  Provider_Name: Microsoft-Windows-Sysmon\ncondition: s", Self.evtx))
        #expect(fires("s:\n  Security_UserID: S-1-5-18\ncondition: s", Self.evtx))
        #expect(fires("s:\n  EventID: 1\n  Computer: pc1\n  Image|endswith: '\\cmd.exe'\ncondition: s", Self.evtx))
        #expect(fires("s:\n  ThreatName: EICAR\ncondition: s", Self.evtx))  // spaces stripped, per the specification
    }

    @Test func flatSysmonExport() {
        let flat =
            #"{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"PC1","SourceName":"Microsoft-Windows-Sysmon","Image":"C:\\x\\cmd.exe"}"#
        #expect(fires("s:\n  Provider_Name: Microsoft-Windows-Sysmon\n  Computer: PC1\ncondition: s", flat))
        #expect(fires("s:\n  Image|endswith: cmd.exe\ncondition: s", flat))
    }

    @Test func winlogbeatAndECS() {
        let beat = #"{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":1,"event_data":{"CommandLine":"whoami /all"}}}"#
        #expect(fires("s:\n  CommandLine|contains: whoami\ncondition: s", beat))
        // ECS names under winlogbeat's header: the channel routes, the ECS name is the Sigma field.
        let ecs = #"{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":1},"process":{"command_line":"whoami /all"}}"#
        #expect(fires("s:\n  CommandLine|contains: whoami\ncondition: s", ecs))
    }

    /// A rule runs only where its logsource is mapped: a logsource nothing maps does not run at all, and a mapped
    /// non-Windows logsource runs on its own channel only — never on events without one or of another source.
    @Test func nonWindowsRulesRunOnlyOnTheirSources() {
        let (unmapped, _) = Fixtures.ruleSet(sigmaRule("s:\n  - RDP\ncondition: s", logsource: "{product: cisco, service: aaa}"))
        #expect(unmapped.activeRules.isEmpty)
        #expect(unmapped.unmappedLogsources.map(\.logsource.description) == ["product=cisco service=aaa"])
        let rdp = "s:\n  id.resp_p: 3389\ncondition: s"
        let zeekRDP = "{product: zeek, service: rdp}"
        #expect(fires(rdp, #"{"vigil_channel":"zeek/rdp","id.resp_p":3389}"#, logsource: zeekRDP))
        #expect(!fires(rdp, #"{"vigil_channel":"zeek/conn","id.resp_p":3389}"#, logsource: zeekRDP))
        #expect(!fires(rdp, #"{"eventName":"ConsoleLogin","id.resp_p":3389}"#, logsource: zeekRDP))
        // Windows-wide rules stay off non-Windows channels, known to a rule or not.
        let any = "s:\n  Image|endswith: 'sh'\ncondition: s"
        #expect(!fires(any, #"{"vigil_channel":"zeek/weird","Image":"/bin/sh"}"#, logsource: "{product: windows}"))
        #expect(!fires(any, #"{"Channel":"Linux-Sysmon/Operational","EventID":1,"Image":"/bin/sh"}"#, logsource: "{product: windows}"))
        #expect(
            fires(
                any, #"{"Channel":"Linux-Sysmon/Operational","EventID":1,"Image":"/bin/sh"}"#,
                logsource: "{product: linux, category: process_creation}"))
        // The Sigma taxonomy's proxy category reads Zeek's http log under its own names.
        #expect(
            fires(
                "s:\n  c-useragent: ''\n  cs-method: POST\ncondition: s", #"{"vigil_channel":"zeek/http","user_agent":"","method":"POST"}"#,
                logsource: "{category: proxy}"))
    }

    @Test func rulesRunOnlyOnTheirLogsource() {
        let security = #"{"Channel":"Security","EventID":4688,"NewProcessName":"C:\\x\\cmd.exe","CommandLine":"cmd"}"#
        // Sysmon-only field names map to Security 4688 names (Image → NewProcessName).
        #expect(fires("s:\n  Image|endswith: '\\cmd.exe'\ncondition: s", security))
        // A System-channel rule never fires on Security events, nor a Sysmon category on another event ID.
        #expect(!fires("s:\n  CommandLine: cmd\ncondition: s", security, logsource: "{product: windows, service: system}"))
        let sysmon3 = #"{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":3,"Image":"C:\\x\\cmd.exe"}"#
        #expect(!fires("s:\n  Image|endswith: '\\cmd.exe'\ncondition: s", sysmon3))
        // Linux rules do not run on Windows events.
        #expect(!fires("s:\n  Image|endswith: 'cmd.exe'\ncondition: s", sysmon3, logsource: "{product: linux, category: process_creation}"))
        // A field the Security source lacks keeps the rule to Sysmon.
        #expect(
            !fires("s:\n  OriginalFileName: cmd.exe\ncondition: s", #"{"Channel":"Security","EventID":4688,"OriginalFileName":"cmd.exe"}"#))
    }

    @Test func registryRulesRunOnSecurity4657() {
        // pySigma's windows-audit pipeline: TargetObject → ObjectName, Details → NewValue, Image → ProcessName.
        let e =
            #"{"Channel":"Security","EventID":4657,"ObjectName":"\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run","#
            + #""NewValue":"C:\\evil.exe","ProcessName":"C:\\x\\reg.exe"}"#
        let set = "{product: windows, category: registry_set}"
        let run = "s:\n  TargetObject|contains: '\\CurrentVersion\\Run'\n  Details|endswith: evil.exe\ncondition: s"
        #expect(fires(run, e, logsource: set))
        #expect(fires("s:\n  Image|endswith: '\\reg.exe'\ncondition: s", e, logsource: "{product: windows, category: registry_event}"))
        // Sysmon-only fields keep a rule off 4657.
        #expect(!fires("s:\n  EventType: SetValue\ncondition: s", e, logsource: set))
    }

    @Test func integrityLevelValuesConvertForSecurity() {
        let e = #"{"Channel":"Security","EventID":4688,"MandatoryLabel":"S-1-16-12288","NewProcessName":"x"}"#
        #expect(fires("s:\n  IntegrityLevel: High\ncondition: s", e))
    }
}
