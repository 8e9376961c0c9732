// Regexes the POSIX fast path cannot take (lookarounds) run on Swift Regex, which must answer as PCRE does:
// code points, not grapheme clusters (`\r\n` is two characters); `.` excludes `\n` only; `$` also matches
// before a final `\n`. Verdicts are Python `re`'s.
import Testing
import VigilSigma

@Suite struct RegexSemanticsTests {
    static func rule(_ pattern: String) -> String {
        """
        title: t
        logsource: {product: windows, category: process_creation}
        detection:
            selection: {CommandLine|re: '\(pattern)'}
            condition: selection
        """
    }

    static func event(_ commandLine: String) -> String {
        #"{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"CommandLine":"\#(commandLine)"}"#
    }

    /// (pattern, JSON-escaped command line, Python's `re.search` verdict)
    @Test(arguments: [
        ("a(?!x).b", "a\\r\\nb", false), ("a(?!x).b", "a\\rb", true), ("^x(?=y).{2}$", "xy\\r\\n", true),
        ("^e(?=.)..$", "e\\u0301x", true),
        // Escapes and classes keep their meaning through the rewrite of `.` and `$`.
        ("(?=a)a\\.b$", "axb", false), ("(?=a)a\\.b$", "a.b\\n", true), ("^(?=.)[.$]+$", "$.", true),
        ("^(?=x)x.y$", "x\\u2028y", true), ("^(?=.)[]a]$", "a\\n", true),
    ])
    func codePointsNotGraphemes(pattern: String, commandLine: String, python: Bool) {
        #expect(Fixtures.fires(Self.rule(pattern), Self.event(commandLine)) == python)
    }
}
