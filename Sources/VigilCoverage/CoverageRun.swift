// One coverage run from its inputs to its outputs, for the CLI, the history store and the web UI:
// load everything (reporting what cannot be read), assess, and summarise.

import VigilAttack
import VigilCore

/// Everything a coverage run reads, loaded and checked.
public struct CoverageInputs: Sendable {
    public var repositories: RepositoryImport
    public var inventory: Inventory
    public var actors: ActorSelection
    public var risks: RiskRegister
    public var map: LogSourceMap
    public var applicability: PlatformApplicability?

    public init(
        repositories: RepositoryImport, inventory: Inventory, actors: ActorSelection, risks: RiskRegister, map: LogSourceMap,
        applicability: PlatformApplicability?
    ) {
        self.repositories = repositories
        self.inventory = inventory
        self.actors = actors
        self.risks = risks
        self.map = map
        self.applicability = applicability
    }

    /// Loads every input. An unusable inventory, map, register or DeTT&CT folder throws; bad rule files
    /// and unknown actors become diagnostics and the run goes on.
    public static func load(
        kb: KnowledgeBase, rules: [String], inventory: String, actors: [String], aims: [String] = [], accept: String?, map mapPath: String?,
        dettectData: String?
    ) throws(Diagnostic) -> CoverageInputs {
        var map = LogSourceMap.builtIn()
        if let mapPath { map = try LogSourceMap.load(path: mapPath) }
        var inv = try Inventory.load(path: inventory, map: map)
        inv.checkDataComponents(against: kb)
        if inv.domain != kb.info.domain {
            throw Diagnostic(
                SourceLocation(file: inventory), code: "inventory-wrong-domain",
                "the inventory is for ATT&CK \(inv.domain.title), the loaded ATT&CK is \(kb.info.domain.title) (use --domain)")
        }
        var selection = ActorSelection()
        for a in actors { selection.add(a, kb: kb) }
        for a in aims { selection.addAim(a, kb: kb) }
        let risks = try accept.map { (p: String) throws(Diagnostic) in try RiskRegister.load(path: p) } ?? RiskRegister()
        let applicability = try dettectData.map { (p: String) throws(Diagnostic) in
            try PlatformApplicability.fromDeTTECT(folder: p, domain: kb.info.domain)
        }
        return CoverageInputs(
            repositories: RuleRepositories.read(rules), inventory: inv, actors: selection, risks: risks, map: map,
            applicability: applicability)
    }
}

/// What `vigil coverage` prints: counts, rules per source, blind rules, the top gaps.
public struct CoverageSummary: Sendable, Codable {
    public var attack: String
    public var inventory: String
    public var threshold: Int
    public var techniques: [String: Int]
    public var greenPercent: Double
    public var rulesBySource: [String: Int]
    /// How many rules (or unreadable rule files) were rejected: the length of `rejectedRules`.
    public var rulesRejected: Int
    /// Every rejected rule with the rejecting reader's reason; none of them counts for anything.
    public var rejectedRules: [RejectedRule]
    /// Rules read a second time (another path, or one file through two paths): each counts once.
    public var rulesReadTwice: Int
    public var blindRules: Int
    public var unresolvedTechniqueIDs: [String]
    public var actors: [String]
    public var topGaps: [GapPlan.Gap]
    public var nextLogSources: [GapPlan.Onboarding]
    /// What the attack simulations proved, when the run was validated on them.
    public var validation: ValidationDigest?
    /// Green techniques that failed their simulation, then green ones never tested, ranked by the actors.
    public var claimedNotProven: [GapPlan.Gap]
    /// The high-value assets the gaps were weighed over (nil: the inventory declares none).
    public var assets: [Asset]? = nil
    public var problems: Int

