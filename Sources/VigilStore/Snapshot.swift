// A snapshot of coverage at one moment: what ATT&CK said, which rules and logs the SOC had, and the
// colour of every technique. The store keeps snapshots so a team can see coverage move sprint by sprint.

import Foundation
import VigilAttack
import VigilCore
import VigilCoverage

/// One row of `vigil history`: a snapshot without its techniques and rules.
public struct SnapshotSummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var label: String?
    /// ISO 8601, UTC.
    public var createdAt: String
    public var attackDomain: String
    public var attackVersion: String
    public var inventoryName: String
    public var threshold: Int
    public var actors: [String]
    /// Where the inputs came from (rule folders, inventory, ratings, risk register): free text for people.
    public var inputs: [String: String]
    public var greenPercent: Double
    public var counts: StatusCounts
    public var ruleCount: Int
    public var techniqueCount: Int
    public var logSourceCount: Int
    /// Status counts per tactic (tactic shortname), in-scope and all.
    public var tactics: [TacticCounts]
    /// Techniques by validation outcome, when the run was validated on attack simulations.
    public var validation: ValidationCounts? = nil

    /// `#id` or `#id label`.
    public var name: String { "#\(id)" + (label.map { " \($0)" } ?? "") }
}

public struct StatusCounts: Sendable, Codable, Equatable {
    public var green = 0
    public var yellow = 0
    public var red = 0
    public var white = 0

    public init() {}

    public subscript(_ status: CoverageStatus) -> Int {
        get {
            switch status {
            case .green: green
            case .yellow: yellow
            case .red: red
            case .white: white
            }
        }
        set {
            switch status {
            case .green: green = newValue
            case .yellow: yellow = newValue
            case .red: red = newValue
            case .white: white = newValue
            }
        }
    }

    /// Share of in-scope (non-white) techniques that are green, 0–100, one decimal.
    public var greenPercent: Double {
        let scoped = green + yellow + red
        return scoped == 0 ? 0 : (Double(green) / Double(scoped) * 1000).rounded() / 10
    }
}

public struct TacticCounts: Sendable, Codable, Equatable {
    /// ATT&CK shortname (`initial-access`).
    public var tactic: String
    public var counts: StatusCounts
}

/// A rule as the store keeps it: the verdict plus a content hash, so an edit shows in a diff.
public struct StoredRule: Sendable, Codable {
    public var verdict: RuleVerdict
    /// SHA-256 of the rule file when Vigil could read it, else of the rule's assessed fields.
    public var contentHash: String
    /// `file` or `fields`: what `contentHash` was computed over.
    public var hashOf: String

    /// Identity across snapshots: the source and the source's own id.
    public var key: String { Self.key(verdict) }
    static func key(_ v: RuleVerdict) -> String { v.source.rawValue + ":" + v.id }
}

/// A collected log source as the store keeps it.
public struct StoredLogSource: Sendable, Codable, Equatable {
    public var name: String
    public var products: [String]
    public var systems: [String]
    public var dataComponents: [String]
    /// Mean of DeTT&CT's five quality dimensions (0–5), when the inventory gives them.
    public var quality: Double?
    public var available: Bool

    public init(_ source: CollectedLogSource) {
        name = source.name
        products = source.products
        systems = source.systems
        dataComponents = source.dataComponents
        quality = source.quality?.average
        available = source.available
    }

    public init(name: String, products: [String], systems: [String], dataComponents: [String], quality: Double?, available: Bool) {
        self.name = name
        self.products = products
        self.systems = systems
        self.dataComponents = dataComponents
        self.quality = quality
        self.available = available
    }
}

/// Everything one snapshot holds. Techniques' rule indices point into `rules`, as in a `CoverageReport`.
public struct Snapshot: Sendable, Codable {
    public var summary: SnapshotSummary
    public var techniques: [TechniqueCoverage]
    public var rules: [StoredRule]
    public var logSources: [StoredLogSource]
    public var plan: GapPlan?
    /// Navigator layers as built when the snapshot was taken, by `LayerKind` raw value (JSON text).
    public var layers: [String: String]

    public func technique(_ id: String) -> TechniqueCoverage? {
        let upper = id.uppercased()
        return techniques.first { $0.id == upper }
    }
}

