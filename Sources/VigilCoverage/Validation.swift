// Validated coverage: a green technique is a claim until a rule mapped to it fires on a simulation of it. Given
// which techniques each simulation (a log file) simulates and what running the rules over them showed, every
// technique is validated, missed or untested, and every rule gets its evidence class.

import VigilCore

/// What the simulations proved about one technique.
public enum ValidationOutcome: String, Sendable, Codable, CaseIterable {
    /// A rule mapped to it (or to one of its sub-techniques) fired on a simulation labelled with it.
    case validated
    /// A simulation labelled with it holds the logs its rules read, the rules ran, and none fired.
    case missed
    /// No simulation of it, or none holding the logs of a rule that runs here.
    case untested
}

/// One rule firing on one simulation: the first event, and how many events it matched there.
public struct ValidationEvidence: Sendable, Codable, Hashable {
    /// Index into the report's rules.
    public var rule: Int
    public var file: String
    /// The event's line in its file (EVTX: its position among the file's records).
    public var line: Int
    /// EVTX: the event's EventRecordID.
    public var recordID: String? = nil
    public var timestamp: String?
    public var eventID: String?
    /// How many events of the file the rule matched.
    public var events: Int
    /// The techniques the file is labelled with.
    public var labels: [String]

    public init(
        rule: Int, file: String, line: Int, recordID: String? = nil, timestamp: String?, eventID: String?, events: Int, labels: [String]
    ) {
        self.rule = rule
        self.file = file
        self.line = line
        self.recordID = recordID
        self.timestamp = timestamp
        self.eventID = eventID
        self.events = events
        self.labels = labels
    }
}

/// The validation of one technique.
public struct TechniqueValidation: Sendable, Codable, Hashable {
    public var outcome: ValidationOutcome
    /// Why, in one line.
    public var reason: String
    /// Files labelled with it or one of its sub-techniques.
    public var simulations: [String]
    /// Rules mapped to it that fired on those files (validated).
    public var evidence: [ValidationEvidence]
    /// Rules mapped to it that ran over those files, whose logs were there, and that did not fire (missed).
    public var expected: [Int]
    /// Rules mapped to it that cannot run here (other repositories' languages).
    public var notExecutable: Int
}

/// What running one rule over every simulation showed.
public enum RuleEvidenceClass: String, Sendable, Codable, CaseIterable {
    /// Fired on a simulation labelled with one of its techniques (or a parent or sub-technique of one).
    case ownTechnique = "own-technique"
    /// Fired, but not on its own techniques' simulations, and on some labelled with other techniques: mis-tagged or broad.
    case otherSimulations = "other-simulations"
    /// Fired only on files without labels: no evidence either way.
    case unlabelledOnly = "unlabelled-only"
    /// Ran and never fired.
    case neverFired = "never-fired"
    /// Not executable here (not a Sigma rule, or one the engine does not run).
    case notExecutable = "not-executable"
}

public struct RuleValidation: Sendable, Codable, Hashable {
    /// Index into the report's rules.
    public var rule: Int
    public var evidence: RuleEvidenceClass
    /// Each simulation it fired on: the first event there.
    public var firedOn: [ValidationEvidence]
}

/// What running the rules over the simulations gave, before it is judged: the input of `Validation.apply`.
public struct SimulationRuns: Sendable {
    /// The simulations, each with its labels.
    public var simulations: [SimulationLabel]
    /// Report rule indices that ran over the simulations.
    public var ran: Set<Int>
    /// Report rule index → its firings, one per file.
    public var fired: [Int: [ValidationEvidence]]
    /// Report rule index → the files in which events of its logsource were.
    public var logsPresent: [Int: Set<String>]
    public var eventsRead: Int

    public init(
        simulations: [SimulationLabel], ran: Set<Int>, fired: [Int: [ValidationEvidence]], logsPresent: [Int: Set<String>], eventsRead: Int
    ) {
        self.simulations = simulations
        self.ran = ran
        self.fired = fired
        self.logsPresent = logsPresent
        self.eventsRead = eventsRead
    }
}

/// The validation of a coverage run: its simulations, per-rule evidence and totals.
public struct ValidationReport: Sendable, Codable {
    public var simulations: [SimulationLabel]
    public var rules: [RuleValidation]
    public var eventsRead: Int
    /// Labelled techniques by outcome (every technique of the run).
    public var counts: ValidationCounts
    public var diagnostics: [Diagnostic]
}

