// ES|QL: TO_LOWER comparisons, LIKE, RLIKE in Lucene's regex language, NOT kept two-valued with COALESCE.
// Exact query text for every modifier and condition form (SIEMCases), the logsource and layouts, and hostile
// values that must stay inside their literal.
import Testing
import VigilConvert

@Suite struct ESQLTests {
    static let target = ConversionTarget.esql

    static let expected: [String: String] = [
        "plain": "FROM events | WHERE TO_LOWER(Image) == \"c:\\\\windows\\\\cmd.exe\"",
        "contains": "FROM events | WHERE TO_LOWER(CommandLine) LIKE \"*mimikatz*\"",
        "startswith": "FROM events | WHERE STARTS_WITH(TO_LOWER(CommandLine), \"powershell\")",
        "endswith": "FROM events | WHERE ENDS_WITH(TO_LOWER(Image), \"\\\\cmd.exe\")",
        "wildcards": "FROM events | WHERE TO_LOWER(F) LIKE \"a*b?c\"",
        "escaped wildcards": "FROM events | WHERE TO_LOWER(F) == \"a*b?c\\\\\"",
        "only a wildcard": "FROM events | WHERE F IS NOT NULL",
        "empty value": "FROM events | WHERE F == \"\"",
        "number": "FROM events | WHERE TO_STRING(LogonType) == \"3\"",
        "list is OR": "FROM events | WHERE TO_LOWER(F) == \"a\" OR TO_LOWER(F) == \"b\"",
        "all": "FROM events | WHERE TO_LOWER(F) LIKE \"*a*\" AND TO_LOWER(F) LIKE \"*b*\"",
        "exists": "FROM events | WHERE F IS NOT NULL AND G IS NULL",
        "null": "FROM events | WHERE F IS NULL",
        "cased": "FROM events | WHERE F == \"AbC\"",
        "cased contains": "FROM events | WHERE F LIKE \"*AbC*\"",
        "neq": "FROM events | WHERE NOT COALESCE(TO_LOWER(F) == \"a\" OR TO_LOWER(F) == \"b\", false)",
        "windash":
            "FROM events | WHERE TO_LOWER(CommandLine) LIKE \"* -enc *\" OR TO_LOWER(CommandLine) LIKE \"* /enc *\" OR TO_LOWER(CommandLine) LIKE \"* –enc *\" OR TO_LOWER(CommandLine) LIKE \"* —enc *\" OR TO_LOWER(CommandLine) LIKE \"* ―enc *\"",
        "re": "FROM events | WHERE F RLIKE \".*a.b\\\\d+\"",
        "re flags i s": "FROM events | WHERE F RLIKE \"[aA][bB].[cC].*\"",
        "re flag m": "refused: the regular expression uses the m flag (anchors at line breaks), which Lucene regexes cannot express",
        "base64": "FROM events | WHERE TO_LOWER(F) == \"ywjj\"",
        "base64offset": "FROM events | WHERE TO_LOWER(F) LIKE \"*ahr0c*\" OR TO_LOWER(F) LIKE \"*h0dh*\" OR TO_LOWER(F) LIKE \"*odhrw*\"",
        "utf16le base64offset":
            "FROM events | WHERE TO_LOWER(F) LIKE \"*ywbtagqa*\" OR TO_LOWER(F) LIKE \"*mabqbka*\" OR TO_LOWER(F) LIKE \"*jag0aza*\"",
        "utf16be base64": "FROM events | WHERE TO_LOWER(F) == \"age=\"",
        "utf16 base64": "FROM events | WHERE TO_LOWER(F) == \"//5haa==\"",
        "wide base64": "FROM events | WHERE TO_LOWER(F) == \"yqa=\"",
        "utf16 without base64": "refused: a value holds bytes that are not text (a NUL or invalid UTF-8, e.g. from |utf16 without |base64)",
        "lt lte gt gte": "FROM events | WHERE TO_DOUBLE(A) < 5 AND TO_DOUBLE(B) <= 5 AND TO_DOUBLE(C) > 1.5 AND TO_DOUBLE(D) >= -2",
        "time part": "refused: the |hour timestamp-part comparison is not converted",
        "cidr": "FROM events | WHERE CIDR_MATCH(TO_IP(F), \"10.0.0.0/8\") OR CIDR_MATCH(TO_IP(F), \"192.168.0.0/23\")",
        "cidr ipv6": "FROM events | WHERE CIDR_MATCH(TO_IP(F), \"2001:db8:0:0:0:0:0:0/32\")",
        "fieldref": "FROM events | WHERE TO_LOWER(F) == TO_LOWER(G)",
        "fieldref startswith": "FROM events | WHERE STARTS_WITH(TO_LOWER(F), TO_LOWER(G))",
        "fieldref endswith": "FROM events | WHERE ENDS_WITH(TO_LOWER(F), TO_LOWER(G))",
        "fieldref contains": "FROM events | WHERE LOCATE(TO_LOWER(F), TO_LOWER(G)) > 0",
        "fieldref cased": "FROM events | WHERE F == G",
        "keyword": "refused: ES|QL has no test over every field of an event (a keyword needs a field)",
        "keyword with wildcard": "refused: ES|QL has no test over every field of an event (a keyword needs a field)",
        "and": "FROM events | WHERE TO_LOWER(F) == \"x\" AND TO_LOWER(G) == \"y\"",
        "or": "FROM events | WHERE TO_LOWER(F) == \"x\" OR TO_LOWER(G) == \"y\"",
        "not": "FROM events | WHERE NOT COALESCE(TO_LOWER(F) == \"x\", false)",
        "not of a group": "FROM events | WHERE NOT COALESCE(TO_LOWER(F) == \"x\" OR TO_LOWER(G) == \"y\", false)",
        "1 of": "FROM events | WHERE TO_LOWER(F) == \"x\" OR TO_LOWER(G) == \"y\"",
        "all of": "FROM events | WHERE TO_LOWER(F) == \"x\" AND TO_LOWER(G) == \"y\"",
        "1 of them": "FROM events | WHERE TO_LOWER(F) == \"x\" OR TO_LOWER(G) == \"y\"",
        "nested": "FROM events | WHERE TO_LOWER(F) == \"x\" AND NOT COALESCE(TO_LOWER(G) == \"y\" OR TO_LOWER(H) == \"z\", false)",
        "list of maps": "FROM events | WHERE TO_LOWER(F) == \"x\" OR TO_LOWER(G) == \"y\"",
        "regex under not": "FROM events | WHERE TO_LOWER(F) == \"x\" AND NOT COALESCE(G RLIKE \".*y.*\", false)",
        "regex under or": "FROM events | WHERE TO_LOWER(F) == \"x\" OR G RLIKE \".*y.*\"",
        "regex group under and":
            "FROM events | WHERE TO_LOWER(F) == \"x\" AND (G RLIKE \".*y.*\" OR H RLIKE \".*z.*\") AND I RLIKE \".*w.*\"",
    ]

