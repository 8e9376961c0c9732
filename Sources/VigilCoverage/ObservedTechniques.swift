// What a hunt saw, in ATT&CK terms: the techniques its detections map to (with hosts, first and last time and the
// rules that fired), as a Navigator layer, and the known groups whose techniques overlap them most — a lead for the
// hunter, not attribution.

import VigilAttack
import VigilCore

public struct ObservedTechniques: Sendable {
    public struct Technique: Sendable, Codable {
        public var id: String
        public var name: String
        public var detections: Int
        public var hosts: [String]
        public var first: String?
        public var last: String?
        /// Rule title → detections, most first.
        public var rules: [RuleCount]
    }

    public struct RuleCount: Sendable, Codable {
        public var rule: String
        public var detections: Int
    }

    /// A known group and how its techniques overlap the observed ones.
    public struct GroupMatch: Sendable, Codable {
        public var id: String
        public var name: String
        /// Jaccard similarity of the two sets of techniques, both taken at the technique level (a sub-technique
        /// counts as its parent): |shared| / |observed ∪ group|.
        public var similarity: Double
        public var shared: [String]
        /// Observed techniques the group is not known to use.
        public var lacks: [String]
        public var groupTechniques: Int
    }

    struct Tally {
        var detections = 0
        var hosts: Set<String> = []
        var first: String?
        var last: String?
        var rules: [String: Int] = [:]
    }

    private var tallies: [String: Tally] = [:]

    public init() {}

    /// Counts one detection of a rule mapped to `techniques` (resolved IDs) on `host` at `time`.
    public mutating func add(techniques: [String], rule: String, host: String?, time: String?) {
        for id in techniques {
            var t = tallies[id] ?? Tally()
            t.detections += 1
            if let host, !host.isEmpty { t.hosts.insert(host) }
            if let time, !time.isEmpty {
                if t.first.map({ time < $0 }) ?? true { t.first = time }
                if t.last.map({ time > $0 }) ?? true { t.last = time }
            }
            t.rules[rule, default: 0] += 1
            tallies[id] = t
        }
    }

    public var isEmpty: Bool { tallies.isEmpty }

    /// The observed techniques, most detections first.
    public func techniques(kb: KnowledgeBase) -> [Technique] {
        tallies.map { id, t in
            Technique(
                id: id, name: kb.objects(attackID: id, kind: .technique).first.map { kb.objects[$0].name } ?? id, detections: t.detections,
                hosts: t.hosts.sorted(), first: t.first, last: t.last,
                rules: t.rules.map { RuleCount(rule: $0.key, detections: $0.value) }.sorted {
                    ($1.detections, $0.rule) < ($0.detections, $1.rule)
                })
        }
        .sorted { ($1.detections, $0.id) < ($0.detections, $1.id) }
    }

    /// `T1003.001` → `T1003`.
    static func parent(_ id: String) -> String { id.split(separator: ".").first.map(String.init) ?? id }

    /// Known groups ranked by Jaccard similarity of technique sets (at the technique level), among `candidates` (group,
    /// campaign or software indices) or all active groups.
    public func closestGroups(kb: KnowledgeBase, candidates: [Int]? = nil, limit: Int = 10) -> [GroupMatch] {
        let observed = Set(tallies.keys.map(Self.parent))
        guard !observed.isEmpty else { return [] }
        let pool = candidates ?? kb.objects.indices.filter { kb.objects[$0].kind == .group && kb.objects[$0].isActive }
        var matches: [GroupMatch] = []
        for g in pool {
            let used = Set(
                kb.related(g, .uses, incoming: false).filter { kb.objects[$0].kind == .technique && kb.objects[$0].isActive }.compactMap {
                    kb.objects[$0].attackID.map(Self.parent)
                })
            let shared = observed.intersection(used)
            guard !shared.isEmpty else { continue }
            let similarity = Double(shared.count) / Double(observed.union(used).count)
            matches.append(
                GroupMatch(
                    id: kb.objects[g].attackID ?? "", name: kb.objects[g].name, similarity: (similarity * 1000).rounded() / 1000,
                    shared: shared.sorted(), lacks: observed.subtracting(used).sorted(), groupTechniques: used.count))
        }
        return Array(matches.sorted { ($1.similarity, $0.id) < ($0.similarity, $1.id) }.prefix(limit))
    }

    /// A Navigator 4.5 layer of the observed techniques: score = detections, comment = hosts, first and last time,
    /// top rules; the closest groups in the description.
    public func layer(kb: KnowledgeBase, name: String, groups: [GroupMatch]) -> NavigatorLayer {
        let observed = techniques(kb: kb)
        let most = Double(observed.map(\.detections).max() ?? 1)
        var layer = NavigatorLayer(
            name: name, versions: .init(attack: String(kb.info.version.split(separator: ".").first ?? "18")),
            domain: kb.info.domain.rawValue,
            description:
                "Techniques the hunt's detections map to; score = detections."
                + (groups.isEmpty
                    ? ""
                    : " Closest known groups by Jaccard similarity of techniques (a lead, not attribution): "
                        + groups.prefix(5).map { "\($0.name) \($0.id) \($0.similarity)" }.joined(separator: "; ")),
            filters: .init(platforms: []), techniques: [],
            gradient: .init(colors: ["#fff7ec", "#fc8d59", "#b30000"], minValue: 0, maxValue: max(most, 1)), legendItems: [],
            metadata: [
                .init(name: "generated by", value: "Vigil hunt"),
                .init(name: "ATT&CK", value: "\(kb.info.domain.title) \(kb.info.version)"),
            ])
        layer.filters.platforms = Array(
            Set(observed.flatMap { t in kb.objects(attackID: t.id, kind: .technique).flatMap { kb.objects[$0].platforms } })
        )
        .sorted()
        for t in observed {
            var comment =
                "\(counted(t.detections, "detection")) on \(counted(t.hosts.count, "host")): " + t.hosts.prefix(5).joined(separator: ", ")
            if let first = t.first, let last = t.last { comment += " · \(first) – \(last)" }
            comment += " · " + t.rules.prefix(3).map { "\($0.rule) (\($0.detections))" }.joined(separator: "; ")
            layer.techniques.append(
                NavigatorLayer.Technique(
                    techniqueID: t.id, tactic: nil, score: Double(t.detections), color: "", comment: comment,
                    metadata: t.rules.prefix(10).map { .init(name: "rule", value: "\($0.rule) (\($0.detections))") }
                        + t.hosts.prefix(10).map { .init(name: "host", value: $0) }, links: []))
        }
        layer.legendItems = [.init(label: "1 detection", color: "#fff7ec"), .init(label: "\(Int(most)) detections", color: "#b30000")]
        for g in groups.prefix(10) {
            layer.metadata.append(.init(name: "closest group", value: "\(g.name) (\(g.id)): \(g.similarity), shares \(g.shared.count)"))
        }
        return layer
    }
}
