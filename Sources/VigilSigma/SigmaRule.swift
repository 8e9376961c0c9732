// The Sigma rule model: metadata, log source and detection of one rule document, with the location
// of the rule so that every later diagnostic can point at it.
import VigilCore

public enum SigmaStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case stable, test, experimental, deprecated, unsupported
}

/// `logsource:` of a rule. All parts optional; compared lower-cased.
public struct SigmaLogsource: Sendable, Hashable, Codable, CustomStringConvertible {
    public var product: String?
    public var category: String?
    public var service: String?

    public init(product: String? = nil, category: String? = nil, service: String? = nil) {
        self.product = product?.lowercased()
        self.category = category?.lowercased()
        self.service = service?.lowercased()
    }

    public var description: String {
        [product.map { "product=\($0)" }, category.map { "category=\($0)" }, service.map { "service=\($0)" }]
            .compactMap { $0 }.joined(separator: " ")
    }
}

/// One detection rule, parsed but not yet compiled.
public struct SigmaRule: Sendable {
    public var id: String?
    public var name: String?
    public var title: String
    public var status: SigmaStatus?
    public var level: Severity?
    public var description: String?
    public var author: String?
    public var date: String?
    public var modified: String?
    public var tags: [String]
    public var references: [String]
    public var falsepositives: [String]
    public var fields: [String]
    public var logsource: SigmaLogsource
    public var detection: SigmaDetection
    /// Where the rule document starts.
    public var location: SourceLocation

    /// ATT&CK techniques named by `attack.tNNNN[.NNN]` tags.
    public var techniques: [TechniqueID] { tags.compactMap { TechniqueID($0) } }

    /// ATT&CK tactics named by `attack.<tactic-name>` tags (`attack.defense-evasion`).
    public var tactics: [String] { Self.tactics(in: tags) }

    /// ATT&CK tactics among `tags` (also for correlation rules, which carry tags of their own).
    public static func tactics(in tags: [String]) -> [String] {
        tags.compactMap { tag in
            let lower = tag.lowercased()
            guard lower.hasPrefix("attack.") else { return nil }
            let rest = String(lower.dropFirst(7))
            return Self.tacticNames.contains(rest) ? rest : nil
        }
    }

    static let tacticNames: Set<String> = [
        "reconnaissance", "resource-development", "initial-access", "execution", "persistence", "privilege-escalation",
        "defense-evasion", "credential-access", "discovery", "lateral-movement", "collection", "command-and-control",
        "exfiltration", "impact", "stealth", "defense-impairment",
    ]
}

/// The `detection:` section: named search identifiers and the condition over them.
public struct SigmaDetection: Sendable {
    /// Search identifiers in document order.
    public var identifiers: [(name: String, node: DetectionNode)]
    /// The conditions; a list is OR-ed.
    public var conditions: [ConditionExpr]

    public func identifier(_ name: String) -> DetectionNode? { identifiers.first { $0.name == name }?.node }
}
