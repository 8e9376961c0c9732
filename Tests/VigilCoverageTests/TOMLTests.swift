// The TOML reader on the forms the rule repositories use, and on the errors it must place exactly.

import Testing
import VigilCore

@testable import VigilCoverage

@Suite struct TOMLTests {
    func parse(_ text: String) throws(Diagnostic) -> TOMLTable { try TOMLDocument.parse(Array(text.utf8), file: "t.toml") }

    @Test func tablesAndArraysOfTables() throws {
        let doc = try parse(
            """
            [rule]
            name = "x"
            [[rule.threat]]
            framework = "MITRE ATT&CK"
            [[rule.threat.technique]]
            id = "T1059"
            [[rule.threat.technique.subtechnique]]
            id = "T1059.001"
            [rule.threat.tactic]
            id = "TA0002"
            [[rule.threat]]
            [[rule.threat.technique]]
            id = "T1003"
            """)
        let threats = doc.tables("rule.threat")
        #expect(threats.count == 2)
        #expect(threats[0].tables("technique").first?.tables("subtechnique").first?.string("id") == "T1059.001")
        #expect(threats[0].string("tactic.id") == "TA0002")
        #expect(threats[1].tables("technique").first?.string("id") == "T1003")
    }

    @Test func stringForms() throws {
        let doc = try parse(
            #"""
            basic = "tab\there \"q\" \u00e9 \\"
            literal = 'C:\Windows\*'
            multi = """
            line one
            line two\
                 joined"""
            raw = '''
            process where name == "a.exe"'''
            quotes = """a ""quoted"" end"""""
            "quoted key" = 1
            dotted.key = true
            """#)
        #expect(doc.string("basic") == "tab\there \"q\" é \\")
        #expect(doc.string("literal") == #"C:\Windows\*"#)
        #expect(doc.string("multi") == "line one\nline twojoined")
        #expect(doc.string("raw") == #"process where name == "a.exe""#)
        #expect(doc.string("quotes") == #"a ""quoted"" end"""#)
        #expect(doc["quoted key"]?.integer == 1)
        #expect(doc.string("dotted.key") == "true")
    }

    @Test func valuesArraysInlineTables() throws {
        let doc = try parse(
            """
            a = [
              "x", # comment
              "y",
            ]
            n = [1, 2_000, 0x1F, -3]
            f = 1.5e3
            d = 2020-01-02
            t = 1979-05-27 07:32:00Z
            inline = { value = ["f1", "f2"], nested = { k = "v" } }
            """)
        #expect(doc.strings("a") == ["x", "y"])
        #expect(doc["n"]?.strings == ["1", "2000", "31", "-3"])
        #expect(doc.string("f") == "1500.0")
        #expect(doc.string("d") == "2020-01-02")
        #expect(doc.string("t") == "1979-05-27 07:32:00Z")
        #expect(doc.strings("inline.value") == ["f1", "f2"])
        #expect(doc.string("inline.nested.k") == "v")
    }

    @Test(arguments: [
        ("a = \"open\n", 1, "toml-syntax"),
        ("a = 1\nb = 'x' junk\n", 2, "toml-syntax"),
        ("[t]\n[t]\n", 2, "toml-duplicate"),
        ("a = 1\na = 2\n", 2, "toml-duplicate"),
        ("a = [1,\n2\n", 3, "toml-syntax"),
        ("x = \"\"\"\nnever closed\n", 1, "toml-syntax"),
        ("a = bare\n", 1, "toml-syntax"),
        ("a = \"\\q\"\n", 1, "toml-syntax"),
        ("[[a]]\n[a]\n", 2, "toml-duplicate"),
    ])
    func errorsArePlaced(_ text: String, _ line: Int, _ code: String) {
        #expect(throws: Diagnostic.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.location.line == line, "\(error)")
            #expect(error.code == code, "\(error)")
            #expect(error.location.file == "t.toml")
        }
    }
}
