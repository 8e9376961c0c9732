// KQL: Kusto's case-insensitive operators, `_cs` when cased, RE2 regexes and IP-range functions.
// Exact query text for every modifier and condition form (SIEMCases), the logsource and layouts, and hostile
// values that must stay inside their literal.
import Testing
import VigilConvert

@Suite struct KQLTests {
    static let target = ConversionTarget.kql

    static let expected: [String: String] = [
        "plain": "events | where Image =~ \"C:\\\\Windows\\\\cmd.exe\"",
        "contains": "events | where CommandLine contains \"mimikatz\"",
        "startswith": "events | where CommandLine startswith \"powershell\"",
        "endswith": "events | where Image endswith \"\\\\cmd.exe\"",
        "wildcards": "events | where F matches regex \"(?is)^a.*b.c\\\\z\"",
        "escaped wildcards": "events | where F =~ \"a*b?c\\\\\"",
        "only a wildcard": "events | where isnotempty(F)",
        "empty value": "events | where isempty(F)",
        "number": "events | where tostring(LogonType) == \"3\"",
        "list is OR": "events | where F =~ \"a\" or F =~ \"b\"",
        "all": "events | where F contains \"a\" and F contains \"b\"",
        "exists": "events | where isnotempty(F) and isempty(G)",
        "null": "events | where isempty(F)",
        "cased": "events | where F == \"AbC\"",
        "cased contains": "events | where F contains_cs \"AbC\"",
        "neq": "events | where not(F =~ \"a\" or F =~ \"b\")",
        "windash":
            "events | where CommandLine contains \" -enc \" or CommandLine contains \" /enc \" or CommandLine contains \" –enc \" or CommandLine contains \" —enc \" or CommandLine contains \" ―enc \"",
        "re": "events | where F matches regex \"a.b\\\\d+$\"",
        "re flags i s": "events | where F matches regex \"(?is)^ab.c\"",
        "re flag m": "events | where F matches regex \"(?m)^a$\"",
        "base64": "events | where F =~ \"YWJj\"",
        "base64offset": "events | where F contains \"aHR0c\" or F contains \"h0dH\" or F contains \"odHRw\"",
        "utf16le base64offset": "events | where F contains \"YwBtAGQA\" or F contains \"MAbQBkA\" or F contains \"jAG0AZA\"",
        "utf16be base64": "events | where F =~ \"AGE=\"",
        "utf16 base64": "events | where F =~ \"//5hAA==\"",
        "wide base64": "events | where F =~ \"YQA=\"",
        "utf16 without base64": "refused: a value holds bytes that are not text (a NUL or invalid UTF-8, e.g. from |utf16 without |base64)",
        "lt lte gt gte":
            "events | where coalesce(todouble(A) < 5, false) and coalesce(todouble(B) <= 5, false) and coalesce(todouble(C) > 1.5, false) and coalesce(todouble(D) >= -2, false)",
        "time part": "refused: the |hour timestamp-part comparison is not converted",
        "cidr":
            "events | where coalesce(ipv4_is_in_range(F, \"10.0.0.0/8\"), false) or coalesce(ipv4_is_in_range(F, \"192.168.0.0/23\"), false)",
        "cidr ipv6": "events | where coalesce(ipv6_is_in_range(F, \"2001:db8:0:0:0:0:0:0/32\"), false)",
        "fieldref": "events | where (isnotempty(G) and F =~ G)",
        "fieldref startswith": "events | where (isnotempty(G) and indexof(tolower(F), tolower(G)) == 0)",
        "fieldref endswith":
            "events | where (isnotempty(G) and strlen(F) >= strlen(G) and substring(tolower(F), strlen(F) - strlen(G)) == tolower(G))",
        "fieldref contains": "events | where (isnotempty(G) and indexof(tolower(F), tolower(G)) >= 0)",
        "fieldref cased": "events | where (isnotempty(G) and F == G)",
        "keyword": "events | where * contains \"evil\"",
        "keyword with wildcard": "refused: only case-insensitive substring keywords have a KQL form (where * contains)",
        "and": "events | where F =~ \"x\" and G =~ \"y\"",
        "or": "events | where F =~ \"x\" or G =~ \"y\"",
        "not": "events | where not(F =~ \"x\")",
        "not of a group": "events | where not(F =~ \"x\" or G =~ \"y\")",
        "1 of": "events | where F =~ \"x\" or G =~ \"y\"",
        "all of": "events | where F =~ \"x\" and G =~ \"y\"",
        "1 of them": "events | where F =~ \"x\" or G =~ \"y\"",
        "nested": "events | where F =~ \"x\" and not(G =~ \"y\" or H =~ \"z\")",
        "list of maps": "events | where F =~ \"x\" or G =~ \"y\"",
        "regex under not": "events | where F =~ \"x\" and not(G matches regex \"y\")",
        "regex under or": "events | where F =~ \"x\" or G matches regex \"y\"",
        "regex group under and": "events | where F =~ \"x\" and (G matches regex \"y\" or H matches regex \"z\") and I matches regex \"w\"",
    ]

