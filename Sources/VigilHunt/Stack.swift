// `vigil stack`: least-frequency-of-occurrence analysis. Counts each tuple of field values, rarest first,
// and flags outliers by two stated statistics: few hosts, and a robust (median/MAD) z-score of the counts.
import VigilCore

/// One tuple of values and how often, and on how many hosts, it occurs.
public struct StackRow: Sendable, Codable, Equatable {
    /// With `byHost`, the host comes first, then the values of the stacked fields.
    public var values: [String]
    public var count: Int
    /// Distinct hosts the tuple (without the host column) was seen on.
    public var hosts: Int
    /// Robust z-score of `count` (see `StackResult.zMethod`); nil when the counts do not spread.
    public var z: Double?
    /// Why the row is an outlier: "hosts<=N" and/or "|z|>=T"; empty when it is not.
    public var outlier: [String]
}

/// The outcome of a stack, in the order a hunter reads it.
public struct StackResult: Sendable, Codable {
    public var fields: [String]
    public var byHost: Bool
    /// Events that passed the filter and carried every stacked field.
    public var stacked: Int
    /// Events that passed the filter but lacked one of the fields.
    public var missingField: Int
    /// Distinct hosts among the stacked events.
    public var hostCount: Int
    public var median: Double
    public var mad: Double
    /// "mad": 0.6745 × (count − median) / MAD (Iglewicz and Hoaglin). "meanad": (count − median) / (1.2533 × mean
    /// absolute deviation), used when more than half the counts are equal and MAD is 0. "none": all counts equal.
    public var zMethod: String
    public var maxHosts: Int
    public var zThreshold: Double
    /// Rarest first; ties by values.
    public var rows: [StackRow]
}

/// Accumulates one stack. Memory grows with the number of distinct tuples (and their hosts), not events.
public struct Stacker: Sendable {
    public let fields: [String]
    public let filter: FieldFilter?
    public let byHost: Bool
    private var counts: [[String]: Int] = [:]
    private var hostsOf: [[String]: Set<String>] = [:]
    private var allHosts: Set<String> = []
    private var stacked = 0
    private var missing = 0

    public init(fields: [String], filter: FieldFilter? = nil, byHost: Bool = false) {
        self.fields = fields
        self.filter = filter
        self.byHost = byHost
    }

    public mutating func add(_ event: Event) {
        if let filter, !filter.matches(event) { return }
        var values: [String] = []
        values.reserveCapacity(fields.count + 1)
        for field in fields {
            // An event without one of the fields does not belong to this stack (a 4688 has no ParentImage
            // in older logs); it is counted so that the result says how many were left out.
            guard let v = EventField.value(event, field) else {
                missing += 1
                return
            }
            values.append(v)
        }
        stacked += 1
        let host = event.computer ?? "-"
        allHosts.insert(host)
        hostsOf[values, default: []].insert(host)
        counts[byHost ? [host] + values : values, default: 0] += 1
    }

    /// Adds the tuples of `other`, a stack of the same fields over other events.
    public mutating func merge(_ other: Stacker) {
        counts.merge(other.counts, uniquingKeysWith: +)
        hostsOf.merge(other.hostsOf) { $0.union($1) }
        allHosts.formUnion(other.allHosts)
        stacked += other.stacked
        missing += other.missing
    }

    /// Rows rarest first, with outliers flagged: seen on at most `maxHosts` hosts (only when the logs hold
    /// more hosts than that, else every row would be flagged), or |robust z| ≥ `zThreshold`.
    public func result(maxHosts: Int = 1, zThreshold: Double = 3.5) -> StackResult {
        let sortedCounts = counts.values.sorted()
        let median = Self.median(sortedCounts.map(Double.init))
        let deviations = sortedCounts.map { abs(Double($0) - median) }
        let mad = Self.median(deviations.sorted())
        let meanAD = deviations.isEmpty ? 0 : deviations.reduce(0, +) / Double(deviations.count)
        let zMethod = mad > 0 ? "mad" : meanAD > 0 ? "meanad" : "none"
        func zScore(_ count: Int) -> Double? {
            switch zMethod {
            case "mad": 0.6745 * (Double(count) - median) / mad
            case "meanad": (Double(count) - median) / (1.253314 * meanAD)
            default: nil
            }
        }
        var rows: [StackRow] = []
        rows.reserveCapacity(counts.count)
        for (key, count) in counts {
            let values = byHost ? Array(key.dropFirst()) : key
            let hosts = hostsOf[values]?.count ?? 0
            let z = zScore(count)
            var outlier: [String] = []
            if allHosts.count > maxHosts && hosts <= maxHosts { outlier.append("hosts<=\(maxHosts)") }
            if let z, abs(z) >= zThreshold { outlier.append("|z|>=\(zThreshold)") }
            rows.append(StackRow(values: key, count: count, hosts: hosts, z: z, outlier: outlier))
        }
        rows.sort { $0.count != $1.count ? $0.count < $1.count : $0.values.lexicographicallyPrecedes($1.values) }
        return StackResult(
            fields: byHost ? ["Computer"] + fields : fields, byHost: byHost, stacked: stacked, missingField: missing,
            hostCount: allHosts.count, median: median, mad: mad, zMethod: zMethod, maxHosts: maxHosts, zThreshold: zThreshold, rows: rows)
    }

    /// Median of sorted values; 0 for none.
    static func median(_ sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
