// Visibility: for each technique, which of the data components it needs does the organisation
// collect, on which systems, and how well. Two scores: DeTT&CT's automatic 0–4 score (its formula,
// for DeTT&CT users) and Vigil's quality-weighted score (DeTT&CT issue #80: quality should count).

import Foundation
import VigilAttack
import VigilCore

/// Which data components exist on which platform. From ATT&CK itself, or from DeTT&CT's data files.
public struct PlatformApplicability: Sendable {
    /// platform (lowercased) → data component names (lowercased)
    var byPlatform: [String: Set<String>]
    /// DeTT&CT's own extra data sources per technique (`Web [DeTT&CT data source]`, …), DeTT&CT mode only.
    var extraByTechnique: [String: [String]] = [:]
    var extraByPlatform: [String: Set<String>] = [:]
    public var origin: String

    /// ATT&CK-derived: a component applies to a platform when an analytic of that platform reads it (v18),
    /// or its data source lists the platform (v17).
    public static func fromAttack(_ kb: KnowledgeBase) -> PlatformApplicability {
        var map: [String: Set<String>] = [:]
        for o in kb.objects where o.kind == .analytic && o.isActive {
            for source in o.logSources {
                guard let dc = source.dataComponent else { continue }
                for p in o.platforms { map[p.lowercased(), default: []].insert(kb.objects[dc].name.lowercased()) }
            }
        }
        for o in kb.objects where o.kind == .dataComponent && o.isActive {
            for ds in o.refs where kb.objects[ds].kind == .dataSource {
                for p in kb.objects[ds].platforms { map[p.lowercased(), default: []].insert(o.name.lowercased()) }
            }
        }
        return PlatformApplicability(byPlatform: map, origin: "ATT&CK \(kb.info.version)")
    }

    /// DeTT&CT's `data/data_source_platforms.json` and `data/dettect_data_sources.json`.
    public static func fromDeTTECT(folder: String, domain: Domain) throws(Diagnostic) -> PlatformApplicability {
        let key: String
        switch domain {
        case .enterprise: key = "Enterprise"
        case .mobile: key = "Mobile"
        case .ics: key = "ICS"
        }
        func load(_ name: String) throws(Diagnostic) -> ([UInt8], JSONTape) {
            let path = folder + "/" + name
            let bytes = try FileBytes.read(path)
            var tape = JSONTape()
            do { try bytes.withUnsafeBytes { try tape.parseDocument($0) } } catch let error as JSONSyntaxError {
                throw bytes.withUnsafeBytes { error.diagnostic(file: path, bytes: $0) }
            } catch { throw Diagnostic(SourceLocation(file: path), code: "dettect-data", "\(error)") }
            return (bytes, tape)
        }
        var result = PlatformApplicability(byPlatform: [:], origin: "DeTT&CT data in \(folder)")
        let (pBytes, pTape) = try load("data_source_platforms.json")
        pBytes.withUnsafeBytes { raw in
            pTape.nodes.withUnsafeBufferPointer { nodes in
                let view = JSONView(tape: nodes, bytes: raw)
                view.forEachMember(0) { k, v in
                    guard let name = view.string(k) else { return }
                    let isAttack = name == "ATT&CK-\(key)"
                    let isDeTTECT = name == "DeTT&CT-\(key)"
                    guard isAttack || isDeTTECT else { return }
                    view.forEachMember(v) { pk, pv in
                        guard let platform = view.string(pk)?.lowercased() else { return }
                        // DeTT&CT compares names exactly; Vigil keeps their case here for DeTT&CT mode.
                        let names = Set(view.strings(pv))
                        if isAttack {
                            result.byPlatform[platform, default: []].formUnion(names)
                        } else {
                            result.extraByPlatform[platform, default: []].formUnion(names)
                        }
                    }
                }
            }
        }
        let (dBytes, dTape) = try load("dettect_data_sources.json")
        dBytes.withUnsafeBytes { raw in
            dTape.nodes.withUnsafeBufferPointer { nodes in
                let view = JSONView(tape: nodes, bytes: raw)
                view.forEachElement(0) { e in
                    guard let id = view.member(e, "technique_id").flatMap(view.string), let list = view.member(e, "dettect_data_sources")
                    else { return }
                    result.extraByTechnique[id] = view.strings(list)
                }
            }
        }
        result.exactCase = true
        return result
    }

    /// DeTT&CT matches names case-sensitively; Vigil's own mode does not.
    public var exactCase = false

    func key(_ name: String) -> String { exactCase ? name : name.lowercased() }

    func applies(_ dc: String, on platforms: [String]) -> Bool {
        platforms.contains { byPlatform[$0.lowercased()]?.contains(key(dc)) ?? false }
    }

    func appliesExtra(_ ds: String, on platforms: [String]) -> Bool {
        platforms.contains { extraByPlatform[$0.lowercased()]?.contains(ds) ?? false }
    }
}

