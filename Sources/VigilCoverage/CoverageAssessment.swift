// The status of every technique — green, yellow, red, white — derived from the rules a SOC runs and
// the logs it collects, each colour with its reasons. A rule counts as detection only where the logs
// it needs are collected; otherwise it is a blind rule.

import VigilAttack
import VigilCore
import VigilSigma

public enum CoverageStatus: String, Sendable, Codable, CaseIterable {
    /// A rule on collected logs with a rating at or above the threshold.
    case green
    /// Rules exist but their logs are missing, or only low-rated/experimental rules, or visibility without detection.
    case yellow
    /// No rule, and the data to write one is not collected.
    case red
    /// Not assessed: out of scope (no system of its platforms), excluded, or nothing known.
    case white
}

/// One rule after ATT&CK resolution and log checks.
public struct RuleVerdict: Sendable, Codable {
    public var source: RuleSource
    public var id: String
    public var title: String
    public var path: String
    /// Resolved technique IDs on the loaded ATT&CK version.
    public var techniques: [String]
    /// IDs as written that resolved through revocation or the crosswalk, with how.
    public var remapped: [String]
    /// IDs that resolved nowhere.
    public var unresolved: [String]
    public var severity: Severity?
    public var rating: Int
    public var ratingReason: String
    public var status: String?
    public var deprecated: Bool
    /// The logs it needs are collected (every need satisfied by the inventory).
    public var logsCollected: Bool
    /// Needs that are not collected, each with the data components that would satisfy it.
    public var missingLogs: [String]
    /// For each missing need, the data components any one of which would satisfy it
    /// (optional so that snapshots saved before it existed still decode).
    public var missingComponents: [[String]]?
    /// Needs Vigil cannot map to data components.
    public var unmappedLogs: [String]
    public var pyramid: PyramidClassification
}

public struct TechniqueCoverage: Sendable, Codable {
    public var id: String
    public var name: String
    public var tactics: [String]
    public var platforms: [String]
    public var isSubtechnique: Bool
    public var status: CoverageStatus
    public var reasons: [String]
    /// Highest rating among rules that detect it on collected logs (0 = none).
    public var detectionScore: Int
    public var visibility: TechniqueVisibility?
    /// Indices into the report's rules: detecting, blind (logs missing), weak (below threshold or experimental).
    public var detectingRules: [Int]
    public var blindRules: [Int]
    public var weakRules: [Int]
    public var accepted: RiskAcceptance?
    public var acceptanceExpired: Bool
    public var actors: [String]
    /// The most robust Pyramid-of-Pain level among the rules that detect it.
    public var pyramid: PyramidLevel?
    /// What running the rules over labelled attack simulations proved (nil: no validation in this run).
    public var validation: TechniqueValidation? = nil
    /// Its status on each high-value asset where it applies (nil: the inventory declares no asset).
    public var assets: [AssetStatus]? = nil

    /// Why it has its colour, in one line: the layer comment and the gap plan's reason column.
    public var reason: String { Self.reason(reasons) }

    static func reason(_ reasons: [String]) -> String { reasons.joined(separator: " | ") }
}

public struct CoverageReport: Sendable {
    public var attack: KnowledgeBaseInfo
    public var inventoryName: String
    public var threshold: Int
    public var techniques: [TechniqueCoverage]
    public var rules: [RuleVerdict]
    public var diagnostics: [Diagnostic]
    public var actorNames: [String]
    /// The simulations and per-rule evidence of a validated run (nil: no validation).
    public var validation: ValidationReport? = nil
    /// The assets, the actors' aims and what each asset's own assessment found (nil: no asset declared).
    public var assets: AssetContext? = nil

    public func count(_ status: CoverageStatus, subtechniques: Bool = true) -> Int {
        techniques.count { $0.status == status && (subtechniques || !$0.isSubtechnique) }
    }

