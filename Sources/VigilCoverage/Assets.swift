// High-value assets: systems (or groups of them) with a value and what they hold or do (`pii`, `database`,
// `identity`, `payments` …), the adversaries' aims, the status of every technique on every asset, and the gap
// weight that combines them:
//
//     weight(t) = Σ over the assets a where t is red or yellow: value(a) × (1 + n(t) + m(t, a))
//
// n(t): the selected actors that use t; m(t, a): those of them after something a holds. An actor after what the
// asset holds counts twice there; with no actor selected, the value of the exposed assets alone ranks the gaps.

import VigilAttack
import VigilCore
import Yams

/// A system or group of systems the organisation values: the unit the gap ranking weighs.
public struct Asset: Sendable, Codable, Equatable {
    public var name: String
    /// 1 (low) to 5 (critical).
    public var value: Int
    /// What it holds or does: lowercased tags (`pii`, `database`, `email`, `identity`, `payments`, `ot`, free tags).
    public var holds: [String]
    /// The inventory systems it is made of.
    public var systems: [String]
    /// Line in the inventory.
    public var line: Int?
    /// The systems no declared asset covers, weighed at value 1 so that their gaps still count.
    public var implicit: Bool = false

    public init(name: String, value: Int, holds: [String], systems: [String], line: Int? = nil, implicit: Bool = false) {
        self.name = name
        self.value = value
        self.holds = holds
        self.systems = systems
        self.line = line
        self.implicit = implicit
    }

    /// The value of an asset that states none (medium).
    public static let defaultValue = 3

    /// The name the implicit asset has.
    public static let otherSystems = "other systems"

    /// Values as words, for inventories that rate assets as critical/high/medium/low.
    public static let valueWords: [String: Int] = ["critical": 5, "high": 4, "medium": 3, "low": 2, "minimal": 1]

    /// A value written as 1–5 or a word; nil when it is neither.
    static func value(_ node: Node) -> Int? {
        if let i = node.int { return (1...5).contains(i) ? i : nil }
        return node.string.flatMap { valueWords[$0.lowercased()] }
    }

    static func tags(_ node: Node?) -> [String] {
        unique(YAMLFiles.texts(node).map { $0.lowercased() })
    }
}

/// The status of one technique on one asset, as an assessment restricted to the asset's systems and the log
/// sources that reach them gives it.
public struct AssetStatus: Sendable, Codable, Equatable {
    public var asset: String
    public var status: CoverageStatus
    public var reason: String
    /// The data components the technique needs that no log source of this asset collects.
    public var missing: [String]
}

/// One term of a gap's weight: one asset where the technique is red or yellow.
public struct GapTerm: Sendable, Codable, Equatable {
    public var asset: String
    public var value: Int
    public var status: CoverageStatus
    /// n(t): the selected actors that use the technique.
    public var actors: Int
    /// The actors that use it and are after something the asset holds, each with what: `FIN7 (payments)`.
    public var aimedActors: [String]
    /// value × (1 + actors + aimed actors).
    public var weight: Int

    /// `DC 5 × (1 + 2 + 1) = 20`.
    public var text: String { "\(asset) \(value) × (1 + \(actors) + \(aimedActors.count)) = \(weight)" }
}

/// Assets, aims and what an asset-restricted assessment found, carried by the report so the plan, the layers,
/// the store and the web pages weigh gaps the same way.
public struct AssetContext: Sendable, Codable {
    /// Declared assets first, then the implicit one when some system belongs to none.
    public var assets: [Asset]
    /// Actor name → what it is after.
    public var aims: [String: [String]]
    /// Asset → data component → the techniques that would turn green there with that component (rules exist, it is
    /// their only missing log).
    public var turningGreen: [String: [String: [String]]]

    public static let formula =
        "weight = Σ over the assets where the technique is red or yellow of value × (1 + actors using it + those of them after what the asset holds)"

    public func asset(_ name: String) -> Asset? { assets.first { $0.name == name } }

    /// The actors among `actors` that are after something `asset` holds, each with the tags: `FIN7 (payments, pii)`.
    public func aimed(_ actors: [String], at asset: Asset) -> [String] {
        actors.compactMap { actor in
            let wanted = (aims[actor] ?? []).filter { asset.holds.contains($0) }
            return wanted.isEmpty ? nil : "\(actor) (\(wanted.joined(separator: ", ")))"
        }
    }

