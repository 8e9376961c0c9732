// The organisation's log-source inventory: which logs it collects, from which systems and platforms,
// and how good they are (DeTT&CT's five data-quality dimensions). Read from Vigil's YAML or from a
// DeTT&CT data-source administration file, so DeTT&CT users bring their work along.

import VigilAttack
import VigilCore
import VigilSigma
import Yams

/// DeTT&CT's data-quality dimensions, each 0–5.
public struct DataQuality: Sendable, Codable, Hashable {
    public var deviceCompleteness: Int
    public var dataFieldCompleteness: Int
    public var timeliness: Int
    public var consistency: Int
    public var retention: Int

    public init(deviceCompleteness: Int, dataFieldCompleteness: Int, timeliness: Int, consistency: Int, retention: Int) {
        self.deviceCompleteness = deviceCompleteness
        self.dataFieldCompleteness = dataFieldCompleteness
        self.timeliness = timeliness
        self.consistency = consistency
        self.retention = retention
    }

    /// Mean of the five dimensions, 0–5.
    public var average: Double { Double(deviceCompleteness + dataFieldCompleteness + timeliness + consistency + retention) / 5 }
}

public struct InventorySystem: Sendable, Codable, Hashable {
    public var name: String
    public var platforms: [String]
}

/// One collected log source as the inventory states it, with what it records.
public struct CollectedLogSource: Sendable, Codable {
    public var name: String
    public var products: [String]
    /// Names of the systems it covers; empty means every system.
    public var systems: [String]
    /// Data components named directly, plus those derived from its Sigma logsources and Windows events.
    public var dataComponents: [String]
    public var sigma: [SigmaLogsource]
    public var windows: [WindowsEventSet]
    public var elasticIndexes: [String]
    public var quality: DataQuality?
    /// DeTT&CT's `available_for_data_analytics`: false means collected but not usable for detection yet.
    public var available: Bool
    public var line: Int?
}

public struct Inventory: Sendable {
    public enum Format: Sendable, Equatable {
        case vigil
        case dettect(version: String)
    }

    public var name: String
    public var domain: Domain
    public var format: Format
    public var source: String
    public var systems: [InventorySystem]
    public var logSources: [CollectedLogSource]
    /// Techniques the organisation excludes from scoring (DeTT&CT `exceptions`).
    public var exceptions: [String]
    /// High-value assets (Vigil YAML only; a DeTT&CT file has none).
    public var assets: [Asset] = []
    public var diagnostics: [Diagnostic]

    /// Platforms any system runs (the scope: techniques of other platforms are not assessed).
    public var platforms: Set<String> { Set(systems.flatMap(\.platforms)) }

    public static func load(path: String, map: LogSourceMap = .builtIn()) throws(Diagnostic) -> Inventory {
        let node = try YAMLFile.read(path, code: "inventory-yaml")
        guard let root = node?.mapping else {
            throw Diagnostic(YAMLFile.location(path, node), code: "inventory-invalid", "an inventory is a YAML mapping")
        }
        if let type = root["file_type"]?.string {
            guard type == "data-source-administration" else {
                throw Diagnostic(
                    YAMLFile.location(path, root["file_type"]), code: "inventory-wrong-type",
                    "DeTT&CT file of type \(type); an inventory is a data-source-administration file")
            }
            return try readDeTTECT(root, path: path, map: map)
        }
        return try readVigil(root, path: path, map: map)
    }

    static func domain(_ root: Node.Mapping, _ path: String) throws(Diagnostic) -> Domain {
        guard let text = root["domain"]?.string else { return .enterprise }
        guard let d = Domain(lenient: text) else {
            throw Diagnostic(YAMLFile.location(path, root["domain"]), code: "inventory-invalid", "unknown domain \"\(text)\"")
        }
        return d
    }

    static func quality(_ n: Node?) -> DataQuality? {
        guard let m = n?.mapping else { return nil }
        func score(_ key: String) -> Int { min(max(m[Node(key)]?.int ?? 0, 0), 5) }
        return DataQuality(
            deviceCompleteness: score("device_completeness"), dataFieldCompleteness: score("data_field_completeness"),
            timeliness: score("timeliness"), consistency: score("consistency"), retention: score("retention"))
    }