    /// Share of in-scope (non-white) techniques that are green, 0–100.
    public var greenPercent: Double {
        let scoped = techniques.filter { $0.status != .white }
        guard !scoped.isEmpty else { return 0 }
        return (Double(scoped.count { $0.status == .green }) / Double(scoped.count) * 1000).rounded() / 10
    }
}

public struct CoverageOptions: Sendable {
    /// Minimum rating (1–5) for a rule to count as detection.
    public var threshold = 3
    /// Today's date (YYYY-MM-DD) for risk-acceptance review dates.
    public var today: String
    public var experimentalStatuses: Set<String> = ["experimental", "development", "unsupported"]

    public init(threshold: Int = 3, today: String) {
        self.threshold = threshold
        self.today = today
    }
}

/// What an assessment knows of a rule whatever the inventory: its techniques resolved on the loaded ATT&CK, its
/// rating, its Pyramid-of-Pain level and the data components each of its logs maps to. Made once per run, so that
/// assessing each high-value asset on its own repeats only what depends on the inventory.
public struct PreparedRule: Sendable {
    public var rule: DetectionRule
    var rating: RuleRating
    var techniques: [String]
    var remapped: [String]
    var unresolved: [String]
    /// Knowledge-base indices of the techniques.
    var indices: [Int]
    var diagnostics: [Diagnostic]
    var pyramid: PyramidClassification
    /// Per log need, the data components it maps to (nil: unmapped).
    var components: [[String]?]
}

public enum CoverageAssessment {
    /// Resolves, rates and classifies every rule, and maps its logs to data components.
    public static func prepare(
        kb: KnowledgeBase, rules: [DetectionRule], ratings: [RuleRating], map: LogSourceMap, crosswalk: Crosswalk
    ) -> [PreparedRule] {
        var resolutions: [String: Resolution] = [:]
        return rules.enumerated().map { r, rule in
            var prepared = PreparedRule(
                rule: rule,
                rating: r < ratings.count
                    ? ratings[r] : RuleRating(severity: rule.severity ?? .medium, rating: 1, reason: "not rated", origin: .fallback),
                techniques: [], remapped: [], unresolved: [], indices: [], diagnostics: [], pyramid: PyramidClassifier.classify(rule),
                components: rule.logSources.map { map.dataComponents(for: $0) })
            for id in rule.techniqueIDs {
                let resolution: Resolution
                if let known = resolutions[id] {
                    resolution = known
                } else {
                    resolution = kb.resolveTechnique(id, crosswalk: crosswalk)
                    resolutions[id] = resolution
                }
                if let i = resolution.index, let rid = kb.objects[i].attackID {
                    if !prepared.indices.contains(i) {
                        prepared.indices.append(i)
                        prepared.techniques.append(rid)
                    }
                    if resolution.outcome != .exact { prepared.remapped.append(resolution.note) }
                } else {
                    prepared.unresolved.append(id)
                    prepared.diagnostics.append(
                        Diagnostic(
                            SourceLocation(file: rule.path, item: rule.id), .warning, code: "rule-technique-unresolved", resolution.note))
                }
            }
            return prepared
        }
    }

    public static func assess(
        kb: KnowledgeBase, inventory: Inventory, rules: [DetectionRule], ratings: [RuleRating], map: LogSourceMap, crosswalk: Crosswalk,
        risks: RiskRegister = RiskRegister(), actorWeights: [Int: [String]] = [:], actorNames: [String] = [],
        applicability: PlatformApplicability? = nil, options: CoverageOptions
    ) -> CoverageReport {
        assess(
            kb: kb, inventory: inventory, prepared: prepare(kb: kb, rules: rules, ratings: ratings, map: map, crosswalk: crosswalk),
            map: map,
            risks: risks, actorWeights: actorWeights, actorNames: actorNames, applicability: applicability, options: options)
    }

