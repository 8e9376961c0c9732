// Everything ATT&CK says about one object, gathered for `vigil attack show` and the JSON API.

import VigilCore

/// A reference to another object, as shown in listings.
public struct ObjectRef: Sendable, Codable, Hashable {
    public var id: String
    public var name: String
    public var kind: String
    public var revoked: Bool?
    public var deprecated: Bool?

    init(_ kb: KnowledgeBase, _ i: Int) {
        let o = kb.objects[i]
        id = o.attackID ?? o.stixID
        name = o.name
        kind = o.kindLabel
        revoked = o.revoked ? true : nil
        deprecated = o.deprecated ? true : nil
    }
}

/// An analytic of a detection strategy with the log sources it reads (ATT&CK v18 model).
public struct AnalyticDetail: Sendable, Codable {
    public var id: String
    public var platforms: [String]
    public var logSources: [LogSourceDetail]
}

public struct LogSourceDetail: Sendable, Codable, Hashable {
    public var dataComponent: ObjectRef?
    public var name: String
    public var channel: String
}

public struct DetectionStrategyDetail: Sendable, Codable {
    public var strategy: ObjectRef
    public var analytics: [AnalyticDetail]
}

public struct ObjectDetail: Sendable, Codable {
    public var id: String
    public var stixID: String?
    public var name: String
    public var kind: String
    public var url: String?
    public var revoked: Bool
    public var deprecated: Bool
    public var replacedBy: ObjectRef?
    public var aliases: [String]
    public var platforms: [String]
    public var tactics: [String]
    public var parent: ObjectRef?
    public var subtechniques: [ObjectRef]
    public var description: String?
    /// Techniques: data components that detect it (v17 directly; v18 through analytics' log sources).
    public var dataComponents: [ObjectRef]
    public var detectionStrategies: [DetectionStrategyDetail]
    public var mitigations: [ObjectRef]
    public var usedBy: [ObjectRef]
    /// Groups, software, campaigns: the techniques and software they use. Mitigations: techniques mitigated.
    /// Data components and strategies: the techniques they detect. Tactics: their techniques.
    public var techniques: [ObjectRef]
    public var software: [ObjectRef]
    public var groups: [ObjectRef]
    public var campaigns: [ObjectRef]
    public var logSources: [LogSourceDetail]
    public var assets: [ObjectRef]
}

extension KnowledgeBase {
    func refs(_ indices: [Int]) -> [ObjectRef] {
        var seen = Set<Int>()
        return indices.filter { seen.insert($0).inserted }.map { ObjectRef(self, $0) }.sorted { ($0.kind, $0.id) < ($1.kind, $1.id) }
    }

    /// Techniques each detection strategy detects, and for v18 the strategies detecting each data component.
    func techniquesDetected(by index: Int) -> [Int] { related(index, .detects, incoming: false) }

    /// Data components that detect a technique: v17 `detects` from components; v18 via strategies → analytics.
    public func dataComponents(detecting technique: Int) -> [Int] {
        var result: [Int] = []
        for source in related(technique, .detects, incoming: true) {
            switch objects[source].kind {
            case .dataComponent: result.append(source)
            case .detectionStrategy:
                for analytic in objects[source].refs where objects[analytic].isActive {
                    result.append(contentsOf: objects[analytic].logSources.compactMap(\.dataComponent))
                }
            default: break
            }
        }
        var seen = Set<Int>()
        return result.filter { seen.insert($0).inserted }
    }

    /// Techniques a data component makes visible (v17 directly; v18 through analytics that read it).
    public func techniques(detectedBy component: Int) -> [Int] {
        var result = related(component, .detects, incoming: false)
        if result.isEmpty {
            for (i, o) in objects.enumerated() where o.kind == .detectionStrategy && o.isActive {
                let reads = o.refs.contains { a in objects[a].logSources.contains { $0.dataComponent == component } }
                if reads { result.append(contentsOf: related(i, .detects, incoming: false)) }
            }
        }
        return result
    }

    func logSourceDetails(_ sources: [LogSourceReference]) -> [LogSourceDetail] {
        sources.map { LogSourceDetail(dataComponent: $0.dataComponent.map { ObjectRef(self, $0) }, name: $0.name, channel: $0.channel) }
    }

