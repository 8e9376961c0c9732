// Runs a coverage run's Sigma rules over labelled attack simulations with the local engine, file by file (so that
// each firing and each logsource's presence belongs to one simulation), and judges the run with what it showed.

import VigilAttack
import VigilCore
import VigilCoverage
import VigilHunt
import VigilLogs
import VigilSigma

public enum SimulationRunner {
    /// Labels every log file under `paths`, runs every Sigma rule of `report` the engine accepted over each file, and
    /// records in `report` what was validated, missed and untested. Unreadable files and labels are diagnostics;
    /// the run goes on with the rest.
    public static func validate(
        _ report: inout CoverageReport, logs paths: [String], kb: KnowledgeBase, crosswalk: Crosswalk, manifests: [String] = [],
        rules: [DetectionRule]
    ) -> [Diagnostic] {
        let (files, missing) = LogReader.logFiles(paths)
        var labeler = SimulationLabeler(kb: kb, crosswalk: crosswalk, manifests: manifests)
        let labels = files.map { labeler.label($0) }
        var diagnostics = missing + labeler.diagnostics + labeler.unusedManifestEntries()
        // Report rule index ↔ engine rule. The rules of one repository share the rule set the engine compiled when
        // coverage read them: it runs as it is. Rules from several repositories are compiled together anew.
        let engineRules = rules.prefix(report.rules.count).enumerated().compactMap { r, rule in rule.engineRule.map { (r, $0) } }
        let sets = Set(engineRules.map { ObjectIdentifier($0.1.ruleSet) })
        let ruleSet: RuleSet
        var reportIndex: [Int: Int] = [:]
        if sets.count == 1, let shared = engineRules.first?.1.ruleSet {
            ruleSet = shared
            for (r, engine) in engineRules { reportIndex[engine.index] = r }
        } else {
            ruleSet = RuleSet(rules: engineRules.map(\.1.rule), mapping: .builtin)
            for (k, (r, _)) in engineRules.enumerated() { reportIndex[k] = r }
        }
        // Rules of the set that coverage does not count (rejected, read twice) run but report nothing.
        let runnable = Set(ruleSet.activeRules).filter { reportIndex[$0] != nil }
        let perFile = run(files, labels: labels, ruleSet: ruleSet)
        var fired: [Int: [ValidationEvidence]] = [:]
        var present: [Int: Set<String>] = [:]
        var events = 0
        for (f, outcome) in perFile.enumerated() {
            events += outcome.events
            diagnostics += outcome.diagnostics
            for e in outcome.fired {
                guard let r = reportIndex[e.rule] else { continue }
                var evidence = e
                evidence.rule = r
                fired[r, default: []].append(evidence)
            }
            for engine in outcome.withEvents {
                if let r = reportIndex[engine] { present[r, default: []].insert(files[f]) }
            }
        }
        let ran = Set(runnable.compactMap { reportIndex[$0] })
        Validation.apply(
            SimulationRuns(simulations: labels, ran: ran, fired: fired, logsPresent: present, eventsRead: events), to: &report,
            diagnostics: diagnostics)
        return diagnostics
    }

    struct FileOutcome: Sendable {
        var fired: [ValidationEvidence] = []
        /// Engine rule indices whose logsource had events in the file.
        var withEvents: [Int] = []
        var events = 0
        var diagnostics: [Diagnostic] = []
    }

    /// Each file on its own pass, the files spread over all cores.
    static func run(_ files: [String], labels: [SimulationLabel], ruleSet: RuleSet) -> [FileOutcome] {
        let active = Set(ruleSet.activeRules)
        let unmapped = Set(ruleSet.rulesWithoutMapping)
        // Match contexts (and the regexes they compile) serve file after file.
        let shared = MatchContextPool(ruleSet: ruleSet)
        return Parallel.map(Array(files.indices), serialBelow: 2) { f in
            var report = EventStreamReport()
            let contexts = MatchContextPool(ruleSet: ruleSet, borrowingFrom: shared)
            defer { contexts.returnBorrowed() }
            var first: [Int: ValidationEvidence] = [:]
            var order: [Int] = []
            _ = Hunt.run(
                [files[f]], ruleSet: ruleSet, threads: 1, collectFields: false, contexts: contexts, idleLogsources: false, report: &report
            ) { detections in
                for d in detections {
                    if first[d.rule] == nil {
                        order.append(d.rule)
                        first[d.rule] = ValidationEvidence(
                            rule: d.rule, file: files[f], line: d.location.line, recordID: d.location.recordID,
                            timestamp: d.location.timestamp,
                            eventID: d.location.eventID, events: 0, labels: labels[f].techniques)
                    }
                    first[d.rule]!.events += 1
                }
            }
            var outcome = FileOutcome()
            outcome.fired = order.map { first[$0]! }
            if report.events > 0 {
                outcome.withEvents = active.subtracting(unmapped).subtracting(ruleSet.rulesWithoutEvents(contexts.contexts)).sorted()
            }
            outcome.events = report.events
            outcome.diagnostics = report.diagnostics
            return outcome
        }
    }
}
