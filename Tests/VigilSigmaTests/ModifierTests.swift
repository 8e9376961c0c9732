// One test per value modifier, each on a rule and events that must and must not match.
import Testing
import VigilSigma

func sigmaRule(_ detection: String, logsource: String = "{product: windows}") -> String {
    "title: t\nlogsource: \(logsource)\ndetection:\n" + detection.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
}

@Suite struct ModifierTests {
    func fires(_ detection: String, _ json: String) -> Bool { Fixtures.fires(sigmaRule(detection), json) }

    @Test func caseInsensitiveByDefault() {
        #expect(fires("s:\n  Image: 'C:\\Windows\\cmd.exe'\ncondition: s", #"{"Channel":"X","Image":"c:\\WINDOWS\\CMD.exe"}"#))
    }

    @Test func contains() {
        let d = "s:\n  CommandLine|contains: 'mimikatz'\ncondition: s"
        #expect(fires(d, #"{"Channel":"X","CommandLine":"run MimiKatz now"}"#))
        #expect(!fires(d, #"{"Channel":"X","CommandLine":"run mimi now"}"#))
    }

    @Test func startswithEndswith() {
        #expect(fires("s:\n  F|startswith: 'ab'\ncondition: s", #"{"Channel":"X","F":"ABc"}"#))
        #expect(!fires("s:\n  F|startswith: 'ab'\ncondition: s", #"{"Channel":"X","F":"cab"}"#))
        #expect(fires("s:\n  F|endswith: '\\cmd.exe'\ncondition: s", #"{"Channel":"X","F":"C:\\x\\cmd.exe"}"#))
        #expect(!fires("s:\n  F|endswith: '\\cmd.exe'\ncondition: s", #"{"Channel":"X","F":"C:\\x\\cmd.exe2"}"#))
    }

    @Test func all() {
        let d = "s:\n  F|contains|all:\n    - 'a1'\n    - 'b2'\ncondition: s"
        #expect(fires(d, #"{"Channel":"X","F":"x a1 y b2"}"#))
        #expect(!fires(d, #"{"Channel":"X","F":"x a1 y"}"#))
    }

    @Test func listsAreOr() {
        let d = "s:\n  F:\n    - a\n    - b\ncondition: s"
        #expect(fires(d, #"{"Channel":"X","F":"b"}"#))
        #expect(!fires(d, #"{"Channel":"X","F":"c"}"#))
    }

    @Test func exists() {
        #expect(fires("s:\n  F|exists: true\ncondition: s", #"{"Channel":"X","F":""}"#))
        #expect(!fires("s:\n  F|exists: true\ncondition: s", #"{"Channel":"X","G":""}"#))
        #expect(fires("s:\n  F|exists: false\ncondition: s", #"{"Channel":"X","G":""}"#))
    }

    @Test func nullAndEmpty() {
        #expect(fires("s:\n  F: null\ncondition: s", #"{"Channel":"X","G":"1"}"#))
        #expect(fires("s:\n  F: null\ncondition: s", #"{"Channel":"X","F":null}"#))
        #expect(!fires("s:\n  F: null\ncondition: s", #"{"Channel":"X","F":"v"}"#))
        #expect(fires("s:\n  F: ''\ncondition: s", #"{"Channel":"X","F":""}"#))
        #expect(!fires("s:\n  F: ''\ncondition: s", #"{"Channel":"X","F":"v"}"#))
    }

    @Test func cased() {
        let d = "s:\n  F|cased: 'AbC'\ncondition: s"
        #expect(fires(d, #"{"Channel":"X","F":"AbC"}"#))
        #expect(!fires(d, #"{"Channel":"X","F":"abc"}"#))
    }

    @Test func neq() {
        let d = "s:\n  F|neq: 'a'\ncondition: s"
        #expect(fires(d, #"{"Channel":"X","F":"b"}"#))
        #expect(!fires(d, #"{"Channel":"X","F":"A"}"#))
    }