    public func detail(of i: Int) -> ObjectDetail {
        let o = objects[i]
        var d = ObjectDetail(
            id: o.attackID ?? o.stixID, stixID: o.stixID.hasPrefix("index--") ? nil : o.stixID, name: o.name, kind: o.kindLabel, url: o.url,
            revoked: o.revoked, deprecated: o.deprecated, replacedBy: replacement(of: i).map { ObjectRef(self, $0) }, aliases: o.aliases,
            platforms: o.platforms, tactics: o.tactics, parent: nil, subtechniques: [], description: description(of: i), dataComponents: [],
            detectionStrategies: [], mitigations: [], usedBy: [], techniques: [], software: [], groups: [], campaigns: [],
            logSources: logSourceDetails(o.logSources), assets: [])
        let usesOut = related(i, .uses, incoming: false)
        switch o.kind {
        case .technique:
            d.parent = parent(of: i).map { ObjectRef(self, $0) }
            d.subtechniques = refs(subtechniques(of: i))
            d.dataComponents = refs(dataComponents(detecting: i))
            d.detectionStrategies = related(i, .detects, incoming: true).filter { objects[$0].kind == .detectionStrategy }.map { s in
                DetectionStrategyDetail(
                    strategy: ObjectRef(self, s),
                    analytics: objects[s].refs.filter { objects[$0].isActive }.map { a in
                        AnalyticDetail(
                            id: objects[a].attackID ?? objects[a].stixID, platforms: objects[a].platforms,
                            logSources: logSourceDetails(objects[a].logSources))
                    })
            }
            d.mitigations = refs(related(i, .mitigates, incoming: true))
            let users = related(i, .uses, incoming: true)
            d.groups = refs(users.filter { objects[$0].kind == .group })
            d.software = refs(users.filter { objects[$0].kind == .software })
            d.campaigns = refs(users.filter { objects[$0].kind == .campaign })
            d.assets = refs(related(i, .targets, incoming: false))
        case .group, .campaign, .software:
            d.techniques = refs(usesOut.filter { objects[$0].kind == .technique })
            d.software = refs(usesOut.filter { objects[$0].kind == .software })
            let users = related(i, .uses, incoming: true)
            if o.kind == .software {
                d.groups = refs(users.filter { objects[$0].kind == .group })
                d.campaigns = refs(users.filter { objects[$0].kind == .campaign })
            }
            if o.kind == .group { d.campaigns = refs(related(i, .attributedTo, incoming: true)) }
            if o.kind == .campaign { d.groups = refs(related(i, .attributedTo, incoming: false)) }
        case .mitigation:
            d.techniques = refs(related(i, .mitigates, incoming: false))
        case .dataComponent:
            d.techniques = refs(techniques(detectedBy: i))
        case .detectionStrategy:
            d.techniques = refs(techniquesDetected(by: i))
            d.detectionStrategies = [
                DetectionStrategyDetail(
                    strategy: ObjectRef(self, i),
                    analytics: o.refs.map { a in
                        AnalyticDetail(
                            id: objects[a].attackID ?? objects[a].stixID, platforms: objects[a].platforms,
                            logSources: logSourceDetails(objects[a].logSources))
                    })
            ]
        case .tactic:
            let short = o.tactics.first ?? ""
            d.techniques = refs(
                objects.indices.filter {
                    objects[$0].kind == .technique && objects[$0].isActive && !objects[$0].isSubtechnique
                        && objects[$0].tactics.contains(short)
                })
        case .asset:
            d.techniques = refs(related(i, .targets, incoming: true))
        case .dataSource:
            d.techniques = []
            d.dataComponents = refs(objects.indices.filter { objects[$0].kind == .dataComponent && objects[$0].refs.contains(i) })
        default:
            break
        }
        return d
    }

    /// A search hit: the object and why it matched.
    public struct SearchHit: Sendable, Codable {
        public var ref: ObjectRef
        public var matched: String
        public var rank: Int
    }

    /// Case-insensitive search over ATT&CK IDs, names and aliases; exact before prefix before substring, active first.
    public func search(_ text: String, kinds: Set<ObjectKind>? = nil, includeInactive: Bool = false, limit: Int = 50) -> [SearchHit] {
        let needle = text.lowercased()
        guard !needle.isEmpty else { return [] }
        var hits: [SearchHit] = []
        for (i, o) in objects.enumerated() {
            if let kinds, !kinds.contains(o.kind) { continue }
            if !includeInactive && !o.isActive { continue }
            if o.kind == .analytic || o.kind == .matrix || o.kind == .collection { continue }
            var best: (Int, String)? = nil
            func consider(_ value: String, _ label: String, _ base: Int) {
                let v = value.lowercased()
                let rank: Int
                if v == needle {
                    rank = base
                } else if v.hasPrefix(needle) {
                    rank = base + 10
                } else if v.contains(needle) {
                    rank = base + 20
                } else {
                    return
                }
                if best == nil || rank < best!.0 { best = (rank, label) }
            }
            if let id = o.attackID { consider(id, "id", 0) }
            consider(o.name, "name", 1)
            for alias in o.aliases { consider(alias, "alias \(alias)", 2) }
            if let best { hits.append(SearchHit(ref: ObjectRef(self, i), matched: best.1, rank: best.0 + (o.isActive ? 0 : 100))) }
        }
        hits.sort { ($0.rank, $0.ref.kind, $0.ref.id) < ($1.rank, $1.ref.kind, $1.ref.id) }
        return Array(hits.prefix(limit))
    }
}
