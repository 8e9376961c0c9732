// A field that exists both in System and in the event's data: the logsource (channel, event ID) always reads
// System, a rule's field test reads the data. Checked on the pair of SigmaHQ rules that depend on it: event 104
// names the cleared log in `UserData/LogFileCleared/Channel`.
import Testing
import VigilCore
import VigilSigma
import VigilTestSupport

@Suite struct LogsourceHeaderTests {
    static let folder = "rules/sigma/rules/windows/builtin/system/microsoft_windows_eventlog/"
    /// "Eventlog Cleared" (not the important channels) and "Important Windows Eventlog Cleared".
    static let ruleFiles = ["win_system_eventlog_cleared.yml", "win_system_susp_eventlog_cleared.yml"]

    static func sigmaHQPair() throws -> RuleSet {
        let paths = try ruleFiles.map { try SharedData.path(folder + $0) }
        let collection = RuleLoader.load(paths)
        #expect(collection.rules.count == 2)
        return RuleSet(rules: collection.rules)
    }

    /// Titles of the rules that fire on one event.
    static func titles(_ set: RuleSet, _ json: String) -> [String] {
        (Fixtures.matches(set, json: json).first ?? []).map { set.rules[$0].title }.sorted()
    }

    /// Event 104 as evtx_dump writes it (Vigil's EVTX reader renders the same tree).
    static func evtx104(clearing channel: String) -> String {
        """
        {"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},
        "System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Eventlog","Guid":"{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"}},
        "EventID":104,"Version":0,"Level":4,"Task":104,"Opcode":0,"Keywords":"0x8000000000000000",
        "TimeCreated":{"#attributes":{"SystemTime":"2019-03-19T23:34:25.894341Z"}},"EventRecordID":27736,
        "Correlation":null,"Execution":{"#attributes":{"ProcessID":812,"ThreadID":4116}},"Channel":"System",
        "Computer":"PC01.example.corp","Security":{"#attributes":{"UserID":"S-1-5-21-1-2-3-1107"}}},
        "UserData":{"LogFileCleared":{"#attributes":{"xmlns":"http://manifests.microsoft.com/win/2004/08/windows/eventlog"},
        "SubjectUserName":"user01","SubjectDomainName":"EXAMPLE","Channel":"\(channel)","BackupPath":""}}}}
        """
    }

    /// The same event as Winlogbeat ships it.
    static func winlogbeat104(clearing channel: String) -> String {
        """
        {"@timestamp":"2019-03-19T23:34:25.894Z","winlog":{"channel":"System","event_id":104,
        "provider_name":"Microsoft-Windows-Eventlog","computer_name":"PC01.example.corp","record_id":27736,
        "user_data":{"SubjectUserName":"user01","SubjectDomainName":"EXAMPLE","Channel":"\(channel)","BackupPath":""}}}
        """
    }

    @Test(arguments: [
        ("Application", "Eventlog Cleared"), ("Security", "Important Windows Eventlog Cleared"),
        ("Microsoft-Windows-Sysmon/Operational", "Important Windows Eventlog Cleared"), ("System", "Important Windows Eventlog Cleared"),
    ])
    func clearedLogDecidesTheRule(cleared: String, expected: String) throws {
        let set = try Self.sigmaHQPair()
        #expect(Self.titles(set, Self.evtx104(clearing: cleared)) == [expected])
        #expect(Self.titles(set, Self.winlogbeat104(clearing: cleared)) == [expected])
    }

    /// The event's reported channel stays the one that wrote it.
    @Test func reportedChannelIsSystem() {
        let json = Array(Self.evtx104(clearing: "Application").utf8)
        var tape = JSONTape()
        json.withUnsafeBytes { buffer in
            _ = try? tape.parse(buffer, from: 0)
            tape.nodes.withUnsafeBufferPointer { nodes in
                let event = Event(view: JSONView(tape: nodes, bytes: buffer))
                #expect(event.channel == "System")
                #expect(event.eventID == "104")
                #expect(event.value(named: "Channel") == "Application")
            }
        }
    }

    /// An event ID in the data does not move the event to another rule's logsource either.
    @Test func dataEventIDDoesNotPickRules() {
        let rule = """
            title: t
            logsource: {product: windows, service: system}
            detection:
                selection: {EventID: 7045}
                condition: selection
            """
        let event = """
            {"Event":{"System":{"EventID":7045,"Channel":"System"},"EventData":{"EventID":"4624","ServiceName":"x"}}}
            """
        // The data's EventID is what the rule's field test reads (4624), so it does not fire; the candidate lookup
        // (System 7045) still offers the rule. With the data's header values, the rule would not even be offered.
        #expect(!Fixtures.fires(rule, event))
        let other = """
            {"Event":{"System":{"EventID":104,"Channel":"System"},"UserData":{"X":{"Channel":"Security","Name":"y"}}}}
            """
        let byChannel = """
            title: t
            logsource: {product: windows, service: system}
            detection:
                selection: {Name: y}
                condition: selection
            """
        #expect(Fixtures.fires(byChannel, other))
    }
}
