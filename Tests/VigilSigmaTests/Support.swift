// Shared helpers for the Sigma tests: the full SigmaHQ rule set (loaded once) and running rules over
// concatenated JSON events.
import VigilCore
import VigilSigma
import VigilTestSupport

enum Fixtures {
    /// Every rule folder of the SigmaHQ snapshot under `shared/rules/sigma`.
    static let fullRuleSet: RuleSet = {
        let root = try! SharedData.path("rules/sigma")
        let folders = ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-compliance", "rules-placeholder", "rules-dfir"]
            .map { root + "/" + $0 }.filter(FileBytes.exists)
        let collection = RuleLoader.load(folders)
        return RuleSet(rules: collection.rules, filters: collection.filters, correlations: collection.correlations)
    }()

    /// Rules compiled from YAML text.
    static func ruleSet(_ yaml: String, placeholders: Placeholders = [:]) -> (RuleSet, [Diagnostic]) {
        let (documents, diagnostics) = RuleParser(placeholders: placeholders).parse(bytes: Array(yaml.utf8), file: "test.yml")
        var rules: [SigmaRule] = []
        for case .rule(let r) in documents { rules.append(r) }
        let set = RuleSet(rules: rules)
        return (set, diagnostics + set.diagnostics)
    }

    /// Indices of rules that fire on each JSON document of `text` (concatenated objects or lines).
    static func matches(_ ruleSet: RuleSet, json text: String) -> [[Int]] {
        matches(ruleSet, bytes: Array(text.utf8))
    }

    static func matches(_ ruleSet: RuleSet, bytes: [UInt8]) -> [[Int]] {
        let context = MatchContext(ruleSet: ruleSet)
        var tape = JSONTape()
        var result: [[Int]] = []
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while true {
                offset = JSONScanner.skipWhitespace(buffer, offset)
                guard offset < buffer.count else { break }
                guard let end = try? tape.parse(buffer, from: offset) else { break }
                var fired: [Int] = []
                tape.nodes.withUnsafeBufferPointer { nodes in
                    let event = Event(view: JSONView(tape: nodes, bytes: buffer), root: 0)
                    ruleSet.match(event, context: context) { fired.append($0) }
                }
                result.append(fired)
                offset = end
            }
        }
        return result
    }

    /// Does a one-rule set fire on one event?
    static func fires(_ yaml: String, _ json: String) -> Bool {
        let (set, diagnostics) = ruleSet(yaml)
        precondition(diagnostics.filter { $0.severity == .error }.isEmpty, "rule did not load: \(diagnostics)")
        precondition(!set.activeRules.isEmpty, "rule does not run: \(set.diagnostics)")
        return !(matches(set, json: json).first ?? []).isEmpty
    }
}
