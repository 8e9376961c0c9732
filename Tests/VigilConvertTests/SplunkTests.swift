// Splunk SPL: search terms where they say exactly what the rule means, `| where` over two-valued eval tests for the rest.
// Exact query text for every modifier and condition form (SIEMCases), the logsource and layouts, and hostile
// values that must stay inside their literal.
import Testing
import VigilConvert

@Suite struct SplunkTests {
    static let target = ConversionTarget.splunk

    static let expected: [String: String] = [
        "plain": "Image=\"C:\\\\Windows\\\\cmd.exe\"",
        "contains": "CommandLine=\"*mimikatz*\"",
        "startswith": "CommandLine=\"powershell*\"",
        "endswith": "Image=\"*\\\\cmd.exe\"",
        "wildcards": "* | where isnotnull(mvfind(F, \"(?is)^a.*b.c\\\\z\"))",
        "escaped wildcards": "* | where isnotnull(mvfind(F, \"(?is)^a\\\\*b\\\\?c\\\\\\\\\\\\z\"))",
        "only a wildcard": "F=\"*\"",
        "empty value": "* | where isnotnull(mvfind(F, \"(?is)^\\\\z\"))",
        "number": "LogonType=\"3\"",
        "list is OR": "F=\"a\" OR F=\"b\"",
        "all": "F=\"*a*\" F=\"*b*\"",
        "exists": "F=* NOT G=*",
        "null": "NOT F=*",
        "cased": "* | where isnotnull(mvfind(F, \"(?s)^AbC\\\\z\"))",
        "cased contains": "* | where isnotnull(mvfind(F, \"(?s)^.*AbC.*\\\\z\"))",
        "neq": "NOT (F=\"a\" OR F=\"b\")",
        "windash":
            "CommandLine=\"* -enc *\" OR CommandLine=\"* /enc *\" OR CommandLine=\"* –enc *\" OR CommandLine=\"* —enc *\" OR CommandLine=\"* ―enc *\"",
        "re": "* | where isnotnull(mvfind(F, \"a.b\\\\d+$\"))",
        "re flags i s": "* | where isnotnull(mvfind(F, \"(?is)^ab.c\"))",
        "re flag m": "* | where isnotnull(mvfind(F, \"(?m)^a$\"))",
        "base64": "F=\"YWJj\"",
        "base64offset": "F=\"*aHR0c*\" OR F=\"*h0dH*\" OR F=\"*odHRw*\"",
        "utf16le base64offset": "F=\"*YwBtAGQA*\" OR F=\"*MAbQBkA*\" OR F=\"*jAG0AZA*\"",
        "utf16be base64": "F=\"AGE=\"",
        "utf16 base64": "F=\"//5hAA==\"",
        "wide base64": "F=\"YQA=\"",
        "utf16 without base64": "refused: a value holds bytes that are not text (a NUL or invalid UTF-8, e.g. from |utf16 without |base64)",
        "lt lte gt gte":
            "* | where isnotnull(mvfilter(tonumber(A) < 5)) AND isnotnull(mvfilter(tonumber(B) <= 5)) AND isnotnull(mvfilter(tonumber(C) > 1.5)) AND isnotnull(mvfilter(tonumber(D) >= -2))",
        "time part": "refused: the |hour timestamp-part comparison is not converted",
        "cidr": "F=\"10.0.0.0/8\" OR F=\"192.168.0.0/23\"",
        "cidr ipv6": "* | where isnotnull(mvfilter(cidrmatch(\"2001:db8:0:0:0:0:0:0/32\", F)))",
        "fieldref": "* | where (isnotnull(F) AND isnotnull(G) AND lower(F)==lower(G))",
        "fieldref startswith": "* | where (isnotnull(F) AND isnotnull(G) AND substr(lower(F), 1, len(G))==lower(G))",
        "fieldref endswith": "* | where (isnotnull(F) AND isnotnull(G) AND len(F)>=len(G) AND substr(lower(F), len(F)-len(G)+1)==lower(G))",
        "fieldref contains": "refused: |fieldref|contains has no Splunk eval form (no plain-text search for another field's value)",
        "fieldref cased": "* | where (isnotnull(F) AND isnotnull(G) AND F==G)",
        "keyword": "\"*evil*\"",
        "keyword with wildcard": "refused: only case-insensitive substring keywords have a Splunk form (a search of the raw event text)",
        "and": "F=\"x\" G=\"y\"",
        "or": "F=\"x\" OR G=\"y\"",
        "not": "NOT F=\"x\"",
        "not of a group": "NOT (F=\"x\" OR G=\"y\")",
        "1 of": "F=\"x\" OR G=\"y\"",
        "all of": "F=\"x\" G=\"y\"",
        "1 of them": "F=\"x\" OR G=\"y\"",
        "nested": "F=\"x\" NOT (G=\"y\" OR H=\"z\")",
        "list of maps": "F=\"x\" OR G=\"y\"",
        "regex under not": "F=\"x\" | where NOT isnotnull(mvfind(G, \"y\"))",
        "regex under or": "* | where isnotnull(mvfind(F, \"(?is)^x\\\\z\")) OR isnotnull(mvfind(G, \"y\"))",
        "regex group under and":
            "F=\"x\" | where (isnotnull(mvfind(G, \"y\")) OR isnotnull(mvfind(H, \"z\"))) AND isnotnull(mvfind(I, \"w\"))",
    ]