    /// The terms of a technique's weight: one per asset where it is red or yellow.
    public func terms(_ t: TechniqueCoverage) -> [GapTerm] {
        (t.assets ?? []).compactMap { s in
            guard s.status == .red || s.status == .yellow, let a = asset(s.asset) else { return nil }
            return term(t, a, s.status)
        }
    }

    func term(_ t: TechniqueCoverage, _ a: Asset, _ status: CoverageStatus) -> GapTerm {
        let aimed = self.aimed(t.actors, at: a)
        return GapTerm(
            asset: a.name, value: a.value, status: status, actors: t.actors.count, aimedActors: aimed,
            weight: a.value * (1 + t.actors.count + aimed.count))
    }

    public func weight(_ t: TechniqueCoverage) -> Int { terms(t).reduce(0) { $0 + $1.weight } }
}

extension Inventory {
    /// Reads `assets:` entries and `value`/`holds` on systems. Problems are diagnostics with the line; a faulty
    /// asset is skipped and the rest is read.
    mutating func readAssets(_ root: Node.Mapping, path: String) {
        let byName = Dictionary(systems.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        let knownPlatforms = Set(systems.flatMap(\.platforms).map { $0.lowercased() })
        for item in root["systems"]?.sequence ?? [] {
            guard let m = item.mapping, let name = m["name"]?.string, m["value"] != nil || m["holds"] != nil else { continue }
            addAsset(name: name, m, systems: [name], path: path, node: item)
        }
        for item in root["assets"]?.sequence ?? [] {
            guard let m = item.mapping, let name = m["name"]?.string else {
                diagnostics.append(Diagnostic(YAMLFile.location(path, item), code: "asset-invalid", "an asset needs a name; skipped"))
                continue
            }
            var members: [String] = []
            var unknown = false
            for s in YAMLFiles.texts(m["systems"]) {
                if let system = byName[s.lowercased()] {
                    members.append(system.name)
                } else {
                    unknown = true
                    diagnostics.append(
                        Diagnostic(
                            YAMLFile.location(path, m["systems"]), code: "asset-unknown-system",
                            "asset \(name) names unknown system \"\(s)\"; known: \(systems.map(\.name).joined(separator: ", "))"))
                }
            }
            for p in YAMLFiles.texts(m["platforms"]) {
                guard knownPlatforms.contains(p.lowercased()) else {
                    unknown = true
                    diagnostics.append(
                        Diagnostic(
                            YAMLFile.location(path, m["platforms"]), code: "asset-unknown-platform",
                            "asset \(name) names platform \"\(p)\" that no system of the inventory runs"))
                    continue
                }
                members += systems.filter { $0.platforms.contains { $0.lowercased() == p.lowercased() } }.map(\.name)
            }
            if members.isEmpty {
                if !unknown {
                    diagnostics.append(
                        Diagnostic(
                            YAMLFile.location(path, item), code: "asset-invalid", "asset \(name) names no `systems` or `platforms`; skipped"
                        ))
                }
                continue
            }
            addAsset(name: name, m, systems: unique(members), path: path, node: item)
        }
    }

    private mutating func addAsset(name: String, _ m: Node.Mapping, systems members: [String], path: String, node: Node) {
        var value = Asset.defaultValue
        if let v = m["value"] {
            guard let parsed = Asset.value(v) else {
                diagnostics.append(
                    Diagnostic(
                        YAMLFile.location(path, v), code: "asset-value-out-of-range",
                        "asset \(name): value \"\(v.string ?? "")\" is neither 1–5 nor critical, high, medium, low or minimal; asset skipped"
                    ))
                return
            }
            value = parsed
        }
        if assets.contains(where: { $0.name.lowercased() == name.lowercased() }) {
            diagnostics.append(
                Diagnostic(YAMLFile.location(path, node), code: "asset-invalid", "asset \(name) is declared twice; the second is skipped"))
            return
        }
        assets.append(Asset(name: name, value: value, holds: Asset.tags(m["holds"]), systems: members, line: node.mark?.line))
    }

    /// The inventory as one asset sees it: its systems, and the log sources that reach them (restricted to them).
    func restricted(to asset: Asset) -> Inventory {
        var copy = self
        let members = Set(asset.systems.map { $0.lowercased() })
        copy.systems = systems.filter { members.contains($0.name.lowercased()) }
        copy.logSources = logSources.compactMap { source in
            if source.systems.isEmpty { return source }
            var s = source
            s.systems = source.systems.filter { members.contains($0.lowercased()) }
            return s.systems.isEmpty ? nil : s
        }
        copy.assets = []
        copy.diagnostics = []
        return copy
    }

    /// The platforms the systems of an asset run.
    func platforms(of asset: Asset) -> Set<String> {
        let members = Set(asset.systems.map { $0.lowercased() })
        return Set(systems.filter { members.contains($0.name.lowercased()) }.flatMap(\.platforms).map { $0.lowercased() })
    }

    /// Declared assets, and the implicit one of the systems none of them covers.
    var assetsWithRest: [Asset] {
        guard !assets.isEmpty else { return [] }
        let covered = Set(assets.flatMap(\.systems).map { $0.lowercased() })
        let rest = systems.filter { !covered.contains($0.name.lowercased()) }.map(\.name)
        return assets + (rest.isEmpty ? [] : [Asset(name: Asset.otherSystems, value: 1, holds: [], systems: rest, implicit: true)])
    }
}

/// Assesses every asset on its own and records the status of each technique there.
public enum AssetAssessment {
    /// Adds the per-asset status to every technique of `report` and the asset context to the report. Nothing happens
    /// when the inventory declares no asset (the ranking stays the actors' alone).
    /// `assess` assesses an inventory with the rules `keep` keeps.
    public static func apply(
        to report: inout CoverageReport, inventory: Inventory, aims: [String: [String]],
        assess: (Inventory, _ keep: (DetectionRule) -> Bool) -> CoverageReport
    ) {
        let assets = inventory.assetsWithRest
        guard !assets.isEmpty else { return }
        // Each system is assessed on its own, once even when two assets share it: its logs, and the rules whose logs
        // can come from its platforms.
        // `closers`: technique → the data components that would turn it green there.
        var bySystem: [String: (report: CoverageReport, closers: [String: Set<String>])] = [:]
        func system(_ name: String) -> (report: CoverageReport, closers: [String: Set<String>]) {
            if let known = bySystem[name] { return known }
            let one = Asset(name: name, value: 1, holds: [], systems: [name])
            let platforms = inventory.platforms(of: one)
            let r = assess(inventory.restricted(to: one)) { applies($0, on: platforms) }
            var closers: [String: Set<String>] = [:]
            for (dc, ids) in GapPlan.turningGreen(r) { for id in ids { closers[id, default: []].insert(dc) } }
            bySystem[name] = (r, closers)
            return (r, closers)
        }
        var statuses: [String: [AssetStatus]] = [:]
        var turning: [String: [String: [String]]] = [:]
        for asset in assets {
            // Per technique, the status on each system where it applies.
            var onSystems: [String: [(system: String, t: TechniqueCoverage)]] = [:]
            var order: [String] = []
            for name in asset.systems {
                for t in system(name).report.techniques where t.status != .white {
                    if onSystems[t.id] == nil { order.append(t.id) }
                    onSystems[t.id, default: []].append((name, t))
                }
            }
            var closes: [String: [String]] = [:]
            for id in order {
                let found = onSystems[id] ?? []
                // The asset is as exposed as its most exposed system: red over yellow over green.
                let worst = found.map { severity($0.t.status) }.max() ?? 0
                let exposed = found.filter { severity($0.t.status) == worst }
                let status = exposed[0].t.status
                let reason =
                    asset.systems.count == 1
                    ? exposed[0].t.reason : "on \(exposed.map(\.system).joined(separator: ", ")): \(exposed[0].t.reason)"
                let missing = unique(exposed.flatMap { $0.t.visibility?.missing ?? [] })
                statuses[id, default: []].append(AssetStatus(asset: asset.name, status: status, reason: reason, missing: missing))
                guard status == .red || status == .yellow else { continue }
                // A component closes the gap on the asset when it turns the technique green on every system exposed to it.
                let blind = found.filter { $0.t.status == .red || $0.t.status == .yellow }.map(\.system)
                var components: Set<String>? = nil
                for name in blind {
                    let here = system(name).closers[id] ?? []
                    components = components.map { $0.intersection(here) } ?? here
                }
                for dc in components ?? [] { closes[dc, default: []].append(id) }
            }
            turning[asset.name] = closes.mapValues { $0.sorted() }
        }
        for i in report.techniques.indices { report.techniques[i].assets = statuses[report.techniques[i].id] ?? [] }
        report.assets = AssetContext(assets: assets, aims: aims, turningGreen: turning)
    }