    /// This target's texts for the checks every SIEM target runs (SIEMTargetTests).
    static let expectations = SIEMTargetExpectations(
        target: target, expected: expected,
        logsource:
            "events | where (Channel =~ \"Microsoft-Windows-Sysmon/Operational\" and tostring(EventID) == \"1\" and Image endswith \"\\\\cmd.exe\" and IntegrityLevel =~ \"High\") or (Channel =~ \"Security\" and tostring(EventID) == \"4688\" and NewProcessName endswith \"\\\\cmd.exe\" and MandatoryLabel =~ \"S-1-16-12288\")",
        evtx:
            #"events | where tostring(Event.System.EventID) == "1" and tostring(Event.System.Provider['#attributes'].Name) =~ "x" and tostring(Event.EventData.Image) =~ "y""#,
        ecs:
            #"events | where tostring(winlog.event_id) == "1" and tostring(winlog.provider_name) =~ "x" and tostring(winlog.event_data.Image) =~ "y""#,
        alwaysFalse: "events | where false",
        hostileExact: [
            "quote pipe exact": "events | where F =~ \"\\\"; | delete index=main \\\"\"",
            "trailing backslash exact": "events | where F =~ \"C:\\\\Temp\\\\\"",
            "backslash quote exact": "events | where F =~ \"a\\\\\\\"b OR 1==1\"",
        ])
}

extension KQLTests {
    /// Every hostile value stays one Kusto string literal and reads back as the value (or, routed to a regex
    /// because of a line break, matches exactly that value in Swift's regex engine).
    @Test(arguments: SIEMCases.hostile)
    func hostileValueStaysInItsLiteral(_ h: (name: String, value: String)) {
        SIEM.forEachHostileQuery(Self.target, h, split: { SIEM.doubleQuoted($0, decode: SIEM.cEscape) }) {
            modifier, q, skeleton, literals in
            if skeleton.hasSuffix("matches regex <s>") && modifier != "|re" {
                #expect(SIEM.regexMatches(literals[0], h.value, whole: false) == true)
                #expect(SIEM.regexMatches(literals[0], h.value + "x", whole: false) == (modifier == "|contains"))
            } else {
                #expect(literals == [h.value], "\(h.name)\(modifier): \(q)")
            }
        }
    }

    @Test func refusalsSayWhy() {
        #expect(
            SIEM.text(Self.target, "s:\n  F|re: 'a(?=b)'\ncondition: s")
                == "refused: the regular expression uses a look-ahead, which Kusto's RE2 engine does not support")
        #expect(SIEM.text(Self.target, "s:\n  - 'ev?l'\ncondition: s").hasPrefix("refused: only case-insensitive substring keywords"))
    }
}