    @Test func windash() {
        let d = "s:\n  CommandLine|windash|contains: ' -enc '\ncondition: s"
        for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
            #expect(fires(d, #"{"Channel":"X","CommandLine":"powershell \#(dash)enc AAA"}"#), "\(dash)")
        }
        #expect(!fires(d, #"{"Channel":"X","CommandLine":"powershell +enc AAA"}"#))
    }

    @Test func regexAndFlags() {
        #expect(fires("s:\n  F|re: '^a.c$'\ncondition: s", #"{"Channel":"X","F":"abc"}"#))
        #expect(!fires("s:\n  F|re: '^a.c$'\ncondition: s", #"{"Channel":"X","F":"ABC"}"#))
        #expect(fires("s:\n  F|re|i: '^a.c$'\ncondition: s", #"{"Channel":"X","F":"ABC"}"#))
        #expect(fires("s:\n  F|re|m: '^b$'\ncondition: s", #"{"Channel":"X","F":"a\nb\nc"}"#))
        #expect(!fires("s:\n  F|re: '^b$'\ncondition: s", #"{"Channel":"X","F":"a\nb\nc"}"#))
        #expect(fires("s:\n  F|re|s: 'a.b'\ncondition: s", #"{"Channel":"X","F":"a\nb"}"#))
        #expect(!fires("s:\n  F|re: 'a.b'\ncondition: s", #"{"Channel":"X","F":"a\nb"}"#))
    }

    @Test func base64() {
        // "cmd" → "Y21k"
        #expect(fires("s:\n  F|base64: 'cmd'\ncondition: s", #"{"Channel":"X","F":"Y21k"}"#))
        #expect(fires("s:\n  F|base64|contains: 'cmd'\ncondition: s", #"{"Channel":"X","F":"xxY21kxx"}"#))
    }

    @Test func base64offset() {
        // "/bin/bash" at offsets 0, 1, 2 of encoded data: L2Jpbi9iYXNo, 9iaW4vYmFza, vYmluL2Jhc2
        let d = "s:\n  F|base64offset|contains: '/bin/bash'\ncondition: s"
        #expect(fires(d, #"{"Channel":"X","F":"L2Jpbi9iYXNo"}"#))
        #expect(fires(d, #"{"Channel":"X","F":"ZWNobyAvYmluL2Jhc2g="}"#))  // "echo /bin/bash"
        #expect(fires(d, #"{"Channel":"X","F":"eCAvYmluL2Jhc2g="}"#))  // "x /bin/bash"
        #expect(fires(d, #"{"Channel":"X","F":"eHggL2Jpbi9iYXNo"}"#))  // "xx /bin/bash"
        #expect(!fires(d, #"{"Channel":"X","F":"aGVsbG8="}"#))
    }

    @Test func utf16WithBase64() {
        // "cmd" as UTF-16LE base64: "YwBtAGQA"; BE: "AGMAbQBk"; with BOM: "//5jAG0AZAA="
        #expect(fires("s:\n  F|wide|base64: 'cmd'\ncondition: s", #"{"Channel":"X","F":"YwBtAGQA"}"#))
        #expect(fires("s:\n  F|utf16le|base64: 'cmd'\ncondition: s", #"{"Channel":"X","F":"YwBtAGQA"}"#))
        #expect(fires("s:\n  F|utf16be|base64: 'cmd'\ncondition: s", #"{"Channel":"X","F":"AGMAbQBk"}"#))
        #expect(fires("s:\n  F|utf16|base64: 'cmd'\ncondition: s", #"{"Channel":"X","F":"//5jAG0AZAA="}"#))
    }

    @Test func numericComparisons() {
        #expect(fires("s:\n  N|lt: 10\ncondition: s", #"{"Channel":"X","N":9}"#))
        #expect(!fires("s:\n  N|lt: 10\ncondition: s", #"{"Channel":"X","N":10}"#))
        #expect(fires("s:\n  N|lte: 10\ncondition: s", #"{"Channel":"X","N":"10"}"#))
        #expect(fires("s:\n  N|gt: 10\ncondition: s", #"{"Channel":"X","N":11}"#))
        #expect(fires("s:\n  N|gte: 10\ncondition: s", #"{"Channel":"X","N":10}"#))
        #expect(!fires("s:\n  N|gte: 10\ncondition: s", #"{"Channel":"X","N":"abc"}"#))
    }

    @Test func timestampParts() {
        let e = #"{"Channel":"X","T":"2024-03-05T22:41:09.5Z"}"#
        #expect(fires("s:\n  T|minute: 41\ncondition: s", e))
        #expect(fires("s:\n  T|hour: 22\ncondition: s", e))
        #expect(fires("s:\n  T|day: 5\ncondition: s", e))
        #expect(fires("s:\n  T|week: 10\ncondition: s", e))
        #expect(fires("s:\n  T|month: 3\ncondition: s", e))
        #expect(fires("s:\n  T|year: 2024\ncondition: s", e))
        #expect(!fires("s:\n  T|hour: 21\ncondition: s", e))
        #expect(fires("s:\n  T|hour|gte: 20\ncondition: s", e))
    }

    @Test func cidr() {
        let d = "s:\n  Ip|cidr:\n    - '10.0.0.0/8'\n    - 'fe80::/10'\ncondition: s"
        #expect(fires(d, #"{"Channel":"X","Ip":"10.1.2.3"}"#))
        #expect(!fires(d, #"{"Channel":"X","Ip":"11.1.2.3"}"#))
        #expect(fires(d, #"{"Channel":"X","Ip":"fe80::1"}"#))
        #expect(!fires(d, #"{"Channel":"X","Ip":"2001:db8::1"}"#))
    }

    @Test func expandWithPlaceholders() {
        let yaml = sigmaRule("s:\n  User|expand: '%Admins%'\ncondition: s")
        let (set, diagnostics) = Fixtures.ruleSet(yaml, placeholders: ["Admins": ["root", "admin*"]])
        #expect(diagnostics.isEmpty)
        #expect(Fixtures.matches(set, json: #"{"Channel":"X","User":"administrator"}"#) == [[0]])
        #expect(Fixtures.matches(set, json: #"{"Channel":"X","User":"bob"}"#) == [[]])
        let (_, rejected) = Fixtures.ruleSet(yaml)
        #expect(rejected.map(\.code) == ["placeholder-without-values"])
    }

    @Test func fieldref() {
        let d = "s:\n  A|fieldref: B\ncondition: s"
        #expect(fires(d, #"{"Channel":"X","A":"same","B":"SAME"}"#))
        #expect(!fires(d, #"{"Channel":"X","A":"one","B":"two"}"#))
        #expect(fires("s:\n  A|fieldref|endswith: B\ncondition: s", #"{"Channel":"X","A":"c:\\x\\a.exe","B":"a.exe"}"#))
    }

    @Test func keywords() {
        let d = "keywords:\n  - 'event::clear'\n  - 'x*y'\ncondition: keywords"
        #expect(fires(d, #"{"Channel":"X","Msg":"mimikatz event::clear done"}"#))
        #expect(fires(d, #"{"Channel":"X","Msg":"xzzy"}"#))
        #expect(!fires(d, #"{"Channel":"X","Msg":"nothing"}"#))
        let all = "keywords:\n  '|all':\n    - 'Oab'\n    - ' -ExternalUrl '\ncondition: keywords"
        #expect(fires(all, #"{"Channel":"X","A":"Set-OabVirtualDirectory","B":" -ExternalUrl x"}"#))
        #expect(!fires(all, #"{"Channel":"X","A":"Set-OabVirtualDirectory"}"#))
    }

    @Test func listOfMapsIsOr() {
        let d = "s:\n  - Image|endswith: '\\example.exe'\n  - Description|contains: 'Test executable'\ncondition: s"
        #expect(fires(d, #"{"Channel":"X","Image":"c:\\example.exe"}"#))
        #expect(fires(d, #"{"Channel":"X","Description":"a Test executable"}"#))
        #expect(!fires(d, #"{"Channel":"X","Image":"c:\\other.exe"}"#))
    }

    @Test func modifierChainsApplyInOrder() {
        // windash after contains: the wildcards stay, the dash varies.
        #expect(fires("s:\n  C|contains|windash: '-x'\ncondition: s", #"{"Channel":"X","C":"a /x b"}"#))
    }
}
