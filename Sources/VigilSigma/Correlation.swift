// Correlation rules (meta-rules over the detections of other rules): the model and its validation.
import VigilCore

public enum CorrelationType: String, Sendable, Hashable, CaseIterable {
    case eventCount = "event_count"
    case valueCount = "value_count"
    case temporal
    case temporalOrdered = "temporal_ordered"
    case valueSum = "value_sum"
    case valueAvg = "value_avg"
    case valuePercentile = "value_percentile"
}

public struct SigmaCorrelation: Sendable {
    public var id: String?
    public var name: String?
    public var title: String
    public var status: SigmaStatus?
    public var level: Severity?
    public var tags: [String]
    public var type: CorrelationType
    /// Referenced rules or correlations, by id or name.
    public var rules: [String]
    public var groupBy: [String]
    /// Seconds.
    public var timespan: Int
    /// Criteria on the count (or aggregated value); all must hold.
    public var condition: [(ComparisonOperator, Double)]
    /// The field counted (value_count) or aggregated (value_sum/avg/percentile).
    public var field: String?
    public var percentile: Double?
    /// alias → rule name → field.
    public var aliases: [String: [String: String]]
    public var generate: Bool
    public var location: SourceLocation

    /// `30s`, `5m`, `1h`, `2d` (also `1w`) → seconds.
    static func parseTimespan(_ text: String) -> Int? {
        guard let unit = text.last, let n = Int(text.dropLast()), n > 0 else { return nil }
        switch unit {
        case "s": return n
        case "m": return n * 60
        case "h": return n * 3600
        case "d": return n * 86400
        case "w": return n * 604_800
        default: return nil
        }
    }
}

/// A meta filter: extra conditions ANDed into the named rules.
public struct SigmaFilter: Sendable {
    public var id: String?
    public var title: String
    public var rules: [String]
    public var logsource: SigmaLogsource?
    public var detection: SigmaDetection
    public var location: SourceLocation
}