    static func severity(_ status: CoverageStatus) -> Int {
        switch status {
        case .red: 2
        case .yellow: 1
        default: 0
        }
    }

    /// A rule can run on an asset unless one of its logs comes from platforms the asset does not run: a Linux auditd
    /// rule says nothing about a Windows domain controller, a CloudTrail rule nothing about a mail server. Logs of
    /// no particular platform (network sensors, applications, other repositories' indexes) can come from any asset.
    static func applies(_ rule: DetectionRule, on platforms: Set<String>) -> Bool {
        rule.logSources.allSatisfy { need in
            guard need.kind == .sigma || need.kind == .windowsEvent else { return true }
            let from = need.kind == .windowsEvent ? ["windows"] : need.product.flatMap { productPlatforms[$0.lowercased()] }
            return from.map { !platforms.isDisjoint(with: $0) } ?? true
        }
    }

    /// Sigma products and the ATT&CK platforms (lowercased) whose systems write their logs: the operating systems,
    /// and the clouds and identity providers SigmaHQ has rules for.
    static let productPlatforms: [String: [String]] = [
        "windows": ["windows"], "linux": ["linux"], "macos": ["macos"],
        "aws": ["iaas"], "gcp": ["iaas", "saas"], "azure": ["iaas", "identity provider", "saas", "office suite"],
        "m365": ["office suite", "saas", "identity provider"], "okta": ["identity provider"], "onelogin": ["identity provider"],
        "google_workspace": ["office suite", "saas", "identity provider"], "github": ["saas"], "bitbucket": ["saas"],
        "kubernetes": ["containers"], "docker": ["containers"],
    ]