    public var text: String {
        var out = "ATT&CK \(attack) · inventory \(inventory) · green needs rating ≥ \(threshold)\n\n"
        out += "techniques: " + CoverageStatus.allCases.map { "\(techniques[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        out += " — \(greenPercent)% of those in scope are green\n"
        out += "rules: " + rulesBySource.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        out += "; \(blindRules) blind (logs not collected); \(rulesRejected) rejected"
        out += rulesReadTwice > 0 ? "; \(rulesReadTwice) read twice (counted once)\n" : "\n"
        if !unresolvedTechniqueIDs.isEmpty {
            out += "technique IDs resolving nowhere: \(unresolvedTechniqueIDs.prefix(12).joined(separator: ", "))"
            out += unresolvedTechniqueIDs.count > 12 ? " (+\(unresolvedTechniqueIDs.count - 12))\n" : "\n"
        }
        if !actors.isEmpty { out += "actors: \(actors.joined(separator: ", "))\n" }
        if let digest = validation {
            let v = digest.counts
            out += "simulations: \(digest.labelledSimulations) of \(digest.simulations) files labelled, \(digest.eventsRead) events\n"
            out += "validation: \(v.validated) validated, \(v.missed) missed, \(v.untested) untested"
            out += " — \(v.greenValidated) of \(v.green) green techniques proven by a simulation (\(v.validatedPercent)%)"
            out += v.greenMissed > 0 ? ", \(v.greenMissed) green missed their simulation\n" : "\n"
            let byClass = digest.rulesByEvidence
            out += "rules on simulations: \(byClass["own-technique"] ?? 0) fired on their own technique's, "
            out += "\(byClass["other-simulations"] ?? 0) only on others', \(byClass["unlabelled-only"] ?? 0) only on unlabelled files, "
            out += "\(byClass["never-fired"] ?? 0) never fired, "
            out += "\(byClass["not-executable"] ?? 0) not executable here\n"
        }
        if !claimedNotProven.isEmpty {
            out += "\nclaimed but not proven:\n" + Self.gapTable(claimedNotProven)
        }
        if let assets, !assets.isEmpty {
            out +=
                "assets: "
                + assets.map { "\($0.name) (value \($0.value)" + ($0.holds.isEmpty ? ")" : "; \($0.holds.joined(separator: ", ")))") }
                .joined(separator: ", ") + "\n"
        }
        if !topGaps.isEmpty {
            out += assets == nil ? "\ntop gaps:\n" : "\ntop gaps, by weight over the assets (\(AssetContext.formula)):\n"
            out += Self.gapTable(topGaps)
        }
        if !nextLogSources.isEmpty {
            out += "\nnext log sources to onboard:\n"
            for o in nextLogSources {
                out += "  \(o.dataComponent): turns \(counted(o.techniquesTurningGreen.count, "technique")) green"
                if let gain = o.assetGain {
                    out += ", closes asset-weighted gaps worth \(gain)"
                    if let on = o.assets, !on.isEmpty { out += " on \(on.joined(separator: ", "))" }
                }
                out += o.providers.isEmpty ? "\n" : " (e.g. \(o.providers.prefix(2).joined(separator: "; ")))\n"
            }
        }
        if !rejectedRules.isEmpty {
            out += "\nrejected rules (not counted):\n"
            for r in rejectedRules { out += "  \(r.file):\(r.line ?? 1):\(r.column ?? 1): \(r.reason) [\(r.code)]\n" }
        }
        if problems > 0 { out += "\n\(counted(problems, "problem")) reported on standard error\n" }
        return out
    }

    /// The gaps as an aligned table: technique, status, how many selected actors use it, name, and the reason
    /// for its colour (the layer comment's text).
    /// With assets, a WEIGHT column comes before the name, and each row is followed by the weight's terms.
    static func gapTable(_ gaps: [GapPlan.Gap]) -> String {
        let weighed = gaps.contains { $0.weight != nil }
        let head = ["TECHNIQUE", "STATUS", "ACTORS"] + (weighed ? ["WEIGHT"] : []) + ["NAME", "REASON"]
        let rows =
            [head]
            + gaps.map { g in
                [g.id, g.status.rawValue, String(g.actorWeight)] + (weighed ? [String(g.weight ?? 0)] : []) + [g.name, g.reason]
            }
        let last = head.count - 1
        let widths = (0..<last).map { column in rows.map { $0[column].count }.max() ?? 0 }
        let indent = String(repeating: " ", count: 2 + widths[0] + 2)
        return rows.enumerated().map { i, row in
            var line =
                "  " + (0..<last).map { row[$0].padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined() + row[last] + "\n"
            if i > 0, let terms = gaps[i - 1].terms, !terms.isEmpty { line += indent + "weight: " + GapPlan.termsText(terms) + "\n" }
            return line
        }.joined()
    }
}

/// A rule (or rule file) a reader rejected, and why: for Sigma the engine's verdict, as `vigil rules check` gives it.
public struct RejectedRule: Sendable, Codable, Equatable {
    public var source: RuleSource
    public var file: String
    public var line: Int?
    public var column: Int?
    public var code: String
    public var reason: String

    public init(source: RuleSource, _ diagnostic: Diagnostic) {
        self.source = source
        file = diagnostic.location.file
        line = diagnostic.location.line
        column = diagnostic.location.column
        code = diagnostic.code
        reason = diagnostic.message
    }
}

public enum CoverageRun {
    public struct Result: Sendable {
        public var report: CoverageReport
        public var plan: GapPlan
        public var summary: CoverageSummary
        public var diagnostics: [Diagnostic]
    }

    /// Assesses the inputs; `validate`, when given, runs the rules over simulations and records what they proved in the
    /// report before the plan and summary are made from it, returning its problems.
    public static func assess(
        _ inputs: CoverageInputs, kb: KnowledgeBase, crosswalk: Crosswalk, rater: RuleRater, options: CoverageOptions,
        validate: ((inout CoverageReport) -> [Diagnostic])? = nil
    ) -> Result {
        let rules = inputs.repositories.rules
        let (weights, unresolvedActors) = inputs.actors.weights(kb: kb, crosswalk: crosswalk)
        // Resolution, rating and log mapping are done once; each asset's assessment reuses them.
        let prepared = CoverageAssessment.prepare(
            kb: kb, rules: rules, ratings: rules.map(rater.rate), map: inputs.map, crosswalk: crosswalk)
        func assess(_ inventory: Inventory, keep: (DetectionRule) -> Bool = { _ in true }) -> CoverageReport {
            CoverageAssessment.assess(
                kb: kb, inventory: inventory, prepared: prepared.filter { keep($0.rule) }, map: inputs.map, risks: inputs.risks,
                actorWeights: weights, actorNames: inputs.actors.actors.map(\.name), applicability: inputs.applicability, options: options)
        }
        var report = assess(inputs.inventory)
        AssetAssessment.apply(to: &report, inventory: inputs.inventory, aims: inputs.actors.aims) { assess($0, keep: $1) }
        let aimProblems = AssetAssessment.unheldAims(inputs.actors, assets: inputs.inventory.assets)
        let validationProblems = validate?(&report) ?? []
        let plan = GapPlan(report: report, kb: kb, map: inputs.map)
        var bySource: [String: Int] = [:]
        for r in rules { bySource[r.source.rawValue, default: 0] += 1 }
        let rejected = inputs.repositories.imports.flatMap { i in
            i.diagnostics.filter { $0.severity == .error }.map { RejectedRule(source: i.source, $0) }
        }
        let diagnostics =
            inputs.repositories.allDiagnostics + inputs.actors.diagnostics + aimProblems + unresolvedActors + report.diagnostics
            + validationProblems
        let summary = CoverageSummary(
            attack: plan.attack, inventory: plan.inventory, threshold: options.threshold, techniques: plan.counts,
            greenPercent: plan.greenPercent,
            rulesBySource: bySource, rulesRejected: rejected.count, rejectedRules: rejected,
            rulesReadTwice: inputs.repositories.duplicates.count,
            blindRules: plan.blindRules, unresolvedTechniqueIDs: plan.unresolvedTechniqueIDs, actors: inputs.actors.actors.map(\.name),
            topGaps: Array(plan.gaps.prefix(10)), nextLogSources: Array(plan.onboarding.prefix(5)), validation: ValidationDigest(report),
            claimedNotProven: Array(plan.claimedNotProven.prefix(10)), assets: report.assets?.assets, problems: diagnostics.count)
        return Result(report: report, plan: plan, summary: summary, diagnostics: diagnostics)
    }

    /// Writes a layer as JSON (atomically).
    public static func write(_ layer: NavigatorLayer, to path: String) throws(Diagnostic) {
        try FileBytes.writeAtomically(Array(layerJSON(layer).utf8), to: path)
    }

    public static func layerJSON(_ layer: NavigatorLayer) -> String {
        JSONOutput.encode(layer)
    }
}