    /// This target's texts for the checks every SIEM target runs (SIEMTargetTests).
    static let expectations = SIEMTargetExpectations(
        target: target, expected: expected,
        logsource:
            "FROM events | WHERE (TO_LOWER(Channel) == \"microsoft-windows-sysmon/operational\" AND TO_STRING(EventID) == \"1\" AND ENDS_WITH(TO_LOWER(Image), \"\\\\cmd.exe\") AND TO_LOWER(IntegrityLevel) == \"high\") OR (TO_LOWER(Channel) == \"security\" AND TO_STRING(EventID) == \"4688\" AND ENDS_WITH(TO_LOWER(NewProcessName), \"\\\\cmd.exe\") AND TO_LOWER(MandatoryLabel) == \"s-1-16-12288\")",
        evtx:
            #"FROM events | WHERE TO_STRING(Event.System.EventID) == "1" AND TO_LOWER(`Event.System.Provider.#attributes.Name`) == "x" AND TO_LOWER(Event.EventData.Image) == "y""#,
        ecs:
            #"FROM events | WHERE TO_STRING(winlog.event_id) == "1" AND TO_LOWER(winlog.provider_name) == "x" AND TO_LOWER(winlog.event_data.Image) == "y""#,
        alwaysFalse: "FROM events | WHERE false",
        hostileExact: [
            "quote pipe exact": "FROM events | WHERE TO_LOWER(F) == \"\\\"; | delete index=main \\\"\"",
            "trailing backslash exact": "FROM events | WHERE TO_LOWER(F) == \"c:\\\\temp\\\\\"",
            "backslash quote exact": "FROM events | WHERE TO_LOWER(F) == \"a\\\\\\\"b or 1==1\"",
        ])
}

extension ESQLTests {
    /// Every hostile value stays one ES|QL string literal; plain comparisons read back as the (lower-cased) value,
    /// and RLIKE regexes built from a value match exactly that value (Swift's regex engine, whole-value as Lucene).
    @Test(arguments: SIEMCases.hostile)
    func hostileValueStaysInItsLiteral(_ h: (name: String, value: String)) {
        SIEM.forEachHostileQuery(Self.target, h, split: { SIEM.doubleQuoted($0, decode: SIEM.cEscape) }) {
            modifier, q, skeleton, literals in
            switch modifier {
            case "": #expect(literals == [h.value.lowercased()], "\(q)")
            case "|cased": #expect(literals == [h.value], "\(q)")
            case "|contains": #expect(skeleton == "FROM events | WHERE TO_LOWER(F) LIKE <s>", "\(q)")
            default:
                #expect(skeleton == "FROM events | WHERE F RLIKE <s>", "\(q)")
                // The rewritten regex decides the value as the rule's regex does in the local engine's regex engine.
                let original = SIEM.regexMatches(h.value, h.value, whole: false)
                #expect(original != nil && SIEM.regexMatches("(?s)" + literals[0], h.value, whole: true) == original, "\(q)")
            }
        }
    }

    @Test func refusalsSayWhy() {
        #expect(
            SIEM.text(Self.target, "s:\n  F|re: 'a\\bb'\ncondition: s")
                == "refused: the regular expression uses a word boundary (\\b), which Lucene regexes do not have")
        #expect(
            SIEM.text(Self.target, "s:\n  F: x\ncondition: s", table: "logs | DROP x")
                == "refused: the index pattern 'logs | DROP x' cannot be written unquoted after FROM")
    }
}
