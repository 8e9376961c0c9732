// The exact SQL of each modifier and condition form, for Spark, ClickHouse and DuckDB. Expected texts were
// written from the dialects' documentation (string-literal escaping, LIKE escapes, function names), not
// copied from the printer's output.
import Testing
import VigilConvert

@Suite struct SQLTextTests {
    typealias F = ConvertFixtures

    /// (detection YAML, DuckDB, Spark, ClickHouse) — the WHERE expression of each.
    static let forms: [(String, String, String, String)] = [
        (
            "    sel: {Image: 'C:\\Windows\\cmd.exe'}\n    condition: sel",
            #"lower("Image") = 'c:\windows\cmd.exe'"#,
            #"lower(`Image`) = 'c:\\windows\\cmd.exe'"#,
            #"lowerUTF8(`Image`) = 'c:\\windows\\cmd.exe'"#
        ),
        (
            "    sel: {Image|cased: 'CMD.exe'}\n    condition: sel",
            #""Image" = 'CMD.exe'"#, #"`Image` = 'CMD.exe'"#, #"`Image` = 'CMD.exe'"#
        ),
        (
            "    sel: {CommandLine|contains: '50%_off'}\n    condition: sel",
            #"contains(lower("CommandLine"), '50%_off')"#,
            #"contains(lower(`CommandLine`), '50%_off')"#,
            #"position(lowerUTF8(`CommandLine`), '50%_off') > 0"#
        ),
        (
            "    sel: {CommandLine|startswith: 'net '}\n    condition: sel",
            #"starts_with(lower("CommandLine"), 'net ')"#,
            #"startswith(lower(`CommandLine`), 'net ')"#,
            #"startsWith(lowerUTF8(`CommandLine`), 'net ')"#
        ),
        (
            "    sel: {Image|endswith: '\\net.exe'}\n    condition: sel",
            #"ends_with(lower("Image"), '\net.exe')"#,
            #"endswith(lower(`Image`), '\\net.exe')"#,
            #"endsWith(lowerUTF8(`Image`), '\\net.exe')"#
        ),
        // Sigma wildcards become LIKE wildcards; LIKE's own % _ \ in the value are escaped; \* is a literal star.
        (
            "    sel: {CommandLine: 'a*b?c\\*d%e_f'}\n    condition: sel",
            #"lower("CommandLine") LIKE 'a%b_c*d\%e\_f' ESCAPE '\'"#,
            #"lower(`CommandLine`) LIKE 'a%b_c*d\\%e\\_f'"#,
            #"lowerUTF8(`CommandLine`) LIKE 'a%b_c*d\\%e\\_f'"#
        ),
        (
            "    sel: {CommandLine|contains|all: ['-enc', 'hidden']}\n    condition: sel",
            #"contains(lower("CommandLine"), '-enc') AND contains(lower("CommandLine"), 'hidden')"#,
            #"contains(lower(`CommandLine`), '-enc') AND contains(lower(`CommandLine`), 'hidden')"#,
            #"position(lowerUTF8(`CommandLine`), '-enc') > 0 AND position(lowerUTF8(`CommandLine`), 'hidden') > 0"#
        ),
        (
            "    sel: {CommandLine|re: '\\d+\\.exe$'}\n    condition: sel",
            #"regexp_matches("CommandLine", '\d+\.exe$')"#,
            #"`CommandLine` RLIKE '\\d+\\.exe$'"#,
            #"match(`CommandLine`, '\\d+\\.exe$')"#
        ),
        (
            "    sel: {CommandLine|re|i|m|s: 'x.y'}\n    condition: sel",
            #"regexp_matches("CommandLine", '(?ims)x.y')"#,
            #"`CommandLine` RLIKE '(?ims)x.y'"#,
            #"match(`CommandLine`, '(?ims)x.y')"#
        ),
        (
            "    sel: {ParentImage: null}\n    condition: sel",
            #""ParentImage" IS NULL"#, #"`ParentImage` IS NULL"#, #"`ParentImage` IS NULL"#
        ),
        (
            "    sel: {User|exists: true}\n    condition: sel",
            #""User" IS NOT NULL"#, #"`User` IS NOT NULL"#, #"`User` IS NOT NULL"#
        ),
        // A negated test keeps the local engine's meaning on an absent field: true.
        (
            "    sel: {User|neq: 'SYSTEM'}\n    condition: sel",
            #"NOT coalesce(lower("User") = 'system', FALSE)"#,
            #"NOT coalesce(lower(`User`) = 'system', FALSE)"#,
            #"NOT ifNull(lowerUTF8(`User`) = 'system', 0)"#
        ),
        (
            "    sel: {ProcessId|gte: 4}\n    condition: sel",
            #"TRY_CAST("ProcessId" AS DOUBLE) >= 4"#,
            #"TRY_CAST(`ProcessId` AS DOUBLE) >= 4"#,
            #"toFloat64OrNull(`ProcessId`) >= 4"#
        ),
        (
            "    sel: {ParentImage|fieldref|endswith: Image}\n    condition: sel",
            #"ends_with(lower("ParentImage"), lower("Image"))"#,
            #"endswith(lower(`ParentImage`), lower(`Image`))"#,
            #"endsWith(lowerUTF8(`ParentImage`), lowerUTF8(`Image`))"#
        ),
        // The three base64 offsets of 'IEX' (SUVY, lFW, JRV), matched ignoring case as the specification says.
        (
            "    sel: {CommandLine|base64offset|contains: 'IEX'}\n    condition: sel",
            // DuckDB: one RE2 alternation of a column's contained texts (one pass over a long value).
            #"regexp_matches(lower("CommandLine"), 'suvy|lfw|jrv')"#,
            #"contains(lower(`CommandLine`), 'suvy') OR contains(lower(`CommandLine`), 'lfw') OR contains(lower(`CommandLine`), 'jrv')"#,
            #"position(lowerUTF8(`CommandLine`), 'suvy') > 0 OR position(lowerUTF8(`CommandLine`), 'lfw') > 0 OR position(lowerUTF8(`CommandLine`), 'jrv') > 0"#
        ),
        (
            "    sel: {Description: ''}\n    condition: sel",
            #"lower("Description") = ''"#, #"lower(`Description`) = ''"#, #"lowerUTF8(`Description`) = ''"#
        ),
        (
            "    sel: {Company: '*'}\n    condition: sel",
            #""Company" IS NOT NULL"#, #"`Company` IS NOT NULL"#, #"`Company` IS NOT NULL"#
        ),
        // Condition forms: precedence, not, 1 of / all of with patterns.
        (
            "    a: {A: '1'}\n    b: {B: '2'}\n    c: {C: '3'}\n    condition: a or b and not c",
            #"lower("A") = '1' OR (lower("B") = '2' AND NOT coalesce(lower("C") = '3', FALSE))"#,
            #"lower(`A`) = '1' OR (lower(`B`) = '2' AND NOT coalesce(lower(`C`) = '3', FALSE))"#,
            #"lowerUTF8(`A`) = '1' OR (lowerUTF8(`B`) = '2' AND NOT ifNull(lowerUTF8(`C`) = '3', 0))"#
        ),
        (
            "    sel_a: {A: '1'}\n    sel_b: {B: '2'}\n    filter: {C: '3'}\n    condition: all of sel_* and not 1 of filter*",
            #"lower("A") = '1' AND lower("B") = '2' AND NOT coalesce(lower("C") = '3', FALSE)"#,
            #"lower(`A`) = '1' AND lower(`B`) = '2' AND NOT coalesce(lower(`C`) = '3', FALSE)"#,
            #"lowerUTF8(`A`) = '1' AND lowerUTF8(`B`) = '2' AND NOT ifNull(lowerUTF8(`C`) = '3', 0)"#
        ),
        (
            "    sel:\n        - {A: '1', B: '2'}\n        - {C: '3'}\n    condition: sel",
            #"(lower("A") = '1' AND lower("B") = '2') OR lower("C") = '3'"#,
            #"(lower(`A`) = '1' AND lower(`B`) = '2') OR lower(`C`) = '3'"#,
            #"(lowerUTF8(`A`) = '1' AND lowerUTF8(`B`) = '2') OR lowerUTF8(`C`) = '3'"#
        ),
    ]