/// Visibility of one technique on one system.
public struct SystemVisibility: Sendable, Codable {
    public var system: String
    /// DeTT&CT's automatic score: -1 not applicable (no applicable data source), 0 none available, 1–4 by share.
    public var score: Int
    /// Vigil's quality-weighted score, 0–4 (share of needed components, each weighted by its data quality).
    public var qualityScore: Double
    public var needed: [String]
    public var collected: [String]
}

public struct TechniqueVisibility: Sendable, Codable {
    public var techniqueID: String
    /// Data components ATT&CK links to the technique (v18: through detection strategies and analytics).
    public var needed: [String]
    public var systems: [SystemVisibility]
    /// DeTT&CT-compatible overall score (0–4): the mean of the distinct positive per-system scores.
    public var score: Int
    /// Vigil's overall quality-weighted score, 0–4: the mean over the systems the technique applies to.
    public var qualityScore: Double
    public var collected: [String] { Array(Set(systems.flatMap(\.collected))).sorted() }
    public var missing: [String] { needed.filter { n in !collected.contains { $0.lowercased() == n.lowercased() } } }
}

public struct VisibilityModel: Sendable {
    public let kb: KnowledgeBase
    public let inventory: Inventory
    public let applicability: PlatformApplicability
    /// technique index → needed data component names
    public private(set) var needs: [Int: [String]] = [:]

    public init(kb: KnowledgeBase, inventory: Inventory, applicability: PlatformApplicability? = nil) {
        self.kb = kb
        self.inventory = inventory
        self.applicability = applicability ?? .fromAttack(kb)
        for (i, o) in kb.objects.enumerated() where o.kind == .technique && o.isActive {
            needs[i] = kb.dataComponents(detecting: i).map { kb.objects[$0].name }.sorted()
        }
    }

    /// Quality of a source as a weight 0–1 (a source without quality figures counts fully).
    static func weight(_ source: CollectedLogSource) -> Double { source.quality.map { $0.average / 5 } ?? 1 }

    /// DeTT&CT counts a data source as present when any quality dimension is above 0.
    static func isPresent(_ source: CollectedLogSource) -> Bool {
        guard let q = source.quality else { return source.available }
        return q.deviceCompleteness > 0 || q.dataFieldCompleteness > 0 || q.timeliness > 0 || q.consistency > 0 || q.retention > 0
    }

    public func visibility(of technique: Int) -> TechniqueVisibility? {
        guard var needed = needs[technique] else { return nil }
        let o = kb.objects[technique]
        var extras = applicability.extraByTechnique[o.attackID ?? ""] ?? []
        // DeTT&CT's rule for its own network data sources: a lone "Network Traffic Content" entry means
        // "evaluated, none needed"; otherwise its sources replace ATT&CK's Network Traffic Content unless
        // it lists that component too, in which case ATT&CK's entry stays and DeTT&CT's is dropped.
        let ntc = "Network Traffic Content"
        if extras == [ntc] {
            extras = []
        } else if !extras.isEmpty {
            if extras.contains(ntc) { extras.removeAll { $0 == ntc } } else { needed.removeAll { $0 == ntc } }
        }
        var systems: [SystemVisibility] = []
        // The inventory's exceptions are techniques the organisation takes out of scoring (DeTT&CT does the same).
        let excluded = inventory.exceptions.contains { $0.uppercased() == (o.attackID ?? "").uppercased() }
        for system in inventory.systems
        where !excluded && !Set(system.platforms.map { $0.lowercased() }).isDisjoint(with: o.platforms.map { $0.lowercased() }) {
            let applicable = needed.filter { applicability.applies($0, on: system.platforms) }
            let applicableExtras = extras.filter { applicability.appliesExtra($0, on: system.platforms) }
            let total = applicable.count + applicableExtras.count
            let sources = inventory.sources(for: system).map { inventory.logSources[$0] }.filter(Self.isPresent)
            var collected: [String] = []
            var weighted = 0.0
            for dc in applicable + applicableExtras {
                let key = applicability.key(dc)
                let providers = sources.filter { s in s.dataComponents.contains { applicability.key($0) == key } }
                if !providers.isEmpty {
                    collected.append(dc)
                    weighted += providers.map(Self.weight).max() ?? 0
                }
            }
            var score = -1
            if total > 0 {
                let percent = Double(collected.count) / Double(total) * 100
                score = collected.isEmpty ? 0 : percent <= 49 ? 1 : percent <= 74 ? 2 : percent <= 99 ? 3 : 4
            }
            let quality = total > 0 ? (weighted / Double(total) * 4 * 10).rounded() / 10 : 0
            systems.append(
                SystemVisibility(
                    system: system.name, score: score, qualityScore: quality, needed: applicable + applicableExtras, collected: collected))
        }
        let distinct = Array(Set(systems.map(\.score).filter { $0 > 0 }))
        let mean = distinct.isEmpty ? 0 : Double(distinct.reduce(0, +)) / Double(distinct.count)
        let applicableSystems = systems.filter { $0.score >= 0 }
        let quality = applicableSystems.isEmpty ? 0 : applicableSystems.map(\.qualityScore).reduce(0, +) / Double(applicableSystems.count)
        return TechniqueVisibility(
            techniqueID: o.attackID ?? "", needed: needed, systems: systems, score: Int(mean.rounded(.toNearestOrEven)),
            qualityScore: (quality * 10).rounded() / 10)
    }

