// The map from the ways rules and inventories name logs to ATT&CK data components (data, not code:
// the built-in YAML can be replaced by the user's).

import VigilCore
import VigilSigma
import Yams

public struct WindowsEventSet: Sendable, Hashable, Codable, CustomStringConvertible {
    public var channel: String
    /// Empty: every event of the channel.
    public var eventIDs: [Int]

    public init(channel: String, eventIDs: [Int] = []) {
        self.channel = channel
        self.eventIDs = eventIDs
    }

    public var description: String { eventIDs.isEmpty ? channel : channel + " " + eventIDs.map(String.init).joined(separator: ",") }

    /// True when this set includes every event of `other`.
    public func covers(_ other: WindowsEventSet) -> Bool {
        guard channel.lowercased() == other.channel.lowercased() else { return false }
        if eventIDs.isEmpty { return true }
        if other.eventIDs.isEmpty { return false }
        return Set(other.eventIDs).isSubset(of: eventIDs)
    }

    /// True when both name at least one common event.
    public func overlaps(_ other: WindowsEventSet) -> Bool {
        guard channel.lowercased() == other.channel.lowercased() else { return false }
        if eventIDs.isEmpty || other.eventIDs.isEmpty { return true }
        return !Set(other.eventIDs).isDisjoint(with: eventIDs)
    }
}

extension SigmaLogsource {
    /// True when every key this one names equals `rule`'s (keys this one leaves out match anything).
    public func matches(_ rule: SigmaLogsource) -> Bool {
        if let product, product != rule.product { return false }
        if let category, category != rule.category { return false }
        if let service, service != rule.service { return false }
        return true
    }

    var specificity: Int { [product, category, service].count { $0 != nil } }
}

public struct LogSourceMap: Sendable {
    public struct SigmaEntry: Sendable {
        public var logsource: SigmaLogsource
        public var dataComponents: [String]
        public var windows: [WindowsEventSet]
    }

    public struct WindowsEntry: Sendable {
        public var events: WindowsEventSet
        public var dataComponents: [String]
    }

    public var sigma: [SigmaEntry] = []
    public var windowsEvents: [WindowsEntry] = []
    public var car: [String: [String]] = [:]
    public var eql: [String: [String]] = [:]
    public var elasticIndex: [String: [String]] = [:]
    public var dataSources: [String: [String]] = [:]
    public var source: String

    public static func builtIn() -> LogSourceMap {
        // The shipped YAML is tested; failing here would be a build defect, not bad input.
        try! parse(DefaultLogSourceMap.yaml, source: "<built-in log-source map>")
    }

    public static var builtInYAML: String { DefaultLogSourceMap.yaml }

    public static func load(path: String) throws(Diagnostic) -> LogSourceMap {
        let node = try YAMLFile.read(path, code: "map-yaml")
        return try parse(node: node, source: path)
    }

    public static func parse(_ text: String, source: String) throws(Diagnostic) -> LogSourceMap {
        try parse(node: try YAMLFile.parse(text, source: source, code: "map-yaml"), source: source)
    }

    static func parse(node: Node?, source: String) throws(Diagnostic) -> LogSourceMap {
        func fail(_ n: Node?, _ reason: String) -> Diagnostic { Diagnostic(YAMLFile.location(source, n), code: "map-invalid", reason) }
        guard let root = node?.mapping else { throw fail(node, "a log-source map is a mapping with `format: 1`") }
        guard root["format"]?.int == 1 else { throw fail(root["format"] ?? node, "unsupported map format (expected `format: 1`)") }
        var map = LogSourceMap(source: source)
        func windowsSets(_ n: Node?) -> [WindowsEventSet] {
            (n?.sequence ?? []).compactMap { item in
                guard let m = item.mapping, let channel = m["channel"]?.string else { return nil }
                return WindowsEventSet(channel: channel, eventIDs: YAMLFile.ints(m["event_ids"]))
            }
        }
        for item in root["sigma"]?.sequence ?? [] {
            guard let m = item.mapping else { throw fail(item, "each sigma entry is a mapping") }
            let dcs = YAMLFiles.texts(m["data_components"])
            guard !dcs.isEmpty else { throw fail(item, "sigma entry without data_components") }
            map.sigma.append(
                SigmaEntry(
                    logsource: SigmaLogsource(
                        product: m["product"]?.string, category: m["category"]?.string, service: m["service"]?.string),
                    dataComponents: dcs, windows: windowsSets(m["windows"])))
        }
        for item in root["windows_events"]?.sequence ?? [] {
            guard let m = item.mapping, let channel = m["channel"]?.string else {
                throw fail(item, "windows_events entries need a channel")
            }
            map.windowsEvents.append(
                WindowsEntry(
                    events: WindowsEventSet(channel: channel, eventIDs: YAMLFile.ints(m["event_ids"])),
                    dataComponents: YAMLFiles.texts(m["data_components"])))
        }
        func table(_ key: String) throws(Diagnostic) -> [String: [String]] {
            guard let n = root[Node(key)] else { return [:] }
            guard let m = n.mapping else { throw fail(n, "`\(key)` must be a mapping of names to data components") }
            var result: [String: [String]] = [:]
            for (k, v) in m { if let name = k.string { result[name.lowercased()] = YAMLFiles.texts(v) } }
            return result
        }
        map.car = try table("car")
        map.eql = try table("eql")
        map.elasticIndex = try table("elastic_index")
        map.dataSources = try table("data_sources")
        return map
    }