    @Test(arguments: forms.indices) func eachFormInEachDialect(_ index: Int) {
        let (detection, duck, spark, clickhouse) = Self.forms[index]
        let yaml = F.rule(detection)
        #expect(F.sqlWhere(yaml, .duckdb) == duck)
        #expect(F.sqlWhere(yaml, .spark) == spark)
        #expect(F.sqlWhere(yaml, .clickhouse) == clickhouse)
    }

    @Test func windashExpandsEveryDash() {
        let yaml = F.rule("    sel: {CommandLine|windash|contains: ' -y'}\n    condition: sel")
        let expected = [" -y", " /y", " \u{2013}y", " \u{2014}y", " \u{2015}y"].map { "contains(lower(`CommandLine`), '\($0)')" }
        #expect(F.sqlWhere(yaml, .spark) == expected.joined(separator: " OR "))
        // DuckDB's alternation escapes the punctuation (RE2 takes `\-` and `\/` as the characters).
        #expect(F.sqlWhere(yaml, .duckdb) == "regexp_matches(lower(\"CommandLine\"), ' \\-y| \\/y| \u{2013}y| \u{2014}y| \u{2015}y')")
    }

    @Test func logsourceBecomesChannelAndEventID() {
        let yaml = """
            title: t
            logsource: {product: windows, category: process_creation}
            detection:
                sel: {CommandLine|contains: whoami}
                condition: sel
            """
        // Sysmon 1 and Security 4688 (CommandLine exists in both); 4688 has no Image rename to apply here.
        #expect(
            F.sqlWhere(yaml, .duckdb)
                == #"(lower("Channel") = 'microsoft-windows-sysmon/operational' AND "EventID" IN ('1') AND contains(lower("CommandLine"), 'whoami')) OR (lower("Channel") = 'security' AND "EventID" IN ('4688') AND contains(lower("CommandLine"), 'whoami'))"#
        )
    }

    @Test func securitySourceRenamesFields() {
        let yaml = """
            title: t
            logsource: {product: windows, category: process_creation}
            detection:
                sel: {Image|endswith: '\\whoami.exe'}
                condition: sel
            """
        let text = F.sqlWhere(yaml, .spark)
        #expect(text.contains(#"endswith(lower(`NewProcessName`), '\\whoami.exe')"#))
        #expect(text.contains(#"endswith(lower(`Image`), '\\whoami.exe')"#))
    }

    @Test func keywordsSearchEveryColumnButTheOrigin() {
        let yaml = F.rule("    keywords: ['mimikatz']\n    condition: keywords")
        #expect(F.sqlWhere(yaml, .duckdb).hasPrefix("refused: a keyword search needs the table's column list"))
        let text = F.sqlWhere(yaml, .duckdb, columns: ["vigil_event", "Image", "CommandLine"])
        // A contained text is looked for once in the columns joined by U+001F, which it does not hold, lower-cased once.
        #expect(text == "contains(lower(concat_ws('\u{1F}', \"Image\", \"CommandLine\")), 'mimikatz')")
        #expect(
            F.sqlWhere(yaml, .clickhouse, columns: ["Image", "CommandLine"])
                == "position(lowerUTF8(concatWithSeparator('\u{1F}', ifNull(`Image`, ''), ifNull(`CommandLine`, ''))), 'mimikatz') > 0"
        )
        // Other shapes (a wildcard inside) test each column.
        let inner = F.rule("    keywords: ['mimi*katz']\n    condition: keywords")
        #expect(
            F.sqlWhere(inner, .spark, columns: ["Image", "CommandLine"])
                == #"(lower(`Image`) LIKE 'mimi%katz' OR lower(`CommandLine`) LIKE 'mimi%katz')"#)
        // A text holding the separator itself is looked for column by column.
        let separator = F.rule("    keywords: [\"a\\x1Fb\"]\n    condition: keywords")
        #expect(
            F.sqlWhere(separator, .duckdb, columns: ["Image", "CommandLine"])
                == "(contains(lower(\"Image\"), 'a\u{1F}b') OR contains(lower(\"CommandLine\"), 'a\u{1F}b'))")
    }

    @Test func columnsDecideAbsentFieldsLikeTheLocalEngine() {
        // `Source Name` is the EVTX name of Sigma's SourceName: names match ignoring case and spaces.
        let yaml = F.rule("    sel: {SourceName: 'x'}\n    nope: {Missing: 'y'}\n    condition: sel and not nope")
        #expect(F.sqlWhere(yaml, .clickhouse, columns: ["Source Name"]) == #"lowerUTF8(`Source Name`) = 'x'"#)
        #expect(F.sqlWhere(F.rule("    sel: {Missing: 'y'}\n    condition: sel"), .spark, columns: ["A"]) == "FALSE")
        #expect(F.sqlWhere(F.rule("    sel: {Missing: null}\n    condition: sel"), .spark, columns: ["A"]) == "TRUE")
    }

    @Test func cidrBecomesAddressPatterns() {
        // The patterns themselves are checked against the local parser in AddressPatternTests.
        let v4 = F.sqlWhere(F.rule("    sel: {SourceIp|cidr: '10.1.0.0/22'}\n    condition: sel"), .duckdb)
        #expect(v4.hasPrefix(#"regexp_matches(lower("SourceIp"), '^(?:"#))
        #expect(v4.contains(#"(?:0{0,1}10)\.(?:0{0,2}1)\.(?:0{0,2}0|0{0,2}1|0{0,2}2|0{0,2}3)\."#))
        let v6 = F.sqlWhere(F.rule("    sel: {SourceIp|cidr: 'fe80::/10'}\n    condition: sel"), .spark)
        #expect(v6.contains(#"lower(`SourceIp`) RLIKE '^fe[89ab][0-9a-f](?::|$)' AND lower(`SourceIp`) RLIKE '^(?:"#))
    }

    @Test func whatATargetCannotSayIsRefusedWithTheReason() {
        let lookahead = F.rule("    sel: {CommandLine|re: 'a(?=b)'}\n    condition: sel")
        #expect(F.conversion(lookahead, .duckdb).refusal?.contains("look-ahead") == true)
        #expect(F.conversion(lookahead, .clickhouse).refusal?.contains("RE2") == true)
        #expect(F.conversion(lookahead, .spark).query != nil)  // Java regular expressions have look-ahead
        let backref = F.rule("    sel: {CommandLine|re: '(a)\\1'}\n    condition: sel")
        #expect(F.conversion(backref, .duckdb).refusal?.contains("back-reference") == true)
        let utf16 = F.rule("    sel: {CommandLine|utf16le|contains: 'ab'}\n    condition: sel")
        #expect(F.conversion(utf16, .spark).refusal?.contains("NUL") == true)
        let part = F.rule("    sel: {UtcTime|hour|gt: 20}\n    condition: sel")
        #expect(F.conversion(part, .duckdb).refusal != nil)
        let unmapped = "title: t\nlogsource: {product: nothing-maps-this, category: x}\ndetection:\n    sel: {A: 1}\n    condition: sel"
        #expect(F.conversion(unmapped, .duckdb).refusal?.contains("no event source is mapped") == true)
    }

    @Test func nestedLayoutsUsePaths() {
        let yaml = """
            title: t
            logsource: {product: windows, service: security}
            detection:
                sel: {EventID: 4625, TargetUserName: admin}
                condition: sel
            """
        let c = F.conversion(yaml, .spark, layout: "evtx")
        #expect(
            c.query
                == #"SELECT * FROM `events` WHERE lower(`Event`.`System`.`Channel`) = 'security' AND lower(`Event`.`System`.`EventID`) = '4625' AND lower(`Event`.`EventData`.`TargetUserName`) = 'admin'"#
        )
        let ecs = F.conversion(yaml, .duckdb, layout: "ecs")
        #expect(ecs.query?.contains(#"lower("winlog"."event_data"."TargetUserName") = 'admin'"#) == true)
    }
}
