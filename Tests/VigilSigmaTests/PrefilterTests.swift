import Testing

// The matcher's shortcuts must never lose a detection: the literals a regex needs, the start-pair skip of the
// literal automaton (checked against a plain substring search), and keyword automata per candidate list with
// values scanned unfolded (the Kelvin sign lowers to an ASCII `k`).
@testable import VigilCore
@testable import VigilSigma

@Suite struct PrefilterTests {
    @Test(arguments: [
        ("(?i)(set).*&&\\s?set.*(environment|invoke)", ["&&", "set"]),
        ("\\+.*\\+.*\\+", ["+"]),
        ("^C:\\\\Windows\\\\[a-z]{3}\\.dll$", ["C:\\Windows\\", ".dll"]),
        ("ab?c", ["a", "c"]),
        ("a|b", []),
        ("a\\x41bc", ["a"]),  // \x41 is `A`: "41bc" is no literal
        ("(?x)a b", []),  // extended: the space is not a literal
    ])
    func necessaryLiterals(pattern: String, expected: [String]) {
        #expect(RegexLiteral.runs(pattern).map { String(decoding: $0, as: UTF8.self) } == expected)
    }

    static func box(_ pattern: String, ignoreCase: Bool = false) throws -> RegexBox {
        RegexBox(try Regex(pattern), pattern: pattern, ignoreCase: ignoreCase, multiline: false, dotAll: false)
    }

    @Test func literalsDecideOnlyWhatTheyCan() throws {
        func occur(_ box: RegexBox, _ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { box.literalsOccur($0) } }
        let sensitive = try Self.box("set.*&&")
        #expect(!occur(sensitive, "set x"))
        #expect(occur(sensitive, "SET a && b"))  // ASCII case ignored: a necessary condition still
        let insensitive = try Self.box("(?i)kiwi")
        #expect(!occur(insensitive, "kiw i"))
        #expect(occur(insensitive, "\u{212A}iwi"))  // non-ASCII text: left to the regex
    }

    @Test(arguments: [true, false])
    func startPairSkipFindsEveryOccurrence(caseInsensitive: Bool) {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abkiw:.\\ KIW".utf8)
        let patterns = ["kiwi", "a::", "wi.", "\\mi", "ab"].map { Array($0.utf8) }
        let automaton = MultiPattern(patterns, asciiCaseInsensitive: caseInsensitive)
        #expect(automaton.skipsOnStartPairs)
        for _ in 0..<300 {
            let text = (0..<Int.random(in: 0..<60, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            var found: Set<[Int]> = []
            text.withUnsafeBytes { bytes in automaton.scan(bytes) { found.insert([Int($0), $1]) } }
            var expected: Set<[Int]> = []
            let folded = caseInsensitive ? text.map(ByteKeyTable.fold) : text
            for (index, p) in patterns.enumerated() where p.count <= folded.count {
                for start in 0...(folded.count - p.count) where Array(folded[start..<(start + p.count)]) == p {
                    expected.insert([index, start + p.count])
                }
            }
            #expect(found == expected, "\(String(decoding: text, as: UTF8.self))")
        }
    }

    static let keywordRules = """
        title: kiwi
        logsource: {product: windows}
        detection:
            keywords: ['kiwi legit', 'sekurlsa::']
            condition: keywords
        ---
        title: exchange
        logsource: {product: windows, service: msexchange-management}
        detection:
            keywords: ['Remove-MailboxExportRequest']
            condition: keywords
        """

    @Test func keywordsPerCandidateList() {
        let (set, diagnostics) = Fixtures.ruleSet(Self.keywordRules)
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty)
        let sysmon = #"{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1"#
        let exchange = #"{"Channel":"MSExchange Management","EventID":1"#
        let events = [
            sysmon + #","CommandLine":"m.exe \"SEKURLSA::logonpasswords\""}"#,  // escaped value, other case
            sysmon + #","Message":"\u212Aiwi Legit\r\n"}"#,  // the Kelvin sign lowers to k
            sysmon + #","Message":"Remove-MailboxExportRequest"}"#,  // not this channel's rule
            exchange + #","Data":"Remove-MailboxExportRequest -Identity x"}"#,
            exchange + #","Data":"kiwi Legit"}"#,
            sysmon + #","Message":"kiwi, legit"}"#,
        ].joined(separator: "\n")
        #expect(Fixtures.matches(set, json: events) == [[0], [0], [], [1], [0], []])
    }
}