/// What a caller says about a coverage run besides the report itself.
public struct SnapshotInputs: Sendable {
    public var label: String?
    /// Free text for people: `rules`, `inventory`, `ratings`, `accept`, `actors`, …
    public var sources: [String: String]
    /// Folders the rule paths are relative to, tried in order to hash each rule file.
    public var ruleRoots: [String]
    public var inventory: Inventory?
    /// Defaults to now.
    public var date: Date

    public init(
        label: String? = nil, sources: [String: String] = [:], ruleRoots: [String] = [], inventory: Inventory? = nil, date: Date = Date()
    ) {
        self.label = label
        self.sources = sources
        self.ruleRoots = ruleRoots
        self.inventory = inventory
        self.date = date
    }
}

extension Snapshot {
    /// Builds a snapshot from a coverage report: the gap plan and all six Navigator layers are computed
    /// now, so the store can serve exactly what this run saw even after ATT&CK or the map change.
    public init(report: CoverageReport, kb: KnowledgeBase, map: LogSourceMap, inputs: SnapshotInputs) {
        var counts = StatusCounts()
        for t in report.techniques { counts[t.status] += 1 }
        var byTactic: [String: StatusCounts] = [:]
        for t in report.techniques {
            for tactic in t.tactics { byTactic[tactic, default: StatusCounts()][t.status] += 1 }
        }
        let order = kb.tactics.compactMap { kb.objects[$0].tactics.first }
        var tactics = order.compactMap { name in byTactic[name].map { TacticCounts(tactic: name, counts: $0) } }
        for (name, c) in byTactic.sorted(by: { $0.key < $1.key }) where !order.contains(name) {
            tactics.append(TacticCounts(tactic: name, counts: c))
        }
        let rules = report.rules.map { verdict in
            let (hash, of) = RuleHashing.hash(verdict, roots: inputs.ruleRoots)
            return StoredRule(verdict: verdict, contentHash: hash, hashOf: of)
        }
        let logSources = inputs.inventory?.logSources.map(StoredLogSource.init) ?? []
        summary = SnapshotSummary(
            id: 0, label: inputs.label, createdAt: ISO8601DateFormatter().string(from: inputs.date),
            attackDomain: report.attack.domain.rawValue, attackVersion: report.attack.version, inventoryName: report.inventoryName,
            threshold: report.threshold, actors: report.actorNames, inputs: inputs.sources, greenPercent: report.greenPercent,
            counts: counts, ruleCount: rules.count, techniqueCount: report.techniques.count, logSourceCount: logSources.count,
            tactics: tactics, validation: report.validation?.counts)
        techniques = report.techniques
        self.rules = rules
        self.logSources = logSources
        plan = GapPlan(report: report, kb: kb, map: map)
        var layers: [String: String] = [:]
        for kind in LayerKind.allCases where kind.applies(to: report) {
            layers[kind.rawValue] = JSONText.encode(LayerBuilder.build(kind, report: report, kb: kb))
        }
        self.layers = layers
    }
}

/// Content hashes of rules: the file's bytes when it can be found, else the fields the assessment used.
enum RuleHashing {
    static func hash(_ verdict: RuleVerdict, roots: [String]) -> (String, String) {
        for candidate in candidates(verdict.path, roots: roots) {
            if let bytes = try? FileBytes.read(candidate) { return (SHA256.hex(bytes), "file") }
        }
        let fields = [
            verdict.source.rawValue, verdict.id, verdict.title, verdict.techniques.joined(separator: ","),
            verdict.severity?.rawValue ?? "", String(verdict.rating), verdict.status ?? "", String(verdict.deprecated),
            (verdict.missingLogs + verdict.unmappedLogs).joined(separator: ";"),
        ]
        return (SHA256.hex(Array(fields.joined(separator: "\u{1F}").utf8)), "fields")
    }

    static func candidates(_ path: String, roots: [String]) -> [String] {
        if path.hasPrefix("/") { return [path] }
        return roots.map { $0.hasSuffix("/") ? $0 + path : $0 + "/" + path } + [path]
    }
}

/// Stable JSON for the store and the API: sorted keys, no escaped slashes.
enum JSONText {
    static func encode<T: Encodable>(_ value: T, pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
