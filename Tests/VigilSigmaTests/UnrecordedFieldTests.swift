// A field a source does not record (Security 4688 has no OriginalFileName or ParentCommandLine) is absent on
// that source's events: an extra OR branch never removes a match, and `not` of a test on it holds.
import Testing
import VigilCore
import VigilSigma
import VigilTestSupport

@Suite struct UnrecordedFieldTests {
    static let whoami4688 = """
        {"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":4688,
        "Channel":"Security","Computer":"PC01"},"EventData":{"SubjectUserName":"alice","NewProcessId":"0x1a0",
        "NewProcessName":"C:\\\\Windows\\\\System32\\\\whoami.exe","TokenElevationType":"%%1936","ProcessId":"0x2b0",
        "CommandLine":"whoami /all","ParentProcessName":"C:\\\\Windows\\\\System32\\\\cmd.exe","MandatoryLabel":"S-1-16-12288"}}}
        """

    static func rule(_ detection: String) -> String {
        """
        title: t
        logsource: {product: windows, category: process_creation}
        detection:
        \(detection.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        """
    }

    static let a = rule(
        """
        selection: {Image|endswith: '\\whoami.exe'}
        condition: selection
        """)
    static let b = rule(
        """
        selection_img: {Image|endswith: '\\whoami.exe'}
        selection_ofn: {OriginalFileName: whoami.exe}
        condition: 1 of selection_*
        """)
    static let c = rule(
        """
        selection: {Image|endswith: '\\whoami.exe'}
        filter: {ParentCommandLine|contains: x}
        condition: selection and not filter
        """)
    static let onlyAbsent = rule(
        """
        selection: {OriginalFileName: whoami.exe}
        condition: selection
        """)
    static let nullTest = rule(
        """
        selection: {Image|endswith: '\\whoami.exe', OriginalFileName: null}
        condition: selection
        """)

    @Test func extraBranchesAndNegationsKeepTheMatch() {
        #expect(Fixtures.fires(Self.a, Self.whoami4688))
        #expect(Fixtures.fires(Self.b, Self.whoami4688))
        #expect(Fixtures.fires(Self.c, Self.whoami4688))
        #expect(Fixtures.fires(Self.nullTest, Self.whoami4688))
        #expect(!Fixtures.fires(Self.onlyAbsent, Self.whoami4688))
    }

    /// `rules check` says which fields a source does not record, as a note (the rule still runs there).
    @Test func checkNamesTheUnrecordedFields() {
        let (set, diagnostics) = Fixtures.ruleSet(Self.b)
        #expect(set.activeRules == [0])
        let notes = diagnostics.filter { $0.code == "fields-absent" }
        #expect(notes.count == 1)
        #expect(notes.first?.severity == .note)
        #expect(notes.first?.message.contains("Security 4688 does not record OriginalFileName") == true)
    }

    /// The real SigmaHQ rule that lost its 4688 source: its `OriginalFileName` branch stands beside `Image`.
    @Test func sigmaHQWhoamiRulesFireOn4688() throws {
        let root = try SharedData.path("rules/sigma/rules/windows/process_creation")
        let collection = RuleLoader.load([root + "/proc_creation_win_whoami_all_execution.yml"])
        #expect(collection.rules.count == 1)
        let set = RuleSet(rules: collection.rules)
        // The rule: (Image endswith \whoami.exe OR OriginalFileName whoami.exe) AND CommandLine contains /all.
        #expect(Fixtures.matches(set, json: Self.whoami4688) == [[0]])
    }
}
