// The gap plan: what to do next. Red and yellow techniques ranked by how many of our adversaries use
// them; for each, the missing data components and the log sources that provide them; the next log
// source to onboard, ranked by how many techniques it would turn green with rules already in the
// repositories; techniques no repository has a rule for; accepted risks.

import Foundation
import VigilAttack
import VigilCore

public struct GapPlan: Sendable, Codable {
    public struct Gap: Sendable, Codable {
        public var id: String
        public var name: String
        public var status: CoverageStatus
        public var actorWeight: Int
        public var actors: [String]
        public var reasons: [String]
        /// Why it is red or yellow, in one line: the same text as the technique's comment in the layers. A yellow
        /// technique often misses no data component (its rules are weak, or it lacks a rule), so this says why.
        public var reason: String
        public var missingDataComponents: [String]
        /// Concrete logs that would provide the missing components (Windows channels/events, Sigma logsources).
        public var providers: [String]
        /// What the simulations proved, when the run was validated.
        public var validation: ValidationOutcome?
        /// With high-value assets: the weight that ranks it, and its terms, one per asset where it is red or yellow.
        public var weight: Int? = nil
        public var terms: [GapTerm]? = nil
    }

    /// What an adversary can do on one asset that the SOC would not see there.
    public struct AssetSection: Sendable, Codable {
        public var asset: Asset
        /// The selected actors after something the asset holds, with what: `FIN7 (payments)`.
        public var aimedBy: [String]
        /// Techniques that apply to the asset, by their status there.
        public var counts: [String: Int]
        /// Its red and yellow techniques, those the actors after it use first.
        public var gaps: [AssetGap]
    }

    public struct AssetGap: Sendable, Codable {
        public var id: String
        public var name: String
        /// Its status on the asset, and over the whole estate.
        public var status: CoverageStatus
        public var overall: CoverageStatus
        public var term: GapTerm
        /// Data components it needs that no log source of the asset collects.
        public var missing: [String]
        public var reason: String
    }

    public struct Onboarding: Sendable, Codable {
        public var dataComponent: String
        /// Techniques that would turn green (rules already exist, this is their only missing log).
        public var techniquesTurningGreen: [String]
        /// Sum of actor weights of those techniques (each counts at least 1).
        public var weightedGain: Int
        public var providers: [String]
        /// With high-value assets: the asset-weighted gaps it closes (the sum of the weight terms that turn green)
        /// and the assets where it closes them.
        public var assetGain: Int? = nil
        public var assets: [String]? = nil
    }

    public struct PyramidRow: Sendable, Codable {
        public var tactic: String
        /// Green techniques of the tactic whose best detecting rule sits at each level.
        public var byLevel: [String: Int]
        public var green: Int
        /// Green techniques that stay green if the adversary changes each indicator kind.
        public var survives: [String: Int]
    }

    public var attack: String
    public var inventory: String
    public var counts: [String: Int]
    public var greenPercent: Double
    public var gaps: [Gap]
    public var onboarding: [Onboarding]
    public var noRuleAnywhere: [Gap]
    public var acceptedRisks: [RiskAcceptance]
    public var expiredAcceptances: [String]
    public var pyramid: [PyramidRow]
    public var blindRules: Int
    public var unresolvedTechniqueIDs: [String]
    /// Techniques by validation outcome (nil: the run was not validated).
    public var validation: ValidationCounts?
    /// Green techniques a simulation of which their rules missed, then green ones no simulation tested, each ranked
    /// by the selected actors: coverage claimed but not proven.
    public var claimedNotProven: [Gap]
    /// With high-value assets: how gaps are weighed, and one section per declared asset, most valuable first.
    public var assetFormula: String? = nil
    public var assets: [AssetSection] = []
    /// The assets (the implicit one included), the actors' aims and the onboarding gains per asset, as weighed.
    public var assetContext: AssetContext? = nil

