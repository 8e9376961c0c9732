// Lucene query_string: case-insensitive values as regexes spelling out both cases, cased ones as terms.
// Exact query text for every modifier and condition form (SIEMCases), the logsource and layouts, and hostile
// values that must stay inside their literal.
import Testing
import VigilConvert

@Suite struct LuceneTests {
    static let target = ConversionTarget.lucene

    static let expected: [String: String] = [
        "plain": "Image:/[cC]\\:[\\\\][wW][iI][nN][dD][oO][wW][sS][\\\\][cC][mM][dD]\\.[eE][xX][eE]/",
        "contains": "CommandLine:/.*[mM][iI][mM][iI][kK][aA][tT][zZ].*/",
        "startswith": "CommandLine:/[pP][oO][wW][eE][rR][sS][hH][eE][lL][lL].*/",
        "endswith": "Image:/.*[\\\\][cC][mM][dD]\\.[eE][xX][eE]/",
        "wildcards": "F:/[aA].*[bB].[cC]/",
        "escaped wildcards": "F:/[aA]\\*[bB]\\?[cC][\\\\]/",
        "only a wildcard": "_exists_:F",
        "empty value": "F:/()/",
        "number": "LogonType:\"3\"",
        "list is OR": "F:/[aA]/ OR F:/[bB]/",
        "all": "F:/.*[aA].*/ AND F:/.*[bB].*/",
        "exists": "_exists_:F AND NOT _exists_:G",
        "null": "NOT _exists_:F",
        "cased": "F:\"AbC\"",
        "cased contains": "F:*AbC*",
        "neq": "NOT (F:/[aA]/ OR F:/[bB]/)",
        "windash":
            "CommandLine:/.*\\ \\-[eE][nN][cC]\\ .*/ OR CommandLine:/.*\\ \\/[eE][nN][cC]\\ .*/ OR CommandLine:/.*\\ –[eE][nN][cC]\\ .*/ OR CommandLine:/.*\\ —[eE][nN][cC]\\ .*/ OR CommandLine:/.*\\ ―[eE][nN][cC]\\ .*/",
        "re": "F:/.*a.b\\d+/",
        "re flags i s": "F:/[aA][bB].[cC].*/",
        "re flag m": "refused: the regular expression uses the m flag (anchors at line breaks), which Lucene regexes cannot express",
        "base64": "F:/[yY][wW][jJ][jJ]/",
        "base64offset": "F:/.*[aA][hH][rR]0[cC].*/ OR F:/.*[hH]0[dD][hH].*/ OR F:/.*[oO][dD][hH][rR][wW].*/",
        "utf16le base64offset":
            "F:/.*[yY][wW][bB][tT][aA][gG][qQ][aA].*/ OR F:/.*[mM][aA][bB][qQ][bB][kK][aA].*/ OR F:/.*[jJ][aA][gG]0[aA][zZ][aA].*/",
        "utf16be base64": "F:/[aA][gG][eE]\\=/",
        "utf16 base64": "F:/\\/\\/5[hH][aA][aA]\\=\\=/",
        "wide base64": "F:/[yY][qQ][aA]\\=/",
        "utf16 without base64": "refused: a value holds bytes that are not text (a NUL or invalid UTF-8, e.g. from |utf16 without |base64)",
        "lt lte gt gte": "refused: query_string ranges compare keyword-mapped fields as text, not as numbers",
        "time part": "refused: query_string ranges compare keyword-mapped fields as text, not as numbers",
        "cidr":
            "F:/0?10\\.(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\\.(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\\.(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])/ OR F:/192\\.168\\.(0{0,2}0|0{0,2}1)\\.(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])/",
        "cidr ipv6": "refused: |cidr with an IPv6 network: IPv6 addresses have many spellings, which a keyword regex cannot cover",
        "fieldref": "refused: query_string cannot compare two fields of an event",
        "fieldref startswith": "refused: query_string cannot compare two fields of an event",
        "fieldref endswith": "refused: query_string cannot compare two fields of an event",
        "fieldref contains": "refused: query_string cannot compare two fields of an event",
        "fieldref cased": "refused: query_string cannot compare two fields of an event",
        "keyword":
            "refused: a keyword search in query_string goes to the index's default_field setting, and analysed text fields match it per token",
        "keyword with wildcard":
            "refused: a keyword search in query_string goes to the index's default_field setting, and analysed text fields match it per token",
        "and": "F:/[xX]/ AND G:/[yY]/",
        "or": "F:/[xX]/ OR G:/[yY]/",
        "not": "NOT F:/[xX]/",
        "not of a group": "NOT (F:/[xX]/ OR G:/[yY]/)",
        "1 of": "F:/[xX]/ OR G:/[yY]/",
        "all of": "F:/[xX]/ AND G:/[yY]/",
        "1 of them": "F:/[xX]/ OR G:/[yY]/",
        "nested": "F:/[xX]/ AND NOT (G:/[yY]/ OR H:/[zZ]/)",
        "list of maps": "F:/[xX]/ OR G:/[yY]/",
        "regex under not": "F:/[xX]/ AND NOT G:/.*y.*/",
        "regex under or": "F:/[xX]/ OR G:/.*y.*/",
        "regex group under and": "F:/[xX]/ AND (G:/.*y.*/ OR H:/.*z.*/) AND I:/.*w.*/",
    ]