    /// Aim tags that no asset holds: each a warning naming where the aim was given.
    public static func unheldAims(_ actors: ActorSelection, assets: [Asset]) -> [Diagnostic] {
        let held = Set(assets.flatMap(\.holds))
        var result: [Diagnostic] = []
        for actor in actors.actors {
            for tag in actor.aims where !held.contains(tag) {
                result.append(
                    Diagnostic(
                        actor.aimsLocation ?? SourceLocation(file: "--aim", item: actor.name), .warning, code: "aim-not-held",
                        "\(actor.name) is after \"\(tag)\", which no asset of the inventory holds"
                            + (held.isEmpty
                                ? " (the inventory declares no asset tags)" : "; assets hold: \(held.sorted().joined(separator: ", "))")))
            }
        }
        return result
    }
}

extension GapPlan {
    /// For each data component, the techniques that would turn green with it: a blind rule rated at the threshold
    /// or above whose only missing need that component meets.
    static func turningGreen(_ report: CoverageReport) -> [String: Set<String>] {
        var gains: [String: Set<String>] = [:]
        for t in report.techniques where t.status != .green && t.status != .white {
            for r in t.blindRules {
                let rule = report.rules[r]
                guard rule.rating >= report.threshold, rule.unmappedLogs.isEmpty else { continue }
                guard let needs = rule.missingComponents, needs.count == 1, let only = needs.first else { continue }
                for dc in only { gains[dc, default: []].insert(t.id) }
            }
        }
        return gains
    }

    /// Adds each component's asset-weighted gain (the weight terms that turn green on every asset) and ranks by it.
    static func weighOnboarding(
        _ overall: [Onboarding], report: CoverageReport, context: AssetContext, providers: (String) -> [String]
    ) -> [Onboarding] {
        let byID = Dictionary(uniqueKeysWithValues: report.techniques.map { ($0.id, $0) })
        var gain: [String: Int] = [:]
        var onAssets: [String: [String]] = [:]
        for asset in context.assets {
            for (dc, ids) in context.turningGreen[asset.name] ?? [:] {
                var sum = 0
                for id in ids {
                    guard let t = byID[id], let s = t.assets?.first(where: { $0.asset == asset.name }) else { continue }
                    sum += context.term(t, asset, s.status).weight
                }
                guard sum > 0 else { continue }
                gain[dc, default: 0] += sum
                onAssets[dc, default: []].append(asset.name)
            }
        }
        var result = overall
        for dc in gain.keys where !result.contains(where: { $0.dataComponent == dc }) {
            result.append(Onboarding(dataComponent: dc, techniquesTurningGreen: [], weightedGain: 0, providers: providers(dc)))
        }
        for i in result.indices {
            result[i].assetGain = gain[result[i].dataComponent] ?? 0
            result[i].assets = onAssets[result[i].dataComponent] ?? []
        }
        return result.sorted {
            ($1.assetGain ?? 0, $1.weightedGain, $0.dataComponent) < ($0.assetGain ?? 0, $0.weightedGain, $1.dataComponent)
        }
    }