    public init(report: CoverageReport, kb: KnowledgeBase, map: LogSourceMap, limit: Int = 50) {
        attack = "\(report.attack.domain.title) \(report.attack.version)"
        inventory = report.inventoryName
        var counts: [String: Int] = [:]
        for s in CoverageStatus.allCases { counts[s.rawValue] = report.count(s) }
        self.counts = counts
        greenPercent = report.greenPercent
        func providers(_ dcs: [String]) -> [String] {
            var result: [String] = []
            for dc in dcs {
                for entry in map.sigma where entry.dataComponents.contains(where: { $0.lowercased() == dc.lowercased() }) {
                    for w in entry.windows { result.append(w.description) }
                    if entry.windows.isEmpty { result.append("sigma \(entry.logsource)") }
                }
            }
            return unique(result).sorted()
        }
        func gap(_ t: TechniqueCoverage) -> Gap {
            let missing = t.visibility?.missing ?? []
            return Gap(
                id: t.id, name: t.name, status: t.status, actorWeight: t.actors.count, actors: t.actors, reasons: t.reasons,
                reason: t.validation.map { $0.outcome == .missed ? $0.reason + " | " + t.reason : t.reason } ?? t.reason,
                missingDataComponents: missing, providers: Array(providers(missing).prefix(8)), validation: t.validation?.outcome)
        }
        let context = report.assets
        var weights: [String: Int] = [:]
        if let context { for t in report.techniques { weights[t.id] = context.weight(t) } }
        /// Without assets: by the actors that use it, red before yellow. With assets: by weight first.
        func ranked(_ list: [TechniqueCoverage]) -> [TechniqueCoverage] {
            list.sorted {
                (weights[$1.id] ?? 0, $1.actors.count, $0.status == .red ? 1 : 0, $1.id)
                    < (weights[$0.id] ?? 0, $0.actors.count, $1.status == .red ? 1 : 0, $0.id)
            }
        }
        func weighed(_ g: Gap, _ t: TechniqueCoverage) -> Gap {
            guard let context else { return g }
            var g = g
            g.terms = context.terms(t)
            g.weight = weights[t.id] ?? 0
            return g
        }
        // A gap: red or yellow over the estate, or (with assets) red or yellow on some asset though green elsewhere.
        let open = report.techniques.filter {
            $0.accepted == nil && $0.status != .white && ($0.status != .green || (weights[$0.id] ?? 0) > 0)
        }
        gaps = ranked(open).prefix(limit).map { weighed(gap($0), $0) }
        noRuleAnywhere = ranked(
            report.techniques.filter {
                $0.status != .white && $0.detectingRules.isEmpty && $0.weakRules.isEmpty && $0.blindRules.isEmpty
            }
        ).prefix(limit).map { weighed(gap($0), $0) }
        let gains = Self.turningGreen(report)
        let weightOf = Dictionary(uniqueKeysWithValues: report.techniques.map { ($0.id, max($0.actors.count, 1)) })
        var onboarding = gains.map { dc, ids in
            Onboarding(
                dataComponent: dc, techniquesTurningGreen: ids.sorted(), weightedGain: ids.reduce(0) { $0 + (weightOf[$1] ?? 1) },
                providers: Array(providers([dc]).prefix(6)))
        }.sorted { ($1.weightedGain, $0.dataComponent) < ($0.weightedGain, $1.dataComponent) }
        if let context {
            onboarding = Self.weighOnboarding(onboarding, report: report, context: context, providers: { Array(providers([$0]).prefix(6)) })
            assetFormula = AssetContext.formula
            assetContext = context
            assets = Self.assetSections(report: report, context: context, limit: limit)
        }
        self.onboarding = onboarding
        validation = report.validation?.counts
        let unproven = report.techniques.filter { $0.status == .green && $0.validation.map { $0.outcome != .validated } ?? false }
        claimedNotProven =
            unproven.sorted {
                ($0.validation?.outcome == .missed ? 0 : 1, $1.actors.count, $0.id) < (
                    $1.validation?.outcome == .missed ? 0 : 1, $0.actors.count, $1.id
                )
            }
            .prefix(limit).map(gap)
        acceptedRisks = report.techniques.compactMap(\.accepted)
        expiredAcceptances = report.techniques.filter(\.acceptanceExpired).map(\.id)
        blindRules = report.rules.count { !$0.logsCollected && !$0.deprecated }
        unresolvedTechniqueIDs = Array(Set(report.rules.flatMap(\.unresolved))).sorted()
        // Pyramid profile per tactic, in matrix order.
        var rows: [PyramidRow] = []
        for tactic in kb.tactics {
            let short = kb.objects[tactic].tactics.first ?? ""
            let green = report.techniques.filter { $0.status == .green && $0.tactics.contains(short) }
            var byLevel: [String: Int] = [:]
            for level in PyramidLevel.allCases { byLevel[level.key] = 0 }
            for t in green { if let p = t.pyramid { byLevel[p.key, default: 0] += 1 } }
            var survives: [String: Int] = [:]
            for level in [PyramidLevel.hashValues, .ipAddresses, .domainNames, .tools] {
                // The adversary changes every indicator at this level and below: rules keyed on them stop firing.
                survives[level.key] = green.count { t in t.detectingRules.contains { report.rules[$0].pyramid.level > level } }
            }
            rows.append(PyramidRow(tactic: kb.objects[tactic].name, byLevel: byLevel, green: green.count, survives: survives))
        }
        pyramid = rows
    }

