// What changed between two ATT&CK versions: what a team needs to upgrade its rules and layers.

import VigilCore

public struct AttackDiff: Sendable, Codable {
    public struct Item: Sendable, Codable, Hashable {
        public var id: String
        public var kind: String
        public var name: String
        /// For renames: the old name. For revocations: the replacement ID. For moves: old → new tactics.
        public var detail: String?
    }

    public var old: String
    public var new: String
    public var added: [Item] = []
    public var removed: [Item] = []
    public var revoked: [Item] = []
    public var deprecated: [Item] = []
    public var renamed: [Item] = []
    public var movedTactics: [Item] = []
    public var platformChanges: [Item] = []

    public var isEmpty: Bool {
        added.isEmpty && removed.isEmpty && revoked.isEmpty && deprecated.isEmpty && renamed.isEmpty && movedTactics.isEmpty
            && platformChanges.isEmpty
    }

    /// Compares objects by ATT&CK ID and kind. Kinds: techniques, tactics, groups, software, campaigns,
    /// mitigations, data sources and components, detection strategies, assets.
    public init(old a: KnowledgeBase, new b: KnowledgeBase) {
        old = "\(a.info.domain.rawValue) \(a.info.version)"
        new = "\(b.info.domain.rawValue) \(b.info.version)"
        let kinds: Set<ObjectKind> = [
            .technique, .tactic, .group, .software, .campaign, .mitigation, .dataSource, .dataComponent, .detectionStrategy, .asset,
        ]
        func keyed(_ kb: KnowledgeBase) -> [String: Int] {
            var map: [String: Int] = [:]
            for (i, o) in kb.objects.enumerated() where kinds.contains(o.kind) {
                guard let id = o.attackID else { continue }
                let key = o.kind.rawValue + " " + id.uppercased()
                // Where an ID is shared (a rare ATT&CK reuse), the active object wins.
                if let existing = map[key], kb.objects[existing].isActive, !o.isActive { continue }
                map[key] = i
            }
            return map
        }
        let ka = keyed(a)
        let kb = keyed(b)
        func item(_ base: KnowledgeBase, _ i: Int, _ detail: String? = nil) -> Item {
            let o = base.objects[i]
            return Item(id: o.attackID ?? "", kind: o.kindLabel, name: o.name, detail: detail)
        }
        for (key, j) in kb {
            let nb = b.objects[j]
            guard let i = ka[key] else {
                if nb.isActive { added.append(item(b, j)) }
                continue
            }
            let na = a.objects[i]
            if !na.revoked && nb.revoked {
                let replacement = b.replacement(of: j).flatMap { b.objects[$0].attackID }
                revoked.append(item(b, j, replacement.map { "→ \($0)" } ?? "no replacement"))
                continue
            }
            if !na.deprecated && nb.deprecated && !nb.revoked {
                deprecated.append(item(b, j))
                continue
            }
            if na.isActive != nb.isActive, nb.isActive {
                added.append(item(b, j, "reinstated"))
            }
            guard nb.isActive else { continue }
            if na.name != nb.name { renamed.append(item(b, j, "was \"\(na.name)\"")) }
            if nb.kind == .technique, Set(na.tactics) != Set(nb.tactics) {
                movedTactics.append(item(b, j, "\(na.tactics.joined(separator: ", ")) → \(nb.tactics.joined(separator: ", "))"))
            }
            if Set(na.platforms) != Set(nb.platforms), nb.kind == .technique {
                let gained = Set(nb.platforms).subtracting(na.platforms).sorted()
                let lost = Set(na.platforms).subtracting(nb.platforms).sorted()
                var parts: [String] = []
                if !gained.isEmpty { parts.append("+" + gained.joined(separator: ", +")) }
                if !lost.isEmpty { parts.append("-" + lost.joined(separator: ", -")) }
                platformChanges.append(item(b, j, parts.joined(separator: "; ")))
            }
        }
        for (key, i) in ka where kb[key] == nil && a.objects[i].isActive {
            removed.append(item(a, i))
        }
        for keyPath in [\AttackDiff.added, \.removed, \.revoked, \.deprecated, \.renamed, \.movedTactics, \.platformChanges] {
            self[keyPath: keyPath].sort { ($0.kind, $0.id) < ($1.kind, $1.id) }
        }
    }
}