    /// The most specific Sigma entry for a rule's logsource, if any; of equally specific ones, the first in the map.
    public func entry(for logsource: SigmaLogsource) -> SigmaEntry? {
        sigma.filter { $0.logsource.matches(logsource) }.max { $0.logsource.specificity < $1.logsource.specificity }
    }

    /// Data components a Windows event set carries.
    public func dataComponents(for events: WindowsEventSet) -> [String] {
        var result: [String] = []
        for entry in windowsEvents where events.overlaps(entry.events) {
            result.append(contentsOf: entry.dataComponents)
        }
        return unique(result)
    }

    /// Data components a rule's log need maps to; nil when the map does not know the need.
    public func dataComponents(for need: LogSourceNeed) -> [String]? {
        switch need.kind {
        case .sigma:
            return entry(for: SigmaLogsource(product: need.product, category: need.category, service: need.service))?.dataComponents
        case .windowsEvent:
            guard let channel = need.product else { return nil }
            let dcs = dataComponents(for: WindowsEventSet(channel: channel, eventIDs: need.eventIDs))
            return dcs.isEmpty ? nil : dcs
        case .carDataModel:
            let key = [need.product, need.category].compactMap { $0?.lowercased() }.joined(separator: "/")
            return car[key] ?? car[need.product?.lowercased() ?? ""]
        case .eqlEvent:
            return eql[need.product?.lowercased() ?? ""]
        case .elasticIndex:
            guard let name = need.product?.lowercased() else { return nil }
            return elasticComponents(index: name)
        case .elasticIntegration:
            guard let name = need.product?.lowercased() else { return nil }
            // An integration writes the data streams `logs-<integration>.<dataset>-*`; a map key may also name it.
            return elasticIndex[name] ?? elasticComponents(index: "logs-" + name + ".*")
        case .dataSource:
            guard let name = need.product else { return nil }
            return dataSources[name.lowercased()]
        }
    }

    /// Data components of an Elastic index name or pattern (`logs-endpoint.events.process-*`), by a rule that does
    /// not depend on the order of the map:
    /// 1. the longest map key that is a prefix of the pattern's literal part and ends where a name part ends (at
    ///    the end, `.`, `-` or `*`): `logs-azure` for `logs-azure.activitylogs-*`, but not for `logs-azure_openai*`;
    /// 2. else, for a pattern with a wildcard, every key the pattern covers (`logs-endpoint.events.*` covers
    ///    `logs-endpoint.events.file`, `….network`, …): the rule reads all those indices, so any of their
    ///    components serves it; the union, in key order, without repeats;
    /// 3. else nil (unknown to the map).
    public func elasticComponents(index pattern: String) -> [String]? {
        let literal = String(pattern.prefix { $0 != "*" })
        let boundaries: Set<Character> = [".", "-", "*"]
        let containing = elasticIndex.keys.filter { key in
            guard pattern.hasPrefix(key) else { return false }
            let rest = pattern.dropFirst(key.count)
            return rest.first.map(boundaries.contains) ?? true
        }
        // Two different keys that are both prefixes of one text differ in length: the longest is unique.
        if let best = containing.max(by: { $0.count < $1.count }) { return elasticIndex[best] }
        guard literal.count < pattern.count, !literal.isEmpty else { return nil }
        let covered = elasticIndex.keys.filter { $0.hasPrefix(literal) }.sorted()
        return covered.isEmpty ? nil : unique(covered.flatMap { elasticIndex[$0] ?? [] })
    }
}

func unique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0.lowercased()).inserted }
}
