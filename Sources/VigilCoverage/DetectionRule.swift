// One model for every detection rule, whatever repository it comes from (Sigma, Elastic, CAR, EQL,
// Sentinel KQL, Threat Hunter Playbook): what it detects in ATT&CK terms, how severe and how good it
// is, and which logs it needs. Importers fill it from each source's own fields.

import VigilCore
import VigilSigma

/// The rule repositories Vigil reads.
public enum RuleSource: String, Sendable, Codable, CaseIterable, Hashable {
    case sigma
    case elastic
    case car
    case eql
    case sentinel
    case threatHunterPlaybook = "thp"

    public var title: String {
        switch self {
        case .sigma: "Sigma"
        case .elastic: "Elastic"
        case .car: "MITRE CAR"
        case .eql: "Endgame EQL"
        case .sentinel: "Sentinel-ATT&CK KQL"
        case .threatHunterPlaybook: "Threat Hunter Playbook"
        }
    }
}

/// A log a rule needs, in the words of its source. Coverage maps these onto the inventory and onto
/// ATT&CK data components.
public struct LogSourceNeed: Sendable, Codable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, Hashable {
        /// Sigma logsource: product / category / service.
        case sigma
        /// Elastic index pattern (`logs-endpoint.events.process-*`) or integration (`aws`).
        case elasticIndex = "elastic-index"
        case elasticIntegration = "elastic-integration"
        /// CAR data model object/action (`process/create`).
        case carDataModel = "car-data-model"
        /// EQL event type (`process`, `network`, `registry`, `file`, …).
        case eqlEvent = "eql-event"
        /// A named data source or table (Sentinel `Sysmon`/`SecurityEvent`, THP's data-source table).
        case dataSource = "data-source"
        /// A Windows channel (provider) with event IDs.
        case windowsEvent = "windows-event"
    }

    public var kind: Kind
    /// Sigma: product. Others: the main name (index, integration, object, table, channel).
    public var product: String?
    /// Sigma: category. CAR: action. EQL: subtype.
    public var category: String?
    /// Sigma: service.
    public var service: String?
    /// Windows event IDs, where the source names them.
    public var eventIDs: [Int]

    public init(kind: Kind, product: String? = nil, category: String? = nil, service: String? = nil, eventIDs: [Int] = []) {
        self.kind = kind
        self.product = product
        self.category = category
        self.service = service
        self.eventIDs = eventIDs
    }

    public var description: String {
        var parts: [String] = []
        if let product { parts.append(product) }
        if let category { parts.append(category) }
        if let service { parts.append(service) }
        var text = "\(kind.rawValue):" + parts.joined(separator: "/")
        if !eventIDs.isEmpty { text += " [" + eventIDs.map(String.init).joined(separator: ",") + "]" }
        return text
    }
}

/// A detection rule of any source, before ATT&CK resolution (IDs are kept as written).
public struct DetectionRule: Sendable, Codable {
    public var source: RuleSource
    /// The source's own id (Sigma/Elastic/EQL UUID, CAR-2014-11-008, THP 190511-RemotePwshExecution, Sentinel file name).
    public var id: String
    public var title: String
    /// Path of the file, as found (relative to the folder given when possible).
    public var path: String
    /// Technique IDs as the rule writes them (T1059.001), from tags, mappings or file names.
    public var techniqueIDs: [String]
    /// Tactic names or IDs as the rule writes them (`execution`, `TA0002`, `Defense Evasion`).
    public var tactics: [String]
    /// Severity from the source's own field, when it has one.
    public var severity: Severity?
    /// The source's own maturity word: Sigma status, Elastic maturity, CAR coverage, EQL confidence, THP/Sentinel none.
    public var status: String?
    /// The source's own quality fields that the rating table reads (e.g. `risk_score`, `coverage`, `confidence`).
    public var qualifiers: [String: String]
    public var logSources: [LogSourceNeed]
    public var platforms: [String]
    /// True for deprecated rules (Sigma `deprecated/`, Elastic maturity "deprecated", CAR/EQL flags).
    public var deprecated: Bool
    /// Field names and literal values the rule keys on, for the Pyramid of Pain (best effort per source).
    public var fields: [String]
    public var values: [String]
    /// Free-form tags (Sigma `tags`, EQL `tags`, …).
    public var tags: [String]
    /// Where the rule was read: the file as found and the line of the rule (or of its ATT&CK mapping). Reports
    /// that name a rule by place use it, such as the warning for a rule read twice.
    public var location: SourceLocation?
    /// What the rule looks for, in its author's words (Threat Hunter Playbook: the hunt's hypothesis).
    public var summary: String?
    /// A Sigma rule as the engine compiled it, when the engine accepted it: what validation runs over simulations.
    /// Not encoded: a stored rule is its assessment, not its program.
    public var engineRule: EngineRule?

    enum CodingKeys: String, CodingKey {
        case source, id, title, path, techniqueIDs, tactics, severity, status, qualifiers, logSources, platforms, deprecated, fields
        case values, tags, location, summary
    }

    public init(source: RuleSource, id: String, title: String, path: String) {
        self.source = source
        self.id = id
        self.title = title
        self.path = path
        techniqueIDs = []
        tactics = []
        severity = nil
        status = nil
        qualifiers = [:]
        logSources = []
        platforms = []
        deprecated = false
        fields = []
        values = []
        tags = []
        location = nil
        summary = nil
        engineRule = nil
    }
}

/// The rules read from one repository folder, and everything that could not be read.
public struct RuleImport: Sendable {
    public var source: RuleSource
    public var root: String
    public var rules: [DetectionRule]
    /// Files that could not be read or understood: each names the file and the place, nothing is dropped silently.
    public var diagnostics: [Diagnostic]
    /// Files looked at (rules plus the ones reported).
    public var filesSeen: Int

    public init(source: RuleSource, root: String, rules: [DetectionRule] = [], diagnostics: [Diagnostic] = [], filesSeen: Int = 0) {
        self.source = source
        self.root = root
        self.rules = rules
        self.diagnostics = diagnostics
        self.filesSeen = filesSeen
    }
}

/// A reader of one kind of rule repository.
public protocol RuleRepositoryReader {
    static var source: RuleSource { get }
    /// True when `path` (a folder or file) looks like this kind of repository.
    static func recognises(_ path: String) -> Bool
    /// Reads every rule under `path`. Never throws for a single bad file: it becomes a diagnostic.
    static func read(_ path: String) -> RuleImport
}