    /// Assesses prepared rules on an inventory.
    public static func assess(
        kb: KnowledgeBase, inventory: Inventory, prepared: [PreparedRule], map: LogSourceMap, risks: RiskRegister = RiskRegister(),
        actorWeights: [Int: [String]] = [:], actorNames: [String] = [], applicability: PlatformApplicability? = nil,
        options: CoverageOptions
    ) -> CoverageReport {
        let visibility = VisibilityModel(kb: kb, inventory: inventory, applicability: applicability)
        let collected = CollectedComponents(inventory: inventory)
        var diagnostics: [Diagnostic] = []
        let present = inventory.logSources.filter(VisibilityModel.isPresent)
        var verdicts: [RuleVerdict] = []
        var rulesByTechnique: [Int: [Int]] = [:]
        verdicts.reserveCapacity(prepared.count)
        for p in prepared {
            let rule = p.rule
            diagnostics += p.diagnostics
            var missing: [String] = []
            var missingComponents: [[String]] = []
            var unmapped: [String] = []
            for (need, dcs) in zip(rule.logSources, p.components) {
                if satisfied(need, components: dcs, present: present, collected: collected) { continue }
                if let dcs {
                    missing.append("\(need) (needs \(dcs.joined(separator: " or ")))")
                    missingComponents.append(dcs)
                } else {
                    unmapped.append(need.description)
                }
            }
            let verdict = RuleVerdict(
                source: rule.source, id: rule.id, title: rule.title, path: rule.path, techniques: p.techniques, remapped: p.remapped,
                unresolved: p.unresolved,
                severity: p.rating.severity, rating: p.rating.rating, ratingReason: p.rating.reason, status: rule.status,
                deprecated: rule.deprecated,
                logsCollected: missing.isEmpty && unmapped.isEmpty && !rule.logSources.isEmpty, missingLogs: missing,
                missingComponents: missingComponents,
                unmappedLogs: unmapped,
                pyramid: p.pyramid)
            for i in p.indices { rulesByTechnique[i, default: []].append(verdicts.count) }
            verdicts.append(verdict)
        }

        let scope = Set(inventory.platforms.map { $0.lowercased() })
        let exceptions = Set(inventory.exceptions.map { $0.uppercased() })
        var acceptances: [String: RiskAcceptance] = [:]
        for a in risks.acceptances {
            if let id = TechniqueID(a.technique) { acceptances[id.description] = a }
        }
        var techniques: [TechniqueCoverage] = []
        var byIndex: [Int: Int] = [:]
        for (i, o) in kb.objects.enumerated() where o.kind == .technique && o.isActive {
            let id = o.attackID ?? ""
            var t = TechniqueCoverage(
                id: id, name: o.name, tactics: o.tactics, platforms: o.platforms, isSubtechnique: o.isSubtechnique, status: .white,
                reasons: [],
                detectionScore: 0, visibility: visibility.visibility(of: i), detectingRules: [], blindRules: [], weakRules: [],
                accepted: acceptances[id],
                acceptanceExpired: acceptances[id]?.isExpired(today: options.today) ?? false, actors: actorWeights[i] ?? [], pyramid: nil)
            for v in rulesByTechnique[i] ?? [] where !verdicts[v].deprecated {
                let verdict = verdicts[v]
                if !verdict.logsCollected {
                    t.blindRules.append(v)
                } else if verdict.rating < options.threshold || options.experimentalStatuses.contains(verdict.status?.lowercased() ?? "") {
                    t.weakRules.append(v)
                } else {
                    t.detectingRules.append(v)
                }
            }
            t.detectionScore = (t.detectingRules + t.weakRules).map { verdicts[$0].rating }.max() ?? 0
            t.pyramid = t.detectingRules.map { verdicts[$0].pyramid.level }.max()
            let inScope = scope.isEmpty || !Set(o.platforms.map { $0.lowercased() }).isDisjoint(with: scope)
            let visScore = t.visibility?.score ?? 0
            if exceptions.contains(id.uppercased()) {
                t.status = .white
                t.reasons.append("excluded by the inventory's exceptions")
            } else if !inScope {
                t.status = .white
                t.reasons.append("not assessed: no system in the inventory runs \(o.platforms.joined(separator: ", "))")
            } else if !t.detectingRules.isEmpty {
                t.status = .green
                let best = t.detectingRules.max { verdicts[$0].rating < verdicts[$1].rating }!
                t.reasons.append(
                    "\(counted(t.detectingRules.count, "rule")) on collected logs with rating ≥ \(options.threshold), best: \(verdicts[best].title) (\(verdicts[best].source.rawValue), rating \(verdicts[best].rating))"
                )
            } else if !t.weakRules.isEmpty {
                t.status = .yellow
                t.reasons.append(
                    "only low-rated or experimental rules (\(t.weakRules.count)); tune or mature them to rating ≥ \(options.threshold)")
            } else if !t.blindRules.isEmpty {
                t.status = .yellow
                let missing = Set(t.blindRules.flatMap { verdicts[$0].missingLogs + verdicts[$0].unmappedLogs }).sorted()
                t.reasons.append(
                    (t.blindRules.count == 1 ? "1 rule exists" : "\(t.blindRules.count) rules exist")
                        + " but their logs are not collected: " + missing.prefix(3).joined(separator: "; "))
            } else if visScore > 0 {
                t.status = .yellow
                t.reasons.append("visibility \(visScore)/4 without a detection rule: write one")
            } else if (t.visibility?.needed.isEmpty ?? true) {
                t.status = .white
                t.reasons.append("ATT&CK names no data component for it; not assessed")
            } else {
                t.status = .red
                t.reasons.append(
                    "no rule, and none of its data components is collected (needs: \(t.visibility!.needed.joined(separator: ", ")))")
            }
            if let a = t.accepted {
                t.reasons.append(
                    "risk accepted by \(a.owner) until \(a.review): \(a.reason)" + (t.acceptanceExpired ? " — EXPIRED, review it" : ""))
            }
            if !t.actors.isEmpty { t.reasons.append("used by \(counted(t.actors.count, "selected actor"))") }
            byIndex[i] = techniques.count
            techniques.append(t)
        }
        // A parent without its own detection but with detected sub-techniques is partly covered.
        for (i, pos) in byIndex.sorted(by: { $0.key < $1.key })
        where !kb.objects[i].isSubtechnique && techniques[pos].status != .green && techniques[pos].status != .white {
            let subs = kb.subtechniques(of: i).compactMap { byIndex[$0] }
            let green = subs.filter { techniques[$0].status == .green }
            if !green.isEmpty {
                techniques[pos].status = .yellow
                techniques[pos].reasons.append("\(green.count) of \(counted(subs.count, "sub-technique")) detected")
            }
        }
        for a in risks.acceptances
        where TechniqueID(a.technique).map({ kb.objects(attackID: $0.description, kind: .technique).isEmpty }) ?? true {
            diagnostics.append(
                Diagnostic(
                    SourceLocation(file: risks.source, line: a.line), .warning, code: "accept-unknown-technique",
                    "\(a.technique) is not in ATT&CK \(kb.info.version)"))
        }
        techniques.sort { $0.id < $1.id }
        return CoverageReport(
            attack: kb.info, inventoryName: inventory.name, threshold: options.threshold, techniques: techniques, rules: verdicts,
            diagnostics: diagnostics + risks.diagnostics + inventory.diagnostics, actorNames: actorNames)
    }

