// The ATT&CK knowledge base of one domain and version: objects, relationships and the indexes that
// answer "what is T1059", "who uses it", "what detects it" without scanning.

import VigilCore

/// Where a knowledge base came from and what it is.
public struct KnowledgeBaseInfo: Sendable, Codable {
    public var domain: Domain
    public var version: String
    /// `2.0` (mitre/cti) or `2.1` (attack-stix-data); `index` for Vigil's embedded index.
    public var specVersion: String
    public var source: String
    /// True when descriptions and detection texts are available (a full bundle, not the index).
    public var hasProse: Bool
    public var modified: String?
    public var name: String?
}

public struct KnowledgeBase: Sendable {
    public var info: KnowledgeBaseInfo
    public internal(set) var objects: [AttackObject] = []
    public internal(set) var relationships: [Relationship] = []
    /// Objects whose STIX type Vigil does not model (kept and counted, not fatal).
    public internal(set) var unknownTypes: [String: Int] = [:]
    /// Problems found while loading (missing fields, dangling references, …).
    public internal(set) var diagnostics: [Diagnostic] = []

    /// Relationship indices by source and by target object.
    public internal(set) var outgoing: [[Int]] = []
    public internal(set) var incoming: [[Int]] = []
    var byStixID: [String: Int] = [:]
    var byAttackID: [String: [Int]] = [:]
    var byName: [String: [Int]] = [:]
    /// Buffers that lazy texts point into (the bundle's bytes).
    var retained: [[UInt8]] = []

    public init(info: KnowledgeBaseInfo) { self.info = info }

    // MARK: Building

    /// Adds an object and returns its index. Later objects with the same STIX id replace earlier ones.
    @discardableResult
    mutating func add(_ object: AttackObject) -> Int {
        if let existing = byStixID[object.stixID] {
            objects[existing] = object
            return existing
        }
        let index = objects.count
        objects.append(object)
        byStixID[object.stixID] = index
        return index
    }

    /// Builds the adjacency lists and the lookup indexes. Call once after all objects and relationships are in.
    mutating func finish() {
        outgoing = Array(repeating: [], count: objects.count)
        incoming = Array(repeating: [], count: objects.count)
        for (i, r) in relationships.enumerated() {
            outgoing[r.source].append(i)
            incoming[r.target].append(i)
        }
        byAttackID = [:]
        byName = [:]
        byAttackID.reserveCapacity(objects.count)
        for (i, object) in objects.enumerated() {
            if let id = object.attackID { byAttackID[id.uppercased(), default: []].append(i) }
            byName[object.name.lowercased(), default: []].append(i)
            for alias in object.aliases where alias.lowercased() != object.name.lowercased() {
                byName[alias.lowercased(), default: []].append(i)
            }
        }
    }

    // MARK: Lookup

    public func index(stixID: String) -> Int? { byStixID[stixID] }

    /// Objects with this ATT&CK ID (case-insensitive); active ones first.
    public func objects(attackID: String, kind: ObjectKind? = nil) -> [Int] {
        (byAttackID[attackID.uppercased()] ?? []).filter { kind == nil || objects[$0].kind == kind }
            .sorted { objects[$0].isActive && !objects[$1].isActive }
    }

    /// Objects whose name or alias equals `name` (case-insensitive); active ones first.
    public func objects(named name: String) -> [Int] {
        (byName[name.lowercased()] ?? []).sorted { objects[$0].isActive && !objects[$1].isActive }
    }

    public func objects(kind: ObjectKind, activeOnly: Bool = true) -> [Int] {
        objects.indices.filter { objects[$0].kind == kind && (!activeOnly || objects[$0].isActive) }
    }

    /// Text of a lazily kept description, decoded now.
    func text(_ lazy: LazyText?) -> String? {
        guard let lazy else { return nil }
        return retained[Int(lazy.source)].withUnsafeBytes { raw in
            let slice = UnsafeRawBufferPointer(rebasing: raw[Int(lazy.start)..<Int(lazy.end)])
            return lazy.escaped ? JSONString.unescape(slice) : String(decoding: slice, as: UTF8.self)
        }
    }