    /// Vigil's own format: systems, log sources with what they record.
    static func readVigil(_ root: Node.Mapping, path: String, map: LogSourceMap) throws(Diagnostic) -> Inventory {
        guard root["format"]?.int == 1 else {
            throw Diagnostic(
                YAMLFile.location(path, root["format"]), code: "inventory-invalid",
                "not a Vigil inventory (`format: 1`) nor a DeTT&CT data-source administration file (`file_type`)")
        }
        var inventory = Inventory(
            name: root["name"]?.string ?? path, domain: try domain(root, path), format: .vigil, source: path, systems: [], logSources: [],
            exceptions: YAMLFiles.texts(root["exceptions"]), diagnostics: [])
        for item in root["systems"]?.sequence ?? [] {
            guard let m = item.mapping, let name = m["name"]?.string else {
                inventory.diagnostics.append(
                    Diagnostic(YAMLFile.location(path, item), code: "inventory-invalid", "a system needs a name; skipped"))
                continue
            }
            inventory.systems.append(InventorySystem(name: name, platforms: YAMLFiles.texts(m["platforms"])))
        }
        let systemNames = Set(inventory.systems.map { $0.name.lowercased() })
        for item in root["log_sources"]?.sequence ?? [] {
            guard let m = item.mapping, let name = m["name"]?.string else {
                inventory.diagnostics.append(
                    Diagnostic(YAMLFile.location(path, item), code: "inventory-invalid", "a log source needs a name; skipped"))
                continue
            }
            var source = CollectedLogSource(
                name: name, products: YAMLFiles.texts(m["product"]) + YAMLFiles.texts(m["products"]),
                systems: YAMLFiles.texts(m["systems"]),
                dataComponents: YAMLFiles.texts(m["data_components"]), sigma: [], windows: [],
                elasticIndexes: YAMLFiles.texts(m["elastic_index"]),
                quality: quality(m["quality"]), available: m["available"]?.bool ?? true, line: item.mark?.line)
            for s in m["sigma"]?.sequence ?? [] {
                guard let sm = s.mapping else { continue }
                source.sigma.append(
                    SigmaLogsource(product: sm["product"]?.string, category: sm["category"]?.string, service: sm["service"]?.string))
            }
            for w in m["windows"]?.sequence ?? [] {
                guard let wm = w.mapping, let channel = wm["channel"]?.string else { continue }
                source.windows.append(WindowsEventSet(channel: channel, eventIDs: YAMLFile.ints(wm["event_ids"])))
            }
            for system in source.systems where !systemNames.contains(system.lowercased()) {
                inventory.diagnostics.append(
                    Diagnostic(
                        YAMLFile.location(path, item), .warning, code: "inventory-unknown-system",
                        "log source \(name) names unknown system \"\(system)\""))
            }
            inventory.logSources.append(source)
        }
        inventory.readAssets(root, path: path)
        inventory.expand(map: map)
        return inventory
    }