    /// This target's texts for the checks every SIEM target runs (SIEMTargetTests).
    static let expectations = SIEMTargetExpectations(
        target: target, expected: expected,
        logsource:
            "(Channel=\"Microsoft-Windows-Sysmon/Operational\" EventID=1 Image=\"*\\\\cmd.exe\" IntegrityLevel=\"High\") OR (Channel=\"Security\" EventID=4688 NewProcessName=\"*\\\\cmd.exe\" MandatoryLabel=\"S-1-16-12288\")",
        evtx:
            #"Event.System.EventID="1" Event.EventData.Image="y" | where isnotnull(mvfind('Event.System.Provider.#attributes.Name', "(?is)^x\\z"))"#,
        ecs: #"winlog.event_id="1" winlog.provider_name="x" winlog.event_data.Image="y""#,
        alwaysFalse: "* | where false()",
        hostileExact: [
            "quote pipe exact": "F=\"\\\"; | delete index=main \\\"\"",
            "trailing backslash exact": "F=\"C:\\\\Temp\\\\\"",
            "backslash quote exact": "F=\"a\\\\\\\"b OR 1==1\"",
        ])
}

extension SplunkTests {
    /// Every hostile value stays one SPL string literal: the text outside literals holds none of its fragments,
    /// a search value reads back as the value, a rule regex reaches PCRE unchanged, and a where-regex built from a
    /// value matches that value (checked with Swift's regex engine) and nothing longer.
    @Test(arguments: SIEMCases.hostile)
    func hostileValueStaysInItsLiteral(_ h: (name: String, value: String)) {
        SIEM.forEachHostileQuery(Self.target, h, split: { SIEM.doubleQuoted($0) }) { modifier, q, skeleton, literals in
            if modifier == "|re" {
                #expect(literals == [h.value])
            } else if skeleton == "F=<s>" {
                #expect(literals == [modifier == "|contains" ? "*" + h.value + "*" : h.value])
            } else {
                #expect(skeleton == "* | where isnotnull(mvfind(F, <s>))", "\(h.name)\(modifier): \(q)")
                let cased = modifier == "|cased"
                #expect(SIEM.regexMatches(literals[0], modifier == "|contains" ? "<" + h.value + ">" : h.value, whole: false) == true)
                #expect(SIEM.regexMatches(literals[0], h.value + "x", whole: false) == (modifier == "|contains"))
                if cased, h.value.lowercased() != h.value {
                    #expect(SIEM.regexMatches(literals[0], h.value.lowercased(), whole: false) == false)
                }
            }
        }
    }

    /// A `?` wildcard or a literal `*` has no search form; a keyword whose raw form may be escaped is refused.
    @Test func refusalsSayWhy() {
        #expect(SIEM.text(Self.target, "s:\n  - 'C:\\Windows'\ncondition: s").hasPrefix("refused: the keyword holds '\\'"))
        #expect(SIEM.text(Self.target, "s:\n  - evil\nr:\n  F|re: x\ncondition: s or r").hasPrefix("refused: a keyword together with"))
    }
}