    /// A need is satisfied by a collected data component it maps to, or directly by the inventory
    /// (the same Sigma logsource, an overlapping Windows event set), with two limits:
    /// - a need whose logs an operating system writes (Sigma product `windows`, `linux` or `macos`, a Windows channel)
    ///   takes the component only from a log source on a system of that platform: Windows Sysmon's network
    ///   connections do not make a Linux rule's logs collected;
    /// - a need on another product's logs (`azure`, `m365`, `aws`, `zeek`, `okta` …) is satisfied only when a log
    ///   source lists that product among its Sigma logsources: CloudTrail's account changes are not Entra ID's. An
    ///   inventory that lists no Sigma logsource at all (a DeTT&CT file) is judged by data components alone.
    static func satisfied(_ need: LogSourceNeed, present: [CollectedLogSource], collected: CollectedComponents, map: LogSourceMap)
        -> Bool
    {
        satisfied(need, components: map.dataComponents(for: need), present: present, collected: collected)
    }

    /// The same, with the need's data components (`map.dataComponents(for: need)`) already looked up.
    static func satisfied(_ need: LogSourceNeed, components: [String]?, present: [CollectedLogSource], collected: CollectedComponents)
        -> Bool
    {
        switch need.kind {
        case .sigma:
            let wanted = SigmaLogsource(product: need.product, category: need.category, service: need.service)
            if present.contains(where: {
                $0.sigma.contains { $0 == wanted || ($0.category != nil && $0.product == wanted.product && $0.category == wanted.category) }
            }) {
                return true
            }
            if let product = wanted.product, CollectedComponents.sigmaProductPlatforms[product] == nil,
                collected.speaksSigma, !present.contains(where: { $0.sigma.contains { $0.product == product } })
            {
                return false
            }
        case .windowsEvent:
            if let channel = need.product {
                let wanted = WindowsEventSet(channel: channel, eventIDs: need.eventIDs)
                if present.contains(where: { $0.windows.contains { $0.overlaps(wanted) } }) { return true }
            }
        default: break
        }
        guard let dcs = components else { return false }
        let platforms = CollectedComponents.platforms(of: need)
        return dcs.contains { collected.contains($0, on: platforms) }
    }
}