    /// This target's texts for the checks every SIEM target runs (SIEMTargetTests).
    static let expectations = SIEMTargetExpectations(
        target: target, expected: expected,
        logsource:
            "(Channel:/[mM][iI][cC][rR][oO][sS][oO][fF][tT]\\-[wW][iI][nN][dD][oO][wW][sS]\\-[sS][yY][sS][mM][oO][nN]\\/[oO][pP][eE][rR][aA][tT][iI][oO][nN][aA][lL]/ AND EventID:1 AND Image:/.*[\\\\][cC][mM][dD]\\.[eE][xX][eE]/ AND IntegrityLevel:/[hH][iI][gG][hH]/) OR (Channel:/[sS][eE][cC][uU][rR][iI][tT][yY]/ AND EventID:4688 AND NewProcessName:/.*[\\\\][cC][mM][dD]\\.[eE][xX][eE]/ AND MandatoryLabel:/[sS]\\-1\\-16\\-12288/)",
        evtx: ##"Event.System.EventID:"1" AND Event.System.Provider.\#attributes.Name:/[xX]/ AND Event.EventData.Image:/[yY]/"##,
        ecs: #"winlog.event_id:"1" AND winlog.provider_name:/[xX]/ AND winlog.event_data.Image:/[yY]/"#,
        alwaysFalse: "NOT *:*",
        hostileExact: [
            "quote pipe exact": "F:/\\\"\\;\\ \\|\\ [dD][eE][lL][eE][tT][eE]\\ [iI][nN][dD][eE][xX]\\=[mM][aA][iI][nN]\\ \\\"/",
            "trailing backslash exact": "F:/[cC]\\:[\\\\][tT][eE][mM][pP][\\\\]/",
            "backslash quote exact": "F:/[aA][\\\\]\\\"[bB]\\ [oO][rR]\\ 1\\=\\=1/",
        ])
}

extension LuceneTests {
    /// Every hostile value stays one query_string value token (read with the classic parser's lexer rules,
    /// including the longest-match end of `/…/` regexes): phrases read back as the value, and regexes built from
    /// a value match exactly that value, in any letter case unless |cased (Swift's regex engine, whole-value).
    @Test(arguments: SIEMCases.hostile)
    func hostileValueStaysInItsToken(_ h: (name: String, value: String)) {
        SIEM.forEachHostileQuery(Self.target, h, split: { SIEM.luceneTokens($0) }) { modifier, q, skeleton, values in
            switch skeleton {
            case "F:<s>": #expect(values == [h.value], "\(q)")
            case "F:<t>": #expect(values == [modifier == "|contains" ? "*" + h.value + "*" : h.value], "\(q)")
            case "F:<r>" where modifier != "|re":
                let target = modifier == "|contains" ? "<" + h.value.uppercased() + ">" : h.value.uppercased()
                #expect(SIEM.regexMatches("(?s)" + values[0], target, whole: true) == true, "\(q)")
                #expect(SIEM.regexMatches("(?s)" + values[0], h.value + "x", whole: true) == (modifier == "|contains"), "\(q)")
            case "F:<r>":
                let original = SIEM.regexMatches(h.value, h.value, whole: false)
                #expect(original != nil && SIEM.regexMatches("(?s)" + values[0], h.value, whole: true) == original, "\(q)")
            default: Issue.record("\(h.name)\(modifier): unexpected shape \(skeleton) in \(q)")
            }
        }
    }

    /// A regex ending in a literal backslash would end `…\\/`, which query_string reads as an escaped slash; the
    /// backslash is written as a class so the closing slash stays a closing slash.
    @Test func trailingBackslashDoesNotEscapeTheClosingSlash() {
        let q = SIEM.text(Self.target, "s:\n  F|endswith: 'dir\\'\ncondition: s")
        #expect(q == #"F:/.*[dD][iI][rR][\\]/"#)
        let two = SIEM.text(Self.target, "s:\n  F|endswith: 'dir\\'\n  G|contains: 'x/y'\ncondition: s")
        #expect(SIEM.luceneTokens(two).skeleton == "F:<r> AND G:<r>")
    }

    @Test func refusalsSayWhy() {
        #expect(
            SIEM.text(Self.target, "s:\n  F|re: '(?<=a)b'\ncondition: s")
                == "refused: the regular expression uses look-around, which Lucene regexes do not have")
        #expect(
            SIEM.text(Self.target, "s:\n  F|re: 'a++'\ncondition: s")
                == "refused: the regular expression uses a possessive quantifier, which Lucene regexes do not have")
    }
}
