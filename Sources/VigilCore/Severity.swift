// The severity scale rules and detections share (Sigma levels, Elastic severities, …).

public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case informational, low, medium, high, critical

    public init?(lenient text: String) {
        switch text.lowercased() {
        case "informational", "info", "information": self = .informational
        case "low": self = .low
        case "medium", "moderate": self = .medium
        case "high": self = .high
        case "critical": self = .critical
        default: return nil
        }
    }

    public var rank: Int {
        switch self {
        case .informational: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}
