// Which Sigma rules coverage may count: the Sigma engine's own verdict, reached the way `vigil rules check`
// reaches it (RuleLoader parses, RuleSet compiles), so that a rule the engine rejects never colours a technique.

import VigilCore
import VigilSigma

/// The engine's verdict on a set of Sigma rule files, with the built-in logsource mapping and no placeholder
/// values (what `vigil rules check FILES` decides without options).
public struct SigmaEngineVerdict: Sendable {
    /// Rules the engine parsed and compiled, by file (the path as given), in document order.
    public var accepted: [String: [EngineRule]]
    /// Every error the engine reported (parse, compile, correlation references): the rejected rules and why.
    public var rejections: [Diagnostic]

    public static func check(_ files: [String]) -> SigmaEngineVerdict {
        let collection = RuleLoader.load(files)
        let ruleSet = RuleSet(
            rules: collection.rules, filters: collection.filters, correlations: collection.correlations, mapping: .builtin)
        let compileErrors = ruleSet.diagnostics.filter { $0.severity == .error }
        // A compile error names the file and the line of the offending item: it belongs to the last rule of that
        // file that starts at or before the line (the first rule of the file when the line comes from a global part).
        var byFile: [String: [Int]] = [:]
        for (index, rule) in collection.rules.enumerated() { byFile[rule.location.file, default: []].append(index) }
        var rejected = Set<Int>()
        for error in compileErrors {
            guard let candidates = byFile[error.location.file], let first = candidates.first else { continue }
            let line = error.location.line ?? 0
            rejected.insert(candidates.last { collection.rules[$0].location.line ?? 0 <= line } ?? first)
        }
        var accepted: [String: [EngineRule]] = [:]
        for (index, rule) in collection.rules.enumerated() where !rejected.contains(index) {
            accepted[rule.location.file, default: []].append(EngineRule(ruleSet: ruleSet, index: index))
        }
        return SigmaEngineVerdict(
            accepted: accepted, rejections: collection.diagnostics.filter { $0.severity == .error } + compileErrors)
    }

    /// Keeps, of one file's coverage rules, those the engine accepted (matched by id, title and logsource, each
    /// engine rule at most once); the engine's reasons replace coverage's own errors for the rules it rejected.
    /// A rule the engine accepted that coverage could not read keeps coverage's reason; one the engine neither
    /// accepted nor rejected is reported: nothing is dropped silently.
    func filter(_ outcome: FileOutcome, file: String) -> FileOutcome {
        var remaining = accepted[file] ?? []
        let own = outcome.diagnostics.filter { $0.severity == .error }
        // Same verdict, better place: where the engine names only the file and coverage's reader found the same
        // problem at a line (a binary file: where the text stops), the line is kept.
        let engineErrors = rejections.filter { $0.location.file == file }.map { error in
            guard error.location.line == nil else { return error }
            return own.first { $0.code == error.code && $0.location.line != nil } ?? error
        }
        var result = FileOutcome(diagnostics: engineErrors + outcome.diagnostics.filter { $0.severity != .error })
        for rule in outcome.rules {
            if let match = remaining.firstIndex(where: { Self.same($0.rule, rule) }) {
                var rule = rule
                rule.engineRule = remaining.remove(at: match)
                result.rules.append(rule)
            } else if engineErrors.isEmpty {
                result.diagnostics.append(
                    Diagnostic(
                        SourceLocation(file: file, item: rule.id), code: "sigma-engine-mismatch",
                        "the Sigma engine did not load '\(rule.title)' and gave no reason; not counted"))
            }
        }
        if !remaining.isEmpty {
            result.diagnostics +=
                own.isEmpty
                ? remaining.map { r in
                    Diagnostic(
                        r.rule.location, code: "sigma-engine-mismatch",
                        "the Sigma engine loads '\(r.rule.title)' but coverage could not read it")
                } : own
        }
        return result
    }

    static func same(_ engine: SigmaRule, _ rule: DetectionRule) -> Bool {
        guard engine.title == rule.title, engine.id.map({ $0 == rule.id }) ?? true else { return false }
        let need = rule.logSources.first
        return engine.logsource.product == need?.product && engine.logsource.category == need?.category
            && engine.logsource.service == need?.service
    }
}

/// A rule as the Sigma engine compiled it: its place in the rule set compiled with it (with the built-in mapping,
/// its repository's filters and correlations), which validation runs as it is.
public struct EngineRule: Sendable {
    public let ruleSet: RuleSet
    public let index: Int

    public var rule: SigmaRule { ruleSet.rules[index] }
}
