// Evaluating correlation rules over the detections of the rules they name: group by field values
// (with aliases), slide a window of `timespan` over each group's events in time order, and fire when
// the count, distinct-value count, rule set or aggregate meets the condition. Correlations may name
// other correlations (chaining): their firings are the events of the outer one.
import VigilCore

/// One correlation firing.
public struct CorrelationHit: Sendable {
    public var correlation: Int
    /// Values of the group-by fields, in order.
    public var group: [String]
    public var firstTimestamp: Double
    public var lastTimestamp: Double
    /// Number of events in the window (or the aggregate value for value_* types).
    public var value: Double

    public init(correlation: Int, group: [String], firstTimestamp: Double, lastTimestamp: Double, value: Double) {
        self.correlation = correlation
        self.group = group
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.value = value
    }
}

/// Collects observations during a hunt and evaluates correlations at the end. Thread-safe.
public final class Correlator: @unchecked Sendable {
    public let correlations: [SigmaCorrelation]
    /// For each rule index: the correlations (and the position of the rule in their `rules`) that use it.
    let inputs: [Int: [(correlation: Int, reference: Int)]]
    /// For each correlation: the correlations (and reference positions) it feeds.
    let chained: [Int: [(correlation: Int, reference: Int)]]
    /// Rules named only by correlations that do not `generate` them: no stand-alone detections.
    public let suppressed: Set<Int>
    public let diagnostics: [Diagnostic]
    private let lock = Lock()
    private var observations: [[Observation]]

    struct Observation {
        var time: Double
        var reference: Int
        var group: [String]
        var value: String?
    }

    /// Field name (lower-cased) → the flat-JSON names that stand for it (`computer` → `Hostname`).
    private let aliasesOf: [String: [String]]
    private let stripPrefixes: [String]

    public init(correlations: [SigmaCorrelation], rules: [SigmaRule], mapping: LogsourceMapping = .builtin) {
        self.correlations = correlations
        var aliasesOf: [String: [String]] = [:]
        for alias in mapping.fieldAliases.keys.sorted() {
            let target: String = mapping.fieldAliases[alias]!
            aliasesOf[target.lowercased(), default: []].append(alias)
        }
        self.aliasesOf = aliasesOf
        stripPrefixes = mapping.stripPrefixes
        var byName: [String: Int] = [:]
        // Only correlations name rules: without any, there is nothing to look up (a hunt over each file of many).
        for (i, r) in rules.enumerated() where !correlations.isEmpty {
            if let id = r.id { byName[id] = i }
            if let name = r.name { byName[name] = i }
        }
        var corrByName: [String: Int] = [:]
        for (i, c) in correlations.enumerated() {
            if let id = c.id { corrByName[id] = i }
            if let name = c.name { corrByName[name] = i }
        }
        var inputs: [Int: [(Int, Int)]] = [:]
        var chained: [Int: [(Int, Int)]] = [:]
        var generated: Set<Int> = []
        var referenced: Set<Int> = []
        var diagnostics: [Diagnostic] = []
        for (c, correlation) in correlations.enumerated() {
            for (k, ref) in correlation.rules.enumerated() {
                if let rule = byName[ref] {
                    inputs[rule, default: []].append((c, k))
                    referenced.insert(rule)
                    if correlation.generate { generated.insert(rule) }
                } else if let inner = corrByName[ref], inner != c {
                    chained[inner, default: []].append((c, k))
                } else {
                    diagnostics.append(
                        Diagnostic(correlation.location, code: "correlation-unknown-rule", "correlation refers to unknown rule '\(ref)'"))
                }
            }
        }
        self.inputs = inputs.mapValues { $0.map { (correlation: $0.0, reference: $0.1) } }
        self.chained = chained.mapValues { $0.map { (correlation: $0.0, reference: $0.1) } }
        suppressed = referenced.subtracting(generated)
        self.diagnostics = diagnostics
        observations = Array(repeating: [], count: correlations.count)
    }

    public var isEmpty: Bool { correlations.isEmpty }

    /// Correlations that take another correlation's firings, and those whose firings they take.
    public var chains: Set<Int> {
        var out: Set<Int> = []
        for (inner, outers) in chained {
            out.insert(inner)
            for o in outers { out.insert(o.correlation) }
        }
        return out
    }

    /// Correlations that take the firings of one of `set`, directly or through others.
    public func fed(by set: Set<Int>) -> Set<Int> {
        var out: Set<Int> = []
        var pending = Array(set)
        while let c = pending.popLast() {
            for o in chained[c] ?? [] where out.insert(o.correlation).inserted { pending.append(o.correlation) }
        }
        return out
    }

    /// The rules correlation `c` names, with their position in its `rules`, in order.
    public func ruleInputs(of c: Int) -> [(reference: Int, rule: Int)] {
        var out: [(reference: Int, rule: Int)] = []
        for (rule, uses) in inputs { for u in uses where u.correlation == c { out.append((u.reference, rule)) } }
        return out.sorted { $0.reference < $1.reference }
    }

    /// Does a match of this rule feed any correlation?
    public func uses(rule: Int) -> Bool { inputs[rule] != nil }