    public func description(of index: Int) -> String? { text(objects[index].description) }
    public func detectionText(of index: Int) -> String? { text(objects[index].detectionText) }

    /// Related objects: follow relationships of `type` from `index` (outgoing) or to it (incoming).
    public func related(_ index: Int, _ type: RelationshipType, incoming isIncoming: Bool, includeInactive: Bool = false) -> [Int] {
        let edges = isIncoming ? incoming[index] : outgoing[index]
        var result: [Int] = []
        for e in edges {
            let r = relationships[e]
            guard r.type == type, includeInactive || r.isActive else { continue }
            let other = isIncoming ? r.source : r.target
            if includeInactive || objects[other].isActive || type == .revokedBy { result.append(other) }
        }
        return result
    }

    // MARK: Domain views

    /// Tactics in matrix order (the first matrix that lists tactics; for Mobile the main matrix).
    public var tactics: [Int] {
        let matrices = objects(kind: .matrix).sorted { objects[$0].refs.count > objects[$1].refs.count }
        if let main = matrices.first, !objects[main].refs.isEmpty { return objects[main].refs.filter { objects[$0].isActive } }
        return objects(kind: .tactic)
    }

    public func tactic(shortname: String) -> Int? {
        objects.indices.first { objects[$0].kind == .tactic && objects[$0].isActive && objects[$0].tactics.first == shortname }
    }

    /// Parent technique of a sub-technique.
    public func parent(of index: Int) -> Int? { related(index, .subtechniqueOf, incoming: false).first }

    public func subtechniques(of index: Int) -> [Int] {
        related(index, .subtechniqueOf, incoming: true).sorted { (objects[$0].attackID ?? "") < (objects[$1].attackID ?? "") }
    }

    /// The object that replaces a revoked one, following chains (bounded, so a cycle cannot hang).
    public func replacement(of index: Int) -> Int? {
        var current = index
        var seen: Set<Int> = [index]
        while objects[current].revoked, let next = related(current, .revokedBy, incoming: false, includeInactive: true).first {
            guard seen.insert(next).inserted else { break }
            current = next
        }
        return current == index ? nil : current
    }

    /// Counts for `attack info` and tests. Active means neither revoked nor deprecated.
    public struct Counts: Sendable, Codable, Equatable {
        public var objects = 0
        public var techniques = 0
        public var subtechniques = 0
        public var tactics = 0
        public var groups = 0
        public var groupsAll = 0
        public var software = 0
        public var campaigns = 0
        public var mitigations = 0
        public var dataSources = 0
        public var dataComponents = 0
        public var detectionStrategies = 0
        public var analytics = 0
        public var assets = 0
        public var revokedTechniques = 0
        public var deprecatedTechniques = 0
        public var relationships = 0
        public var detects = 0
        /// Where `detects` relationships come from: `detection-strategy` (v18) or `data-component` (v17).
        public var detectsFrom: [String: Int] = [:]
    }

    public var counts: Counts {
        var c = Counts()
        c.objects = objects.count
        for o in objects {
            switch o.kind {
            case .technique:
                if o.revoked { c.revokedTechniques += 1 } else if o.deprecated { c.deprecatedTechniques += 1 }
                if o.isActive { if o.isSubtechnique { c.subtechniques += 1 } else { c.techniques += 1 } }
            case .tactic: if o.isActive { c.tactics += 1 }
            case .group:
                c.groupsAll += 1
                if o.isActive { c.groups += 1 }
            case .software: if o.isActive { c.software += 1 }
            case .campaign: if o.isActive { c.campaigns += 1 }
            case .mitigation: if o.isActive { c.mitigations += 1 }
            case .dataSource: if o.isActive { c.dataSources += 1 }
            case .dataComponent: if o.isActive { c.dataComponents += 1 }
            case .detectionStrategy: if o.isActive { c.detectionStrategies += 1 }
            case .analytic: if o.isActive { c.analytics += 1 }
            case .asset: if o.isActive { c.assets += 1 }
            default: break
            }
        }
        c.relationships = relationships.count
        for r in relationships where r.type == .detects {
            c.detects += 1
            c.detectsFrom[objects[r.source].kind.rawValue, default: 0] += 1
        }
        return c
    }
}