    public var markdown: String {
        var out = "# Vigil gap plan\n\nATT&CK \(attack) · inventory: \(inventory)\n\n"
        out += "| status | techniques |\n| --- | --- |\n"
        for s in CoverageStatus.allCases { out += "| \(s.rawValue) | \(counts[s.rawValue] ?? 0) |\n" }
        out += "\n\(greenPercent)% of the techniques in scope are green. "
        out += (blindRules == 1 ? "1 rule is blind (its logs are" : "\(blindRules) rules are blind (their logs are") + " not collected).\n"
        if let v = validation {
            out += "\n## Claimed but not proven\n\n"
            out += "Attack simulations validated \(v.greenValidated) of the \(v.green) green techniques (\(v.validatedPercent)%); "
            out += "\(v.greenMissed) green techniques were simulated and their rules missed. Missed first, then untested, "
            out += "ranked by the adversaries that use them.\n\n"
            out += "| technique | validation | actors | reason |\n| --- | --- | --- | --- |\n"
            for g in claimedNotProven {
                out += "| \(g.id) \(md(g.name)) | \(g.validation?.rawValue ?? "") | \(g.actorWeight) | \(md(g.reason)) |\n"
            }
        }
        // Weighed over assets, the gap and onboarding tables gain their weight columns and the per-asset sections.
        let weighed = assetFormula != nil
        if let formula = assetFormula {
            out += "\n## Gaps, ranked by what they put at risk\n\n"
            out += "Each gap is weighed over the high-value assets where it is red or yellow: \(formula). "
            out += "The weight column shows every term (asset value × (1 + actors + actors after what it holds)).\n\n"
        } else {
            out += "\n## Gaps, ranked by the adversaries that use them\n\n"
        }
        out += "| technique | status |" + (weighed ? " weight | terms |" : "")
        out += " actors | reason | missing data components | logs that provide them |\n"
        out += "| --- | --- |" + (weighed ? " --- | --- |" : "") + " --- | --- | --- | --- |\n"
        for g in gaps {
            out += "| \(g.id) \(md(g.name)) | \(g.status.rawValue) "
            if weighed { out += "| \(g.weight ?? 0) | \(md(Self.termsText(g.terms ?? []))) " }
            out += "| \(g.actorWeight) | \(md(g.reason)) "
            out += "| \(md(g.missingDataComponents.joined(separator: ", "))) | \(md(g.providers.joined(separator: "; "))) |\n"
        }
        if weighed { out += assetsMarkdown }
        out += "\n## Next log sources to onboard\n\nEach would turn techniques green with rules the repositories already have"
        out += weighed ? "; ranked by the asset-weighted gaps they close (the weight terms that turn green, on every asset).\n\n" : ".\n\n"
        out += "| data component | techniques turned green |" + (weighed ? " asset-weighted gain | on assets |" : "")
        out += " weighted gain | provided by |\n"
        out += "| --- | --- |" + (weighed ? " --- | --- |" : "") + " --- | --- |\n"
        for o in onboarding.prefix(20) {
            out +=
                "| \(md(o.dataComponent)) | \(o.techniquesTurningGreen.count): \(o.techniquesTurningGreen.prefix(8).joined(separator: ", ")) "
            if weighed { out += "| \(o.assetGain ?? 0) | \(md((o.assets ?? []).joined(separator: ", "))) " }
            out += "| \(o.weightedGain) | \(md(o.providers.joined(separator: "; "))) |\n"
        }
        out += "\n## No rule in any repository\n\nWrite a rule or deploy a tool for these.\n\n"
        for g in noRuleAnywhere {
            out += "- \(g.id) \(md(g.name))" + (g.actorWeight > 0 ? " (used by \(counted(g.actorWeight, "actor")))" : "") + "\n"
        }
        out +=
            "\n## Pyramid of Pain\n\nGreen techniques per tactic by the most robust indicator their rules key on, and how many stay green when the adversary changes hashes, IPs, domains or tools.\n\n"
        out +=
            "| tactic | green | hash | ip | domain | artifact | tool | ttp | survive hash | survive ip | survive domain | survive tool |\n"
        out += "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        for r in pyramid {
            let levels = PyramidLevel.allCases.map { String(r.byLevel[$0.key] ?? 0) }.joined(separator: " | ")
            let s = ["hash", "ip", "domain", "tool"].map { String(r.survives[$0] ?? 0) }.joined(separator: " | ")
            out += "| \(r.tactic) | \(r.green) | \(levels) | \(s) |\n"
        }
        out += "\n## Accepted risks\n\n"
        if acceptedRisks.isEmpty { out += "None.\n" }
        for a in acceptedRisks {
            out +=
                "- \(a.technique): \(md(a.reason)) — \(md(a.owner)), review by \(a.review)"
                + (expiredAcceptances.contains(a.technique) ? " **EXPIRED**" : "") + "\n"
        }
        if !unresolvedTechniqueIDs.isEmpty {
            out += "\n## Technique IDs in rules that resolve nowhere\n\n" + unresolvedTechniqueIDs.joined(separator: ", ") + "\n"
        }
        return out
    }

    /// Escapes text for a Markdown table cell.
    func md(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}

