// A snapshot arranged for display: techniques by id, the matrix (tactics in ATT&CK's order, parents
// with their sub-techniques), and the colour class of every technique in every layer.

import VigilCoverage
import VigilStore

/// What the matrix colours by.
enum MatrixLayer: String, CaseIterable {
    case status, detection, visibility, actors

    var title: String {
        switch self {
        case .status: "Status"
        case .detection: "Detection score"
        case .visibility: "Visibility score"
        case .actors: "Actors"
        }
    }
}

final class SnapshotView: Sendable {
    struct Column: Sendable {
        var shortname: String
        var name: String
        /// Positions in `snapshot.techniques` of parents, by name, each with its sub-techniques in this tactic.
        var techniques: [(parent: Int, subs: [Int])]
    }

    let snapshot: Snapshot
    let byID: [String: Int]
    let columns: [Column]
    let platforms: [String]
    let maxActors: Int
    /// The high-value assets the snapshot weighed gaps over, most valuable first (nil: none).
    let assets: AssetContext?

    init(_ snapshot: Snapshot, tacticOrder: [(shortname: String, name: String)]) {
        self.snapshot = snapshot
        var byID: [String: Int] = [:]
        for (i, t) in snapshot.techniques.enumerated() { byID[t.id] = i }
        self.byID = byID
        var subsOf: [String: [Int]] = [:]
        for (i, t) in snapshot.techniques.enumerated() where t.isSubtechnique {
            subsOf[String(t.id.prefix { $0 != "." }), default: []].append(i)
        }
        var order = tacticOrder
        let known = Set(order.map(\.shortname))
        for name in Set(snapshot.techniques.flatMap(\.tactics)).subtracting(known).sorted() { order.append((name, name)) }
        columns = order.compactMap { tactic in
            let parents = snapshot.techniques.indices.filter {
                !snapshot.techniques[$0].isSubtechnique && snapshot.techniques[$0].tactics.contains(tactic.shortname)
            }
            .sorted { snapshot.techniques[$0].name < snapshot.techniques[$1].name }
            guard !parents.isEmpty else { return nil }
            return Column(
                shortname: tactic.shortname, name: tactic.name,
                techniques: parents.map { p in
                    (p, (subsOf[snapshot.techniques[p].id] ?? []).filter { snapshot.techniques[$0].tactics.contains(tactic.shortname) })
                })
        }
        platforms = Array(Set(snapshot.techniques.flatMap(\.platforms))).sorted()
        maxActors = snapshot.techniques.map(\.actors.count).max() ?? 0
        assets = snapshot.plan?.assetContext.map { c in
            var c = c
            c.assets.sort { ($0.implicit ? 1 : 0, $1.value, $0.name) < ($1.implicit ? 1 : 0, $0.value, $1.name) }
            return c
        }
    }

    /// A technique's status on an asset: white where it does not apply there.
    func status(_ t: TechniqueCoverage, on asset: String) -> CoverageStatus {
        t.assets?.first { $0.asset == asset }?.status ?? .white
    }

    func technique(_ id: String) -> TechniqueCoverage? { byID[id.uppercased()].map { snapshot.techniques[$0] } }

    /// The CSS class that colours a technique in a layer (colours live in the stylesheet: the CSP forbids inline styles).
    func colour(_ t: TechniqueCoverage, _ layer: MatrixLayer, asset: String? = nil) -> String {
        switch layer {
        case .status:
            let shown = asset.map { self.status(t, on: $0) } ?? t.status
            return t.accepted != nil && shown != .green ? "s-accepted" : "s-" + shown.rawValue
        case .detection: return "d\(min(max(t.detectionScore, 0), 5))"
        case .visibility: return "v\(min(max(t.visibility?.score ?? 0, 0), 4))"
        case .actors:
            guard !t.actors.isEmpty, maxActors > 0 else { return "a0" }
            return "a\(1 + (t.actors.count - 1) * 4 / max(maxActors, 1))"
        }
    }

    /// Colour of a status as a hex value, for SVG fills (attributes, which the CSP allows).
    static func hex(_ status: CoverageStatus) -> String {
        switch status {
        case .green: "#31a354"
        case .yellow: "#fdd835"
        case .red: "#e53935"
        case .white: "#d9d9d9"
        }
    }
}
