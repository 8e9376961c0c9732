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
