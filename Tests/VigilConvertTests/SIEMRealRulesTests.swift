// Every SigmaHQ Windows rule through the four SIEM targets: no crash, a query or a reason for each rule, every
// query on one line with its literals and parentheses closed as the target's lexer reads them, and refusals
// that follow from the rule's own structure (keywords where a target has no keyword search, look-around where
// the engine is RE2) checked against that structure read directly from the parsed rules.
import Testing
import VigilConvert
import VigilCore
import VigilSigma
import VigilTestSupport

@Suite struct SIEMRealRulesTests {
    static let folder: String? = try? SharedData.path("rules/sigma/rules/windows")

    static let collection: RuleCollection = {
        guard let folder else { return RuleCollection() }
        return RuleLoader.load([folder])
    }()

    @Test(arguments: [ConversionTarget.splunk, .lucene, .kql, .esql])
    func sigmaHQWindowsRules(_ target: ConversionTarget) throws {
        let folder = try #require(Self.folder, "SigmaHQ rules not found under shared/rules/sigma/rules/windows")
        let collection = Self.collection
        // Independent count: the rule files on disk (one rule per file in SigmaHQ), against rules loaded plus
        // files the parser rejected.
        let files = FileBytes.files(under: folder).filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        let rejectedFiles = Set(collection.diagnostics.filter { $0.severity == .error }.map(\.location.file))
        #expect(collection.rules.count + rejectedFiles.count == files.count)
        #expect(collection.rules.count > 2000)

        let converter = Converter(target: target, layout: FieldLayout.named("flat")!, filters: collection.filters)
        let conversions = converter.convert(collection.rules)
        #expect(conversions.count == collection.rules.count)
        var reasons: [String: Int] = [:]
        for c in conversions {
            let rule = collection.rules[c.rule]
            #expect((c.query == nil) != (c.refusal == nil), "\(rule.location.file): exactly one of query and refusal")
            if let reason = c.refusal {
                #expect(!reason.isEmpty, "\(rule.location.file): refusal without a reason")
                reasons[Self.kind(reason), default: 0] += 1
            }
            if let q = c.query {
                #expect(!q.unicodeScalars.contains { $0.value < 0x20 }, "\(rule.location.file): query spans lines")
                let skeleton = target == .lucene ? SIEM.luceneTokens(q).skeleton : SIEM.doubleQuoted(q, decode: SIEM.cEscape).skeleton
                #expect(Self.balanced(skeleton), "\(rule.location.file): unbalanced parentheses outside literals: \(q)")
            }
            // Refusals the rule's structure demands, read from the parsed detection rather than the formula.
            if (target == .lucene || target == .esql) && Self.usesKeywords(rule) {
                #expect(c.query == nil, "\(rule.location.file): a keyword rule converted to \(target)")
            }
            if target == .kql && Self.regexes(rule).contains(where: { $0.contains("(?=") || $0.contains("(?!") || $0.contains("(?<") }) {
                #expect(c.query == nil, "\(rule.location.file): a look-around regex converted to KQL")
            }
        }
        let refused = conversions.count(where: { $0.query == nil })
        print("\(target.rawValue): \(conversions.count - refused) converted, \(refused) refused of \(conversions.count)")
        for (reason, n) in reasons.sorted(by: { $0.value > $1.value }) { print("  \(n)\t\(reason)") }
    }

    /// A reason without the rule-specific part (logsource text, field name), for counting.
    static func kind(_ reason: String) -> String {
        if let r = reason.range(of: " for logsource ") ?? reason.range(of: "logsource ") { return String(reason[..<r.lowerBound]) + "…" }
        if let q = reason.firstIndex(of: "'") { return String(reason[..<q]) + "…" }
        return reason
    }

    static func balanced(_ s: String) -> Bool {
        var depth = 0
        for c in s {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if depth < 0 { return false }
        }
        return depth == 0
    }

    static func items(_ node: DetectionNode) -> [FieldItem] {
        switch node {
        case .allOf(let xs), .anyOf(let xs): xs.flatMap(items)
        case .item(let item): [item]
        }
    }

    /// Whether an identifier the condition uses holds a keyword (a value without a field).
    static func usesKeywords(_ rule: SigmaRule) -> Bool {
        let conditionText = rule.detection.conditions.map { "\($0)" }.joined(separator: " ")
        return rule.detection.identifiers.contains { id in
            items(id.node).contains { $0.field == nil } && (conditionText.contains(id.name) || conditionText.contains("them"))
        }
    }

    static func regexes(_ rule: SigmaRule) -> [String] {
        rule.detection.identifiers.flatMap { items($0.node) }.flatMap(\.values).compactMap {
            if case .regex(let p, _, _, _) = $0 { return p }
            return nil
        }
    }
}