    /// DeTT&CT data-source administration (version 1.1: data sources are ATT&CK data components).
    static func readDeTTECT(_ root: Node.Mapping, path: String, map: LogSourceMap) throws(Diagnostic) -> Inventory {
        let version = root["version"]?.string ?? root["version"].flatMap { $0.float.map { String($0) } } ?? "?"
        guard let v = Double(version), v >= 1.1 else {
            throw Diagnostic(
                YAMLFile.location(path, root["version"]), code: "dettect-old-version",
                "DeTT&CT data-source administration version \(version): Vigil reads version 1.1 and later, where data sources are ATT&CK data components; upgrade the file with DeTT&CT first"
            )
        }
        var inventory = Inventory(
            name: root["name"]?.string ?? path, domain: try domain(root, path), format: .dettect(version: version), source: path,
            systems: [],
            logSources: [], exceptions: [], diagnostics: [])
        for item in root["systems"]?.sequence ?? [] {
            guard let m = item.mapping, let name = m["applicable_to"]?.string else { continue }
            inventory.systems.append(InventorySystem(name: name, platforms: YAMLFiles.texts(m["platform"])))
        }
        for e in root["exceptions"]?.sequence ?? [] {
            if let id = e.mapping?["technique_id"]?.string ?? e.string { inventory.exceptions.append(id) }
        }
        for item in root["data_sources"]?.sequence ?? [] {
            guard let m = item.mapping, let name = m["data_source_name"]?.string else {
                inventory.diagnostics.append(
                    Diagnostic(YAMLFile.location(path, item), code: "inventory-invalid", "data source without data_source_name; skipped"))
                continue
            }
            for detail in m["data_source"]?.sequence ?? [] {
                guard let d = detail.mapping else { continue }
                var systems = YAMLFiles.texts(d["applicable_to"])
                if systems.contains(where: { $0.lowercased() == "all" }) { systems = [] }
                inventory.logSources.append(
                    CollectedLogSource(
                        name: name, products: YAMLFiles.texts(d["products"]), systems: systems, dataComponents: [name], sigma: [],
                        windows: [],
                        elasticIndexes: [], quality: quality(d["data_quality"]), available: d["available_for_data_analytics"]?.bool ?? true,
                        line: detail.mark?.line))
            }
        }
        inventory.expand(map: map)
        return inventory
    }

    /// Adds the data components implied by Sigma logsources, Windows events and Elastic indexes.
    mutating func expand(map: LogSourceMap) {
        for i in logSources.indices {
            var dcs = logSources[i].dataComponents
            for s in logSources[i].sigma {
                if let entry = map.entry(for: s) {
                    dcs.append(contentsOf: entry.dataComponents)
                } else {
                    diagnostics.append(
                        Diagnostic(
                            SourceLocation(file: source, line: logSources[i].line), .warning, code: "inventory-unmapped",
                            "log source \(logSources[i].name): Sigma logsource \(s) is not in the log-source map"))
                }
            }
            for w in logSources[i].windows { dcs.append(contentsOf: map.dataComponents(for: w)) }
            for index in logSources[i].elasticIndexes {
                dcs.append(contentsOf: map.dataComponents(for: LogSourceNeed(kind: .elasticIndex, product: index)) ?? [])
            }
            logSources[i].dataComponents = unique(dcs)
        }
    }

    /// Reports data components the loaded ATT&CK does not know (typos, other versions), with their line.
    public mutating func checkDataComponents(against kb: KnowledgeBase) {
        let known = Set(kb.objects.filter { $0.kind == .dataComponent }.map { $0.name.lowercased() })
        guard !known.isEmpty else { return }
        var reported = Set<String>()
        for source in logSources {
            for dc in source.dataComponents where !known.contains(dc.lowercased()) && !dc.contains("[DeTT&CT data source]") {
                guard reported.insert(dc.lowercased()).inserted else { continue }
                diagnostics.append(
                    Diagnostic(
                        SourceLocation(file: self.source, line: source.line), .warning, code: "inventory-unknown-data-component",
                        "\(source.name): \"\(dc)\" is not a data component of ATT&CK \(kb.info.version); no technique will count it"))
            }
        }
    }

    /// Log sources that apply to a system (none named means all).
    public func sources(for system: InventorySystem) -> [Int] {
        logSources.indices.filter { i in
            logSources[i].systems.isEmpty || logSources[i].systems.contains { $0.lowercased() == system.name.lowercased() }
        }
    }

    /// Log sources that reach any system of the given platforms (nil: any platform).
    public func sources(onPlatforms platforms: Set<String>?) -> [Int] {
        guard let platforms else { return Array(logSources.indices) }
        let systemsHere = systems.filter { !platforms.isDisjoint(with: $0.platforms) }
        var result = Set<Int>()
        for s in systemsHere { result.formUnion(sources(for: s)) }
        return result.sorted()
    }
}