/// Techniques by validation outcome, and how the green ones split.
public struct ValidationCounts: Sendable, Codable, Equatable {
    public var validated = 0
    public var missed = 0
    public var untested = 0
    /// Green techniques validated, and missed.
    public var greenValidated = 0
    public var greenMissed = 0
    public var green = 0

    public init() {}

    /// Share of green techniques validated, 0–100, one decimal.
    public var validatedPercent: Double {
        green == 0 ? 0 : (Double(greenValidated) / Double(green) * 1000).rounded() / 10
    }
}

public enum Validation {
    /// True when technique `a` is `b`, or one is a sub-technique of the other.
    static func related(_ a: String, _ b: String) -> Bool {
        a == b || a.hasPrefix(b + ".") || b.hasPrefix(a + ".")
    }

    /// `label` simulates `technique`: the same, or a sub-technique of it.
    static func simulates(_ label: String, _ technique: String) -> Bool {
        label == technique || label.hasPrefix(technique + ".")
    }

    /// Judges every technique and rule of `report` on what the simulations showed.
    public static func apply(_ runs: SimulationRuns, to report: inout CoverageReport, diagnostics: [Diagnostic] = []) {
        let labelled = runs.simulations.filter { !$0.techniques.isEmpty }
        // Rules by technique they map to (resolved ids), skipping deprecated ones as the status does.
        var rulesOf: [String: [Int]] = [:]
        for (r, rule) in report.rules.enumerated() where !rule.deprecated {
            for t in rule.techniques {
                rulesOf[t, default: []].appendIfAbsent(r)
                if let dot = t.firstIndex(of: ".") { rulesOf[String(t[..<dot]), default: []].appendIfAbsent(r) }
            }
        }
        var counts = ValidationCounts()
        for k in report.techniques.indices {
            let id = report.techniques[k].id
            let files = labelled.filter { $0.techniques.contains { simulates($0, id) } }.map(\.file)
            let rules = rulesOf[id] ?? []
            let validation = judge(id, files: files, rules: rules, runs: runs)
            report.techniques[k].validation = validation
            switch validation.outcome {
            case .validated: counts.validated += 1
            case .missed: counts.missed += 1
            case .untested: counts.untested += 1
            }
            if report.techniques[k].status == .green {
                counts.green += 1
                if validation.outcome == .validated { counts.greenValidated += 1 }
                if validation.outcome == .missed { counts.greenMissed += 1 }
            }
        }
        let labelsOf = Dictionary(runs.simulations.map { ($0.file, $0.techniques) }, uniquingKeysWith: { a, _ in a })
        var ruleResults: [RuleValidation] = []
        for (r, rule) in report.rules.enumerated() {
            let fired = runs.fired[r] ?? []
            let evidence: RuleEvidenceClass
            if !runs.ran.contains(r) {
                evidence = .notExecutable
            } else if fired.isEmpty {
                evidence = .neverFired
            } else if fired.contains(where: { hit in
                (labelsOf[hit.file] ?? []).contains { l in rule.techniques.contains { related($0, l) } }
            }) {
                evidence = .ownTechnique
            } else if fired.contains(where: { !(labelsOf[$0.file] ?? []).isEmpty }) {
                evidence = .otherSimulations
            } else {
                evidence = .unlabelledOnly
            }
            ruleResults.append(RuleValidation(rule: r, evidence: evidence, firedOn: fired))
        }
        report.validation = ValidationReport(
            simulations: runs.simulations, rules: ruleResults, eventsRead: runs.eventsRead, counts: counts, diagnostics: diagnostics)
    }

