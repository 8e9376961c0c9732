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
        // Report rule index ↔ engine rule: the coverage run's rules are in the report's order.
        var engineRules: [SigmaRule] = []
        var reportIndex: [Int] = []
        for (r, rule) in rules.enumerated() where r < report.rules.count {
            guard let engine = rule.engineRule else { continue }
            engineRules.append(engine)
            reportIndex.append(r)
        }
        let ruleSet = RuleSet(rules: engineRules, mapping: .builtin)
        let runnable = Set(ruleSet.activeRules)
        let perFile = run(files, labels: labels, ruleSet: ruleSet)
        var fired: [Int: [ValidationEvidence]] = [:]
        var present: [Int: Set<String>] = [:]
        var events = 0
        for (f, outcome) in perFile.enumerated() {
            events += outcome.events
            diagnostics += outcome.diagnostics
            for e in outcome.fired {
                var evidence = e
                evidence.rule = reportIndex[e.rule]
                fired[evidence.rule, default: []].append(evidence)
            }
            for r in outcome.withEvents { present[reportIndex[r], default: []].insert(files[f]) }
        }
        let ran = Set(runnable.map { reportIndex[$0] })
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
        return Parallel.map(Array(files.indices), serialBelow: 2) { f in
            var report = EventStreamReport()
            var first: [Int: ValidationEvidence] = [:]
            var order: [Int] = []
            let result = Hunt.run([files[f]], ruleSet: ruleSet, threads: 1, collectFields: false, report: &report) { detections in
                for d in detections {
                    if first[d.rule] == nil {
                        order.append(d.rule)
                        first[d.rule] = ValidationEvidence(
                            rule: d.rule, file: files[f], line: d.location.line, timestamp: d.location.timestamp,
                            eventID: d.location.eventID, events: 0, labels: labels[f].techniques)
                    }
                    first[d.rule]!.events += 1
                }
            }
            let idle = Set(result.logsourcesWithoutEvents.flatMap(\.rules) + ruleSet.unmappedLogsources.flatMap(\.rules))
            var outcome = FileOutcome()
            outcome.fired = order.map { first[$0]! }
            outcome.withEvents = report.events > 0 ? active.subtracting(idle).sorted() : []
            outcome.events = report.events
            outcome.diagnostics = report.diagnostics
            return outcome
        }
    }
}