    /// Records a match of `rule` on `event` for every correlation that uses the rule.
    public func observe(rule: Int, ruleName: String?, event: Event) {
        guard let uses = inputs[rule] else { return }
        let time = event.timestamp.flatMap(Timestamp.epoch) ?? 0
        for (c, reference) in uses {
            let correlation = correlations[c]
            let group = correlation.groupBy.map { field -> String in
                let actual = correlation.aliases[field].flatMap { aliases in ruleName.flatMap { aliases[$0] } } ?? field
                return fieldValue(event, actual) ?? ""
            }
            let value = correlation.field.flatMap { fieldValue(event, $0) }
            lock.withLock { observations[c].append(Observation(time: time, reference: reference, group: group, value: value)) }
        }
    }

    /// Records an event of the `reference`-th rule of correlation `c` found elsewhere (an engine's row), with
    /// the group-by values and field text it had there.
    public func observe(correlation c: Int, reference: Int, time: Double, group: [String], value: String?) {
        lock.withLock { observations[c].append(Observation(time: time, reference: reference, group: group, value: value)) }
    }

    /// A field as the rules see it: by its name, under a stripped prefix (`winlog.event_data.`), or through a
    /// flat-JSON alias (`Hostname` for `Computer`).
    private func fieldValue(_ event: Event, _ name: String) -> String? {
        if let v = event.value(named: name) { return v }
        for prefix in stripPrefixes { if let v = event.value(named: prefix + name) { return v } }
        guard event.shape == .flat else { return nil }
        for alias in aliasesOf[name.lowercased()] ?? [] { if let v = event.value(named: alias) { return v } }
        return nil
    }

    /// Evaluates every correlation (inner ones first, feeding chains) and returns the firings.
    public func evaluate() -> [CorrelationHit] {
        var hits: [CorrelationHit] = []
        var done = Set<Int>()
        func run(_ c: Int, _ depth: Int) {
            guard !done.contains(c), depth < 16 else { return }
            // Inner correlations that feed this one run first.
            for (inner, targets) in chained where targets.contains(where: { $0.correlation == c }) { run(inner, depth + 1) }
            done.insert(c)
            let found = evaluate(c)
            hits += found
            for (outer, reference) in chained[c] ?? [] {
                let outerCorrelation = correlations[outer]
                for hit in found {
                    // The outer group takes values from the inner group by field name (or alias).
                    let group = outerCorrelation.groupBy.map { field in
                        correlations[c].groupBy.firstIndex(of: field).map { hit.group[$0] } ?? ""
                    }
                    observations[outer].append(Observation(time: hit.lastTimestamp, reference: reference, group: group, value: nil))
                }
            }
        }
        for c in correlations.indices { run(c, 0) }
        return hits
    }

    private func evaluate(_ c: Int) -> [CorrelationHit] {
        let correlation = correlations[c]
        let span = Double(correlation.timespan)
        var groups: [[String]: [Observation]] = [:]
        for o in observations[c] { groups[o.group, default: []].append(o) }
        var hits: [CorrelationHit] = []
        for (group, events) in groups.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            // Ties in time ordered by the rule's position, so that temporal_ordered is deterministic (and the
            // same as the SQL conversion's order).
            let sorted = events.sorted { ($0.time, $0.reference) < ($1.time, $1.reference) }
            var start = 0
            var end = 0
            // Windows [t, t + timespan] anchored at each distinct event time (a window holds every event of
            // its first instant); after a firing the next window starts past it (no duplicates).
            while start < sorted.count {
                end = max(end, start)
                while end + 1 < sorted.count && sorted[end + 1].time - sorted[start].time <= span { end += 1 }
                let window = sorted[start...end]
                if let value = measure(correlation, window), correlation.condition.allSatisfy({ $0.0.holds(value, $0.1) }) {
                    hits.append(
                        CorrelationHit(
                            correlation: c, group: group, firstTimestamp: window.first!.time, lastTimestamp: window.last!.time, value: value
                        ))
                    start = end + 1
                    continue
                }
                let anchor = sorted[start].time
                while start < sorted.count && sorted[start].time == anchor { start += 1 }
            }
        }
        return hits
    }

    /// The quantity a correlation compares in one window; nil when the window does not qualify.
    private func measure(_ correlation: SigmaCorrelation, _ window: ArraySlice<Observation>) -> Double? {
        switch correlation.type {
        case .eventCount:
            return Double(window.count)
        case .valueCount:
            return Double(Set(window.compactMap(\.value)).count)
        case .temporal:
            return Double(Set(window.map(\.reference)).count)
        case .temporalOrdered:
            // Longest prefix of the rule order seen in sequence.
            var next = 0
            for o in window where o.reference == next { next += 1 }
            return Double(next == correlation.rules.count ? next : min(next, correlation.rules.count - 1))
        case .valueSum, .valueAvg, .valuePercentile:
            let numbers = window.compactMap { $0.value.flatMap(Double.init) }
            guard !numbers.isEmpty else { return nil }
            switch correlation.type {
            case .valueSum: return numbers.reduce(0, +)
            case .valueAvg: return numbers.reduce(0, +) / Double(numbers.count)
            default:
                let p = min(max(correlation.percentile ?? 50, 0), 100)
                let sorted = numbers.sorted()
                let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
                return sorted[rank]
            }
        }
    }
}