/// The data components the inventory's present log sources collect, on the platforms of the systems they cover.
struct CollectedComponents {
    /// Lowercased component → the platforms it is collected on.
    private var platformsByComponent: [String: Set<String>] = [:]
    /// Some present log source lists Sigma logsources (a Vigil inventory rather than a DeTT&CT file).
    private(set) var speaksSigma = false

    init(inventory: Inventory) {
        speaksSigma = inventory.logSources.contains { VisibilityModel.isPresent($0) && !$0.sigma.isEmpty }
        let systems = Dictionary(inventory.systems.map { ($0.name, $0.platforms) }, uniquingKeysWith: { a, _ in a })
        let everywhere = inventory.platforms
        for source in inventory.logSources where VisibilityModel.isPresent(source) {
            // A source naming no system (or only unknown ones) covers every system.
            let named = Set(source.systems.flatMap { systems[$0] ?? [] })
            let platforms = named.isEmpty ? everywhere : named
            for component in source.dataComponents { platformsByComponent[component.lowercased(), default: []].formUnion(platforms) }
        }
    }

    /// Collected on any of `platforms` (nil: anywhere).
    func contains(_ component: String, on platforms: [String]?) -> Bool {
        guard let on = platformsByComponent[component.lowercased()] else { return false }
        guard let platforms else { return true }
        return platforms.contains { on.contains($0) }
    }

    /// The ATT&CK platforms whose systems write a need's logs, or nil when the need does not say (a category
    /// without product, network products such as Zeek or a firewall, other repositories' needs).
    static func platforms(of need: LogSourceNeed) -> [String]? {
        switch need.kind {
        case .sigma: return need.product.flatMap { sigmaProductPlatforms[$0.lowercased()] }
        case .windowsEvent: return ["Windows"]
        default: return nil
        }
    }

    /// The Sigma products that are operating systems (SigmaHQ's taxonomy), and their ATT&CK platforms. Any other
    /// product names whose logs they are (a cloud, a sensor, an application).
    static let sigmaProductPlatforms: [String: [String]] = ["windows": ["Windows"], "linux": ["Linux"], "macos": ["macOS"]]
}
