// The engines give the local engine's answers on the events that need the logsource mapping's finer rules:
// event 104 naming another log in its data (`UserData/…/Channel`), Security 4688 with rules that also test
// fields 4688 does not record, and Security 5156 with NT device paths. Each engine evaluates the converted
// rules over `vigil export`'s rows; the pairs must equal `vigil hunt`'s, and the local pairs are stated here.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite(.serialized) struct HeaderFieldEngineTests {
    static let events = [
        // 104: the System log records that Application, then Security, was cleared.
        ##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Eventlog"}},"EventID":104,"Channel":"System","Computer":"PC01","TimeCreated":{"#attributes":{"SystemTime":"2024-05-01T10:00:00.000000Z"}},"EventRecordID":1},"UserData":{"LogFileCleared":{"SubjectUserName":"bob","Channel":"Application","BackupPath":""}}}}"##,
        ##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Eventlog"}},"EventID":104,"Channel":"System","Computer":"PC01","TimeCreated":{"#attributes":{"SystemTime":"2024-05-01T10:00:01.000000Z"}},"EventRecordID":2},"UserData":{"LogFileCleared":{"SubjectUserName":"bob","Channel":"Security","BackupPath":""}}}}"##,
        // 4688: whoami /all, which a rule with an OriginalFileName branch must still see.
        ##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":4688,"Channel":"Security","Computer":"PC01","TimeCreated":{"#attributes":{"SystemTime":"2024-05-01T10:00:02.000000Z"}},"EventRecordID":3},"EventData":{"NewProcessName":"C:\\Windows\\System32\\whoami.exe","CommandLine":"whoami /all","ParentProcessName":"C:\\Windows\\System32\\cmd.exe","MandatoryLabel":"S-1-16-12288"}}}"##,
        // 5156: lsass to port 88 (filtered by the rule) and an unknown program to port 88 (fires).
        ##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":5156,"Channel":"Security","Computer":"DC01","TimeCreated":{"#attributes":{"SystemTime":"2024-05-01T10:00:03.000000Z"}},"EventRecordID":4},"EventData":{"ProcessID":"664","Application":"\\device\\harddiskvolume2\\windows\\system32\\lsass.exe","Direction":"%%14593","DestAddress":"10.0.0.1","DestPort":"88","Protocol":"6"}}}"##,
        ##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":5156,"Channel":"Security","Computer":"DC01","TimeCreated":{"#attributes":{"SystemTime":"2024-05-01T10:00:04.000000Z"}},"EventRecordID":5},"EventData":{"ProcessID":"4242","Application":"\\device\\harddiskvolume2\\users\\bob\\rubeus.exe","Direction":"%%14593","DestAddress":"10.0.0.1","DestPort":"88","Protocol":"6"}}}"##,
    ]

    static let rules = [
        "builtin/system/microsoft_windows_eventlog/win_system_eventlog_cleared.yml",
        "builtin/system/microsoft_windows_eventlog/win_system_susp_eventlog_cleared.yml",
        "process_creation/proc_creation_win_whoami_all_execution.yml",
        "network_connection/net_connection_win_susp_outbound_kerberos_connection.yml",
    ]

    static let data: Result<EngineCase, Error> = Result {
        let folder = ConvertFixtures.temporaryFolder()
        let file = folder + "/events.json"
        try (events.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return try EngineCase(logs: [file], rules: try rules.map { try SharedData.path("rules/sigma/rules/windows/" + $0) })
    }

    /// What the local engine must find, by rule title and line, stated from the rules' text.
    @Test func localAnswers() throws {
        let data = try Self.data.get()
        var found: [String] = []
        for line in data.localLines.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            found.append("\(o["line"] as? Int ?? -1) \(o["rule_title"] as? String ?? "")")
        }
        #expect(
            found.sorted() == [
                "1 Eventlog Cleared", "2 Important Windows Eventlog Cleared", "3 Enumerate All Information With Whoami.EXE",
                "5 Uncommon Outbound Kerberos Connection",
            ])
    }

    /// The exported rows, hunted locally as flat JSON, give the same answers as the EVTX-shaped events.
    @Test func exportedRowsHuntAlike() throws {
        let data = try Self.data.get()
        let run = try ProcessRunner.vigil(
            ["hunt", "--format", "jsonl"] + data.rules.flatMap { ["--rules", $0] } + ["--", data.events])
        func pairs(_ jsonl: String) throws -> [String] {
            try jsonl.split(separator: "\n").map { line in
                let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                return "\(o["line"] as? Int ?? -1) \(o["rule_id"] as? String ?? "")"
            }.sorted()
        }
        #expect(try pairs(run.stdout) == pairs(data.localLines))
    }

    @Test(arguments: Engines.all) func enginesAgree(_ engine: String) throws {
        try Self.data.get().compare(engine)
    }
}