    /// Data components collected anywhere (lowercased), for rule checks.
    public var collectedComponents: Set<String> {
        Set(inventory.logSources.filter(Self.isPresent).flatMap(\.dataComponents).map { $0.lowercased() })
    }
}

/// One log source an ATT&CK v18 analytic reads, and whether the inventory collects it.
public struct AnalyticLogSource: Sendable, Codable {
    public var name: String
    public var channel: String
    public var dataComponent: String?
    public var collected: Bool
    /// How Vigil decided: the Windows channel and event IDs, or the data component.
    public var how: String
}

public struct AnalyticCoverage: Sendable, Codable {
    public var id: String
    public var strategy: String
    public var platforms: [String]
    public var logSources: [AnalyticLogSource]
    /// Every log source of the analytic is collected.
    public var complete: Bool { logSources.allSatisfy(\.collected) }
}

extension VisibilityModel {
    /// `WinEventLog:<name>` log sources of analytics name Windows channels by a short name.
    static let windowsChannels: [String: String] = [
        "security": "Security", "system": "System", "application": "Application", "sysmon": "Microsoft-Windows-Sysmon/Operational",
        "powershell": "Microsoft-Windows-PowerShell/Operational", "taskscheduler": "Microsoft-Windows-TaskScheduler/Operational",
        "wmi": "Microsoft-Windows-WMI-Activity/Operational", "windows defender": "Microsoft-Windows-Windows Defender/Operational",
        "bits-client": "Microsoft-Windows-Bits-Client/Operational", "codeintegrity": "Microsoft-Windows-CodeIntegrity/Operational",
    ]

    /// The Windows events an analytic log source names (`WinEventLog:Security`, `EventCode=4688, 4689`), if any.
    static func windowsEvents(name: String, channel: String) -> WindowsEventSet? {
        let lower = name.lowercased()
        guard lower.hasPrefix("wineventlog:") else { return nil }
        let short = String(lower.dropFirst("wineventlog:".count))
        let channelName = windowsChannels[short] ?? String(name.dropFirst("WinEventLog:".count))
        var ids: [Int] = []
        if let range = channel.range(of: "EventCode=") {
            ids = channel[range.upperBound...].split(whereSeparator: { $0 == "," || $0 == " " }).prefix { Int($0) != nil }.compactMap {
                Int($0)
            }
        }
        // ATT&CK files the classic "Windows PowerShell" log (400, 403, 600, 800) under WinEventLog:PowerShell too.
        if short == "powershell", !ids.isEmpty, ids.allSatisfy({ $0 < 1000 }) {
            return WindowsEventSet(channel: "Windows PowerShell", eventIDs: ids)
        }
        return WindowsEventSet(channel: channelName, eventIDs: ids)
    }

    /// ATT&CK v18 analytics of the technique's detection strategies, each log source marked collected or not:
    /// Windows event log sources by channel and event ID against the inventory, the others by data component.
    public func analytics(of technique: Int) -> [AnalyticCoverage] {
        let present = inventory.logSources.filter(Self.isPresent)
        let collected = collectedComponents
        var result: [AnalyticCoverage] = []
        for strategy in kb.related(technique, .detects, incoming: true) where kb.objects[strategy].kind == .detectionStrategy {
            for a in kb.objects[strategy].refs where kb.objects[a].isActive {
                let o = kb.objects[a]
                let sources = o.logSources.map { ls -> AnalyticLogSource in
                    let dc = ls.dataComponent.map { kb.objects[$0].name }
                    if let events = Self.windowsEvents(name: ls.name, channel: ls.channel) {
                        let hit = present.contains { $0.windows.contains { $0.overlaps(events) } }
                        return AnalyticLogSource(
                            name: ls.name, channel: ls.channel, dataComponent: dc, collected: hit, how: "Windows events \(events)")
                    }
                    let hit = dc.map { collected.contains($0.lowercased()) } ?? false
                    return AnalyticLogSource(
                        name: ls.name, channel: ls.channel, dataComponent: dc, collected: hit, how: "data component \(dc ?? "none")")
                }
                result.append(
                    AnalyticCoverage(
                        id: o.attackID ?? o.stixID, strategy: kb.objects[strategy].attackID ?? "", platforms: o.platforms,
                        logSources: sources))
            }
        }
        return result
    }
}
