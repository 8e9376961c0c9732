// Paths a source writes in another form than the rules: Security 5156 records NT device paths, 4657 records
// `\REGISTRY\` keys. A drive-letter or hive value in a rule matches them; checked on SigmaHQ's own pair of
// "Uncommon Outbound Kerberos Connection" rules (one written for Sysmon paths, one for 5156's device paths).
import Testing
import VigilCore
import VigilSigma
import VigilTestSupport

@Suite struct PathFormTests {
    static func kerberos5156(_ application: String) -> String {
        """
        {"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":5156,
        "Channel":"Security","Computer":"DC01"},"EventData":{"ProcessID":"664","Application":"\(application)",
        "Direction":"%%14593","SourceAddress":"10.0.0.5","SourcePort":"50123","DestAddress":"10.0.0.1","DestPort":"88",
        "Protocol":"6","FilterRTID":"0","LayerName":"%%14611","LayerRTID":"48"}}}
        """
    }

    static func sigmaHQKerberosPair() throws -> RuleSet {
        let paths = try [
            "rules/sigma/rules/windows/network_connection/net_connection_win_susp_outbound_kerberos_connection.yml",
            "rules/sigma/rules/windows/builtin/security/win_security_susp_outbound_kerberos_connection.yml",
        ].map { try SharedData.path($0) }
        let collection = RuleLoader.load(paths)
        #expect(collection.rules.count == 2)
        return RuleSet(rules: collection.rules)
    }

    /// Both rules agree: lsass and Chrome are filtered, other programs fire. The last case is lsass's name in
    /// another folder: the Sysmon rule's exact `C:\Windows\System32\lsass.exe` does not filter it, the 5156
    /// rule's looser `startswith \device\harddiskvolume` + `endswith \Windows\System32\lsass.exe` does.
    @Test(arguments: [
        ("\\\\device\\\\harddiskvolume2\\\\windows\\\\system32\\\\lsass.exe", 0),
        ("\\\\device\\\\harddiskvolume11\\\\Windows\\\\System32\\\\lsass.exe", 0),
        ("\\\\device\\\\harddiskvolume3\\\\program files\\\\google\\\\chrome\\\\application\\\\chrome.exe", 0),
        ("C:\\\\Windows\\\\System32\\\\lsass.exe", 0),
        ("\\\\device\\\\harddiskvolume2\\\\users\\\\bob\\\\rubeus.exe", 2),
        ("\\\\device\\\\harddiskvolume2\\\\temp\\\\windows\\\\system32\\\\lsass.exe", 1),
    ])
    func deviceAndDrivePathsMatchAlike(application: String, firing: Int) throws {
        let set = try Self.sigmaHQKerberosPair()
        #expect(Fixtures.matches(set, json: Self.kerberos5156(application)).first?.count == firing)
    }

    @Test func registryHivesMatchOn4657() {
        let rule = """
            title: t
            logsource: {product: windows, category: registry_set}
            detection:
                selection: {TargetObject|startswith: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run'}
                condition: selection
            """
        let user = """
            title: u
            logsource: {product: windows, category: registry_set}
            detection:
                selection: {TargetObject|startswith: 'HKCU\\Software\\Classes\\ms-settings'}
                condition: selection
            """
        func event(_ key: String) -> String {
            """
            {"Event":{"System":{"EventID":4657,"Channel":"Security"},"EventData":{"ObjectName":"\(key)",
            "ObjectValueName":"x","OperationType":"%%1904","NewValue":"c:\\\\x.exe","ProcessName":"C:\\\\a.exe"}}}
            """
        }
        #expect(Fixtures.fires(rule, event("\\\\REGISTRY\\\\MACHINE\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run")))
        #expect(!Fixtures.fires(rule, event("\\\\REGISTRY\\\\USER\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run")))
        #expect(Fixtures.fires(user, event("\\\\REGISTRY\\\\USER\\\\S-1-5-21-1-2-3-1001\\\\Software\\\\Classes\\\\ms-settings\\\\shell")))
        #expect(!Fixtures.fires(user, event("\\\\REGISTRY\\\\MACHINE\\\\Software\\\\Classes\\\\ms-settings")))
    }

    @Test func unknownFormIsRejectedWithItsLine() {
        let yaml = """
            logsources:
              - match: {product: windows, category: network_connection}
                sources:
                  - channel: Security
                    path-forms: {Image: dos}
            """
        #expect(throws: Diagnostic.self) { try LogsourceMapping(yaml: yaml, file: "m.yml") }
        do { _ = try LogsourceMapping(yaml: yaml, file: "m.yml") } catch { #expect(error.location.line == 5) }
    }
}
