import Foundation
import Testing

@testable import VigilCore

@Suite struct JSONTests {
    func parse(_ text: String) throws -> (JSONTape, [UInt8]) {
        let bytes = Array(text.utf8)
        var tape = JSONTape()
        try bytes.withUnsafeBytes { buffer in try tape.parseDocument(buffer) }
        return (tape, bytes)
    }

    @Test func parsesNestedValues() throws {
        let (tape, bytes) = try parse(#" {"a": [1, -2.5e3, true, null], "b": {"c": "x\"y\u00e9\ud83d\ude00"}} "#)
        try tape.nodes.withUnsafeBufferPointer { nodes in
            try bytes.withUnsafeBytes { raw in
                let view = JSONView(tape: nodes, bytes: raw)
                let a = try #require(view.member(0, "a"))
                #expect(view.tape[a].count == 4)
                var kinds: [JSONKind] = []
                view.forEachElement(a) { kinds.append(view.kind($0)) }
                #expect(kinds == [.number, .number, .bool, .null])
                let b = try #require(view.member(0, "b"))
                let c = try #require(view.member(b, "c"))
                #expect(view.string(c) == "x\"yé😀")
                #expect(view.member(0, "z") == nil)
            }
        }
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "\"abc", "tru", "{\"a\":1}}", "-", "1.", "[\"\u{01}\"]"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test func reportsLineAndColumn() throws {
        let bytes = Array("{\n  \"a\": 1,\n  \"b\": ]\n}".utf8)
        var tape = JSONTape()
        do {
            try bytes.withUnsafeBytes { try tape.parseDocument($0) }
            Issue.record("expected an error")
        } catch let error as JSONSyntaxError {
            let diagnostic = bytes.withUnsafeBytes { error.diagnostic(file: "x.json", bytes: $0) }
            #expect(diagnostic.location.line == 3)
            #expect(diagnostic.location.column == 8)
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test func techniqueIDs() {
        #expect(TechniqueID("attack.t1059.001")?.description == "T1059.001")
        #expect(TechniqueID("T1003")?.isSubtechnique == false)
        #expect(TechniqueID("T1003.1") == nil)
        #expect(TechniqueID("TA0001") == nil)
    }
}

@Suite struct JSONQuotingTests {
    /// Every string `JSONString.quoted` writes reads back, through Foundation's JSON reader, as the string it was
    /// given: control characters, quotes, backslashes, non-ASCII and long unescaped runs alike.
    @Test func quotedStringsReadBackThroughFoundation() throws {
        var samples = [
            "", "plain", "a\"b\\c", "tab\there\nline\r\u{01}\u{08}\u{0C}\u{1F}\u{7F}", "é😀 中文",
            String(repeating: "x", count: 5000) + "\"end",
        ]
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "\"", "\\", "\n", "\u{00}", "\u{1B}", "é", "😀", " ", "\t"]
        for _ in 0..<200 {
            samples.append(String((0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for sample in samples {
            for style in [JSONString.QuoteStyle.standard, .duckDB] {
                var out = ""
                JSONString.appendQuoted(sample, to: &out, style: style)
                let decoded = try JSONSerialization.jsonObject(with: Data(("[" + out + "]").utf8)) as? [String]
                #expect(decoded == [sample], "\(out)")
            }
        }
        #expect(JSONString.quoted("a\u{01}\u{08}") == #""a\u0001\u0008""#)
        var duck = ""
        JSONString.appendQuoted("a\u{1F}\u{08}", to: &duck, style: .duckDB)
        #expect(duck == #""a\u001F\b""#)
    }
}
