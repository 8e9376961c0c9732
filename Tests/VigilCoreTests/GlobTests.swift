// Glob against Python's fnmatch.fnmatchcase over generated patterns and texts. fnmatch has classes (`[…]`) and
// no escapes, so the reference is given each pattern translated: `[` as `[[]`, and with Sigma's escaping `\*`
// and `\?` as `[*]` and `[?]`, `\\` as one backslash. Path globs against a regex translation of their rule.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct GlobTests {
    enum Mode: String, CaseIterable {
        case plain, sigma, plainIgnoringCase, sigmaIgnoringCase, path

        func glob(_ pattern: String) -> Glob {
            switch self {
            case .plain: Glob(pattern)
            case .sigma: Glob(pattern, escaping: .sigma)
            case .plainIgnoringCase: Glob(pattern, ignoringCase: true)
            case .sigmaIgnoringCase: Glob(pattern, escaping: .sigma, ignoringCase: true)
            case .path: Glob(pattern, separator: UInt8(ascii: "/"))
            }
        }
    }

    static let reference = #"""
        import fnmatch, json, re, sys

        def fnmatch_pattern(p, sigma):
            out, i = [], 0
            while i < len(p):
                c = p[i]
                if sigma and c == "\\" and i + 1 < len(p) and p[i + 1] in "*?\\":
                    out.append("[" + p[i + 1] + "]" if p[i + 1] in "*?" else "\\")
                    i += 2
                    continue
                out.append("[[]" if c == "[" else c)
                i += 1
            return "".join(out)

        def path_regex(p):
            # `**/` any folders or none, `**` anything, `*` and `?` inside one folder.
            out, i = [], 0
            while i < len(p):
                if p.startswith("**/", i):
                    out.append("(?:.*/)?"); i += 3
                elif p.startswith("**", i):
                    out.append(".*"); i += 2
                elif p[i] == "*":
                    out.append("[^/]*"); i += 1
                elif p[i] == "?":
                    out.append("[^/]"); i += 1
                else:
                    out.append(re.escape(p[i])); i += 1
            return re.compile("".join(out), re.S)

        def verdict(mode, p, t):
            if mode == "path":
                return path_regex(p).fullmatch(t) is not None
            if mode.endswith("IgnoringCase"):
                p, t = p.lower(), t.lower()
            return fnmatch.fnmatchcase(t, fnmatch_pattern(p, mode.startswith("sigma")))

        print(json.dumps([verdict(*case) for case in json.load(open(sys.argv[1]))]))
        """#

    /// Patterns over a small alphabet (so that texts often match), each with random texts and texts made from it.
    static func cases() -> [(Mode, String, String)] {
        var rng = SplitMix64(seed: 42)
        let patternAlphabet: [Character] = ["a", "b", "é", "A", "É", "*", "?", "\\", "/", "[", "\n"]
        let textAlphabet: [Character] = ["a", "b", "é", "A", "*", "?", "\\", "/", "[", "\n"]
        func random(_ alphabet: [Character], _ length: Int) -> String {
            String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
        }
        var out: [(Mode, String, String)] = []
        for mode in Mode.allCases {
            for _ in 0..<120 {
                let pattern = random(patternAlphabet, Int.random(in: 0...7, using: &rng))
                var texts = (0..<3).map { _ in random(textAlphabet, Int.random(in: 0...8, using: &rng)) }
                for _ in 0..<4 {
                    var text = ""
                    for c in pattern {
                        switch c {
                        case "*": text += random(textAlphabet, Int.random(in: 0...3, using: &rng))
                        case "?": text += random(textAlphabet, 1)
                        default: text.append(c)
                        }
                    }
                    texts.append(text)
                }
                out += texts.map { (mode, pattern, $0) }
            }
        }
        return out
    }

    @Test func matchesAsFnmatchDoes() throws {
        let cases = Self.cases()
        let expected = try #require(
            try IPAddressTests.python(Self.reference, cases.map { [$0.0.rawValue, $0.1, $0.2] }) as? [Bool])
        try #require(expected.count == cases.count)
        var matched = 0
        for ((mode, pattern, text), verdict) in zip(cases, expected) {
            #expect(mode.glob(pattern).matches(text) == verdict, "\(mode) \(pattern.debugDescription) ~ \(text.debugDescription)")
            matched += verdict ? 1 : 0
        }
        #expect(matched > cases.count / 5 && matched < cases.count * 4 / 5, "\(matched) of \(cases.count) match")
    }

    @Test func sigmaEscapes() {
        let cases: [(String, String, Bool)] = [
            (#"a\*b"#, "a*b", true), (#"a\*b"#, "axb", false), (#"a\?"#, "a?", true), (#"a\?"#, "ab", false),
            (#"C:\\*"#, #"C:\x"#, true), (#"C:\Windows\*"#, #"C:\Windows*"#, true), (#"C:\Windows\*"#, #"C:\Windows\x"#, false),
            (#"\\\*"#, #"\*"#, true), (#"\\\\"#, #"\\"#, true), (#"a\b"#, #"a\b"#, true), (#"a\"#, #"a\"#, true),
        ]
        for (pattern, text, verdict) in cases {
            #expect(Glob(pattern, escaping: .sigma).matches(text) == verdict, "\(pattern) ~ \(text)")
        }
        #expect(Glob(#"a\*"#).matches(#"a\xyz"#))
    }

    @Test func oneCharacterIsOneUTF8Sequence() {
        #expect(Glob("?").matches("é"))
        #expect(!Glob("??").matches("é"))
        #expect(Glob("*?b").matches("🙂b"))
        #expect(Glob("a*é").matches("a🙂é"))
        #expect(Glob("ÉTÉ", ignoringCase: true).matches("été"))
    }

    @Test func pathGlobs() {
        let glob = Glob("rules/**/network_*.yml", separator: UInt8(ascii: "/"))
        #expect(glob.matches("rules/network_x.yml"))
        #expect(glob.matches("rules/a/b/network_x.yml"))
        #expect(!glob.matches("rules/a/network_x/y.yml"))
        #expect(!Glob("rules/*", separator: UInt8(ascii: "/")).matches("rules/a/b.yml"))
        #expect(!Glob("rules/?", separator: UInt8(ascii: "/")).matches("rules//"))
    }

    @Test func manyStarsStayLinear() {
        // Backtracking on every star would take 2^25 steps here.
        let text = String(repeating: "a", count: 200)
        #expect(!Glob(String(repeating: "*a", count: 25) + "*b").matches(text))
    }
}
