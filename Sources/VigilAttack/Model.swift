// The ATT&CK model: one record type for every STIX object Vigil cares about, plus relationships.
// Values are plain structs; the knowledge base holds them in arrays and indexes them.

/// An ATT&CK domain, named as MITRE's `x_mitre_domains` and matrix IDs name them.
public enum Domain: String, Sendable, Codable, CaseIterable {
    case enterprise = "enterprise-attack"
    case mobile = "mobile-attack"
    case ics = "ics-attack"

    public init?(lenient text: String) {
        switch text.lowercased() {
        case "enterprise", "enterprise-attack": self = .enterprise
        case "mobile", "mobile-attack": self = .mobile
        case "ics", "ics-attack": self = .ics
        default: return nil
        }
    }

    /// The `kill_chain_name` techniques of this domain use in `kill_chain_phases`.
    public var killChainName: String {
        switch self {
        case .enterprise: "mitre-attack"
        case .mobile: "mitre-mobile-attack"
        case .ics: "mitre-ics-attack"
        }
    }

    public var title: String {
        switch self {
        case .enterprise: "Enterprise"
        case .mobile: "Mobile"
        case .ics: "ICS"
        }
    }
}

/// What an ATT&CK object is, in ATT&CK's words (the STIX type is kept separately).
public enum ObjectKind: String, Sendable, Codable, CaseIterable {
    case technique, tactic, group, software, campaign, mitigation
    case dataSource = "data-source"
    case dataComponent = "data-component"
    case detectionStrategy = "detection-strategy"
    case analytic, asset, matrix, collection
    case other

    public init(stixType: String) {
        switch stixType {
        case "attack-pattern": self = .technique
        case "x-mitre-tactic": self = .tactic
        case "intrusion-set": self = .group
        case "malware", "tool": self = .software
        case "campaign": self = .campaign
        case "course-of-action": self = .mitigation
        case "x-mitre-data-source": self = .dataSource
        case "x-mitre-data-component": self = .dataComponent
        case "x-mitre-detection-strategy": self = .detectionStrategy
        case "x-mitre-analytic": self = .analytic
        case "x-mitre-asset": self = .asset
        case "x-mitre-matrix": self = .matrix
        case "x-mitre-collection": self = .collection
        default: self = .other
        }
    }

    /// The label a person reads ("sub-technique" is decided by the object, not the kind).
    public var label: String {
        switch self {
        case .dataSource: "data source"
        case .dataComponent: "data component"
        case .detectionStrategy: "detection strategy"
        default: rawValue
        }
    }
}

/// A log source named by an analytic (v18) or a data component (v17 `x_mitre_log_sources`).
public struct LogSourceReference: Sendable, Hashable, Codable {
    /// Index of the data component in the knowledge base, for analytics' references.
    public var dataComponent: Int?
    public var name: String
    public var channel: String

    public init(dataComponent: Int? = nil, name: String, channel: String) {
        self.dataComponent = dataComponent
        self.name = name
        self.channel = channel
    }
}

/// A text stored in the input without being decoded yet (descriptions are most of a bundle's bytes).
public struct LazyText: Sendable {
    let source: Int32  // index into the knowledge base's retained buffers
    let start: UInt32
    let end: UInt32
    let escaped: Bool
}

/// One ATT&CK object.
public struct AttackObject: Sendable {
    public var stixID: String
    public var stixType: String
    public var kind: ObjectKind
    /// The ATT&CK ID (`T1059.001`, `G0016`, `S0002`, `TA0002`, `DC0001`, `DET0001`, `AN0001`, …).
    public var attackID: String?
    public var name: String
    public var aliases: [String] = []
    public var url: String?
    public var revoked = false
    public var deprecated = false
    public var isSubtechnique = false
    public var platforms: [String] = []
    /// Techniques: tactic shortnames from `kill_chain_phases`. Tactics: their own shortname.
    public var tactics: [String] = []
    public var version: String?
    public var modified: String?
    public var domains: [String] = []
    /// Matrices: tactic object indices in matrix order. Detection strategies: analytic indices.
    /// Data components: their data source (v17). Filled when relationships are resolved.
    public var refs: [Int] = []
    /// Analytics (v18) and data components (v17): the log sources they name.
    public var logSources: [LogSourceReference] = []
    var description: LazyText?
    var detectionText: LazyText?
    /// Unresolved STIX references kept until the whole bundle has been read.
    var pendingRefs: [String] = []
    var pendingLogSourceRefs: [String?] = []

    public init(stixID: String, stixType: String, name: String) {
        self.stixID = stixID
        self.stixType = stixType
        self.kind = ObjectKind(stixType: stixType)
        self.name = name
    }

    /// Neither revoked nor deprecated.
    public var isActive: Bool { !revoked && !deprecated }

    public var kindLabel: String {
        if kind == .technique && isSubtechnique { return "sub-technique" }
        if kind == .software { return stixType }  // malware or tool
        return kind.label
    }
}

public enum RelationshipType: String, Sendable, Codable, CaseIterable {
    case uses, mitigates, detects, targets
    case subtechniqueOf = "subtechnique-of"
    case attributedTo = "attributed-to"
    case revokedBy = "revoked-by"
    case other
}

/// A relationship between two objects, by their indices in the knowledge base.
public struct Relationship: Sendable {
    public var type: RelationshipType
    public var source: Int
    public var target: Int
    public var revoked: Bool
    public var deprecated: Bool
    public var isActive: Bool { !revoked && !deprecated }
}