extension GapPlan.Gap {
    /// Plans saved before the reason column existed carry only `reasons`: the reason is made from them.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        status = try c.decode(CoverageStatus.self, forKey: .status)
        actorWeight = try c.decode(Int.self, forKey: .actorWeight)
        actors = try c.decode([String].self, forKey: .actors)
        reasons = try c.decode([String].self, forKey: .reasons)
        reason = try c.decodeIfPresent(String.self, forKey: .reason) ?? TechniqueCoverage.reason(reasons)
        missingDataComponents = try c.decode([String].self, forKey: .missingDataComponents)
        providers = try c.decode([String].self, forKey: .providers)
        validation = try c.decodeIfPresent(ValidationOutcome.self, forKey: .validation)
        weight = try c.decodeIfPresent(Int.self, forKey: .weight)
        terms = try c.decodeIfPresent([GapTerm].self, forKey: .terms)
    }
}

extension GapPlan {
    /// Plans saved before validation existed have no claimed-but-not-proven list.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        attack = try c.decode(String.self, forKey: .attack)
        inventory = try c.decode(String.self, forKey: .inventory)
        counts = try c.decode([String: Int].self, forKey: .counts)
        greenPercent = try c.decode(Double.self, forKey: .greenPercent)
        gaps = try c.decode([Gap].self, forKey: .gaps)
        onboarding = try c.decode([Onboarding].self, forKey: .onboarding)
        noRuleAnywhere = try c.decode([Gap].self, forKey: .noRuleAnywhere)
        acceptedRisks = try c.decode([RiskAcceptance].self, forKey: .acceptedRisks)
        expiredAcceptances = try c.decode([String].self, forKey: .expiredAcceptances)
        pyramid = try c.decode([PyramidRow].self, forKey: .pyramid)
        blindRules = try c.decode(Int.self, forKey: .blindRules)
        unresolvedTechniqueIDs = try c.decode([String].self, forKey: .unresolvedTechniqueIDs)
        validation = try c.decodeIfPresent(ValidationCounts.self, forKey: .validation)
        claimedNotProven = try c.decodeIfPresent([Gap].self, forKey: .claimedNotProven) ?? []
        assetFormula = try c.decodeIfPresent(String.self, forKey: .assetFormula)
        assets = try c.decodeIfPresent([AssetSection].self, forKey: .assets) ?? []
        assetContext = try c.decodeIfPresent(AssetContext.self, forKey: .assetContext)
    }
}
