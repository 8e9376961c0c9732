// The specification's escaping examples, on the parsed value and on matching.
import Testing
import VigilSigma

@Suite struct EscapingTests {
    func parts(_ text: String) -> [SigmaString.Part] { SigmaString(sigma: text).parts }
    func lit(_ s: String) -> SigmaString.Part { .literal(Array(s.utf8)) }

    @Test func plainBackslashSingleOrDouble() {
        #expect(parts(#"C:\Windows\System32"#) == [lit(#"C:\Windows\System32"#)])
        #expect(parts(#"C:\\Windows\\System32"#) == [lit(#"C:\Windows\System32"#)])
    }

    @Test func escapedWildcardsArePlain() {
        #expect(parts(#"a\*b"#) == [lit("a*b")])
        #expect(parts(#"a\?b"#) == [lit("a?b")])
    }

    @Test func escapedBackslashBeforeWildcard() {
        #expect(parts(#"a\\*"#) == [lit(#"a\"#), .anyRun])
    }

    @Test func threeBackslashesBeforeWildcard() {
        #expect(parts(#"a\\\*"#) == [lit(#"a\*"#)])
    }

    @Test func threeOrFourBackslashesAreTwo() {
        #expect(parts(#"a\\\\b"#) == [lit(#"a\\b"#)])
        #expect(parts(#"a\\\b"#) == [lit(#"a\\b"#)])
    }

    @Test func wildcards() {
        #expect(parts("prog?.exe") == [lit("prog"), .anyOne, lit(".exe")])
        #expect(parts("antivirus_V*.exe") == [lit("antivirus_V"), .anyRun, lit(".exe")])
    }

    func rule(_ value: String) -> String {
        """
        title: t
        logsource: {product: windows}
        detection:
          sel:
            F: '\(value)'
          condition: sel
        """
    }
    func event(_ value: String) -> String {
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
        return #"{"Channel":"Security","F":"\#(escaped)"}"#
    }

    @Test func matchingFollowsEscaping() {
        #expect(Fixtures.fires(rule(#"a\*b"#), event("a*b")))
        #expect(!Fixtures.fires(rule(#"a\*b"#), event("axxb")))
        #expect(Fixtures.fires(rule(#"C:\\*"#), event(#"C:\Windows"#)))
        #expect(Fixtures.fires(rule(#"C:\\\*"#), event(#"C:\*"#)))
        #expect(!Fixtures.fires(rule(#"C:\\\*"#), event(#"C:\Windows"#)))
        #expect(Fixtures.fires(rule(#"prog?.exe"#), event("PROGA.EXE")))
        #expect(!Fixtures.fires(rule(#"prog?.exe"#), event("progAB.exe")))
        #expect(Fixtures.fires(rule(#"\\\\server\\share"#), event(#"\\server\share"#)))
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