    /// One section per declared asset, most valuable first: its red and yellow techniques, those the actors after what
    /// it holds use first.
    static func assetSections(report: CoverageReport, context: AssetContext, limit: Int) -> [AssetSection] {
        let actorsByName = Set(report.actorNames)
        return context.assets.filter { !$0.implicit }.sorted { ($1.value, $0.name) < ($0.value, $1.name) }.map { asset in
            var counts: [String: Int] = [:]
            var gaps: [AssetGap] = []
            for t in report.techniques {
                guard let s = t.assets?.first(where: { $0.asset == asset.name }) else { continue }
                counts[s.status.rawValue, default: 0] += 1
                guard (s.status == .red || s.status == .yellow) && t.accepted == nil else { continue }
                gaps.append(
                    AssetGap(
                        id: t.id, name: t.name, status: s.status, overall: t.status, term: context.term(t, asset, s.status),
                        missing: s.missing, reason: s.reason))
            }
            gaps.sort {
                ($1.term.weight, $0.status == .red ? 0 : 1, $0.id) < ($0.term.weight, $1.status == .red ? 0 : 1, $1.id)
            }
            let aimedBy = context.aimed(actorsByName.sorted(), at: asset)
            return AssetSection(asset: asset, aimedBy: aimedBy, counts: counts, gaps: Array(gaps.prefix(limit)))
        }
    }

    /// `DC red 5 × (1 + 2 + 1) = 20; Mail yellow 4 × (1 + 2 + 0) = 12`.
    public static func termsText(_ terms: [GapTerm]) -> String {
        terms.map { t in
            "\(t.asset) \(t.status.rawValue) \(t.value) × (1 + \(t.actors) + \(t.aimedActors.count)) = \(t.weight)"
                + (t.aimedActors.isEmpty ? "" : " [after it: \(t.aimedActors.joined(separator: ", "))]")
        }.joined(separator: "; ")
    }

    /// The per-asset sections as Markdown.
    var assetsMarkdown: String {
        var out = ""
        for section in assets {
            let a = section.asset
            out += "\n## Asset: \(md(a.name)) (value \(a.value)"
            out += a.holds.isEmpty ? ")\n\n" : "; holds \(a.holds.joined(separator: ", ")))\n\n"
            out += "Systems: \(md(a.systems.joined(separator: ", "))). "
            out +=
                "Techniques that apply here: "
                + CoverageStatus.allCases.compactMap { s in
                    section.counts[s.rawValue].map { "\($0) \(s.rawValue)" }
                }.joined(separator: ", ") + ".\n\n"
            if section.aimedBy.isEmpty {
                out += "No selected adversary is after what it holds. What an adversary could do here that we would not see:\n\n"
            } else {
                out += "After what it holds: \(md(section.aimedBy.joined(separator: "; "))). "
                out += "What they can do here that we would not see, theirs first:\n\n"
            }
            if section.gaps.isEmpty {
                out += "Nothing: every technique that applies is green here.\n"
                continue
            }
            out += "| technique | status here | overall | weight here | actors after it | missing here | reason |\n"
            out += "| --- | --- | --- | --- | --- | --- | --- |\n"
            for g in section.gaps {
                out += "| \(g.id) \(md(g.name)) | \(g.status.rawValue) | \(g.overall.rawValue) | \(g.term.weight) "
                out +=
                    "| \(md(g.term.aimedActors.joined(separator: ", "))) | \(md(g.missing.joined(separator: ", "))) | \(md(g.reason)) |\n"
            }
        }
        return out
    }
}
