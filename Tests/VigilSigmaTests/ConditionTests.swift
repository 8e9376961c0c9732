// Conditions: precedence, negation, parentheses, `1 of`/`all of` with patterns and `them`, lists.
import Testing
import VigilSigma

@Suite struct ConditionTests {
    /// Three selections a, b, c, true when the event has field A, B, C respectively.
    func fires(_ condition: String, _ fields: String, extra: String = "") -> Bool {
        let yaml = sigmaRule("a:\n  A: 1\nb:\n  B: 1\nc:\n  C: 1\n_u:\n  U: 1\n\(extra)condition: \(condition)")
        var json = #"{"Channel":"X""#
        for f in fields { json += #","\#(f)":1"# }
        return Fixtures.fires(yaml, json + "}")
    }

    @Test func andBindsTighterThanOr() {
        #expect(fires("a or b and c", "A"))
        #expect(!fires("a or b and c", "B"))
        #expect(fires("a or b and c", "BC"))
    }

    @Test func notBindsTighterThanAnd() {
        #expect(fires("not a and b", "B"))
        #expect(!fires("not a and b", "AB"))
        #expect(fires("not (a and b)", "A"))
    }

    @Test func parentheses() {
        #expect(!fires("(a or b) and c", "A"))
        #expect(fires("(a or b) and c", "AC"))
    }

    @Test func quantifiers() {
        #expect(fires("1 of them", "B"))
        #expect(!fires("1 of them", "U"))  // `them` skips identifiers starting with _
        #expect(fires("all of them", "ABC"))
        #expect(fires("any of sel*", "", extra: "sel1:\n  S: 1\nsel2:\n  S: 2\n") == false)
        #expect(fires("all of _*", "U"))
        #expect(!fires("all of them", "AB"))
        #expect(fires("1 of x* or a", "A", extra: "x1:\n  X: 1\n"))
        #expect(fires("1 of x* and not 1 of a*", "X", extra: "x1:\n  X: 1\n"))
    }

    @Test func conditionListIsOr() {
        let yaml = sigmaRule("a:\n  A: 1\nb:\n  B: 1\ncondition:\n  - a\n  - b")
        #expect(Fixtures.fires(yaml, #"{"Channel":"X","B":1}"#))
    }

    @Test func parsedPrecedence() {
        let (set, _) = Fixtures.ruleSet(sigmaRule("a:\n  A: 1\nb:\n  B: 1\nc:\n  C: 1\ncondition: not a and b or c"))
        #expect(set.rules[0].detection.conditions[0].description == "((not a and b) or c)")
    }
}