    static func judge(_ id: String, files: [String], rules: [Int], runs: SimulationRuns) -> TechniqueValidation {
        let notExecutable = rules.count { !runs.ran.contains($0) }
        guard !files.isEmpty else {
            return TechniqueValidation(
                outcome: .untested, reason: "untested: no simulation is labelled with it", simulations: [], evidence: [], expected: [],
                notExecutable: notExecutable)
        }
        let fileSet = Set(files)
        let evidence = rules.flatMap { r in (runs.fired[r] ?? []).filter { fileSet.contains($0.file) } }
        let simulated = "\(counted(files.count, "simulation"))"
        if !evidence.isEmpty {
            let names = Set(evidence.map(\.rule)).count
            return TechniqueValidation(
                outcome: .validated,
                reason: "validated: \(counted(names, "rule")) fired on \(counted(Set(evidence.map(\.file)).count, "simulation")) of it",
                simulations: files, evidence: evidence, expected: [], notExecutable: notExecutable)
        }
        let running = rules.filter { runs.ran.contains($0) }
        let expected = running.filter { !(runs.logsPresent[$0] ?? []).isDisjoint(with: fileSet) }
        if !expected.isEmpty {
            return TechniqueValidation(
                outcome: .missed,
                reason: "MISSED: \(counted(expected.count, "rule")) mapped to it read the logs of its \(simulated) and none fired",
                simulations: files, evidence: [], expected: expected, notExecutable: notExecutable)
        }
        let reason: String
        if running.isEmpty {
            reason =
                "untested: \(simulated) of it, but no rule mapped to it runs here"
                + (notExecutable > 0 ? " (\(notExecutable) of other repositories are not executable here)" : "")
        } else {
            reason = "untested: \(simulated) of it, but none holds the logs its \(counted(running.count, "rule")) read"
        }
        return TechniqueValidation(
            outcome: .untested, reason: reason, simulations: files, evidence: [], expected: [], notExecutable: notExecutable)
    }
}

/// A validation as `vigil coverage --format json` and `--plan` give it: every simulated technique with its outcome and
/// the events that prove it, every rule that fired, and the totals.
public struct ValidationDigest: Sendable, Codable {
    public struct Firing: Sendable, Codable {
        public var rule: String
        public var ruleID: String
        public var rulePath: String
        public var file: String
        public var line: Int
        public var recordID: String?
        public var timestamp: String?
        public var eventID: String?
        public var events: Int
        public var labels: [String]
    }

    public struct Technique: Sendable, Codable {
        public var id: String
        public var name: String
        public var status: CoverageStatus
        public var outcome: ValidationOutcome
        public var reason: String
        public var simulations: [String]
        public var fired: [Firing]
        /// Titles of the rules that read the simulations' logs and did not fire.
        public var expected: [String]
    }

    public struct Rule: Sendable, Codable {
        public var id: String
        public var title: String
        public var path: String
        public var techniques: [String]
        public var evidence: RuleEvidenceClass
        public var firedOn: [Firing]
    }

    public var counts: ValidationCounts
    public var simulations: Int
    public var labelledSimulations: Int
    public var eventsRead: Int
    public var rulesByEvidence: [String: Int]
    /// Techniques with at least one simulation, by ID.
    public var techniques: [Technique]
    /// Rules that fired on any simulation.
    public var rulesFired: [Rule]

    public init?(_ report: CoverageReport) {
        guard let v = report.validation else { return nil }
        func firing(_ e: ValidationEvidence) -> Firing {
            let rule = report.rules[e.rule]
            return Firing(
                rule: rule.title, ruleID: rule.id, rulePath: rule.path, file: e.file, line: e.line, recordID: e.recordID,
                timestamp: e.timestamp, eventID: e.eventID, events: e.events, labels: e.labels)
        }
        counts = v.counts
        simulations = v.simulations.count
        labelledSimulations = v.simulations.count { !$0.techniques.isEmpty }
        eventsRead = v.eventsRead
        var byClass: [String: Int] = [:]
        for r in v.rules { byClass[r.evidence.rawValue, default: 0] += 1 }
        rulesByEvidence = byClass
        techniques = report.techniques.compactMap { t in
            guard let tv = t.validation, !tv.simulations.isEmpty else { return nil }
            return Technique(
                id: t.id, name: t.name, status: t.status, outcome: tv.outcome, reason: tv.reason, simulations: tv.simulations,
                fired: tv.evidence.map(firing), expected: tv.expected.map { report.rules[$0].title })
        }
        rulesFired = v.rules.filter { !$0.firedOn.isEmpty }.map { r in
            let rule = report.rules[r.rule]
            return Rule(
                id: rule.id, title: rule.title, path: rule.path, techniques: rule.techniques, evidence: r.evidence,
                firedOn: r.firedOn.map(firing))
        }
    }
}
