// The JSON API behind the pages (`/api/…`), documented in the README. Read-only, like the pages.

import VigilCoverage
import VigilStore

enum API {
    static let endpoints: [String: String] = [
        "/api/snapshots": "every snapshot's summary, oldest first",
        "/api/snapshots/{ref}": "one snapshot's summary; ref is an id, a label, latest or previous",
        "/api/matrix?snapshot=&layer=": "the matrix: tactics in order, techniques with status, score and sub-techniques",
        "/api/techniques/{id}?snapshot=": "one technique: coverage, its rules by role, and its history",
        "/api/gaps?snapshot=": "the gap plan",
        "/api/layers/{kind}?snapshot=": "a Navigator layer (status, detection, visibility, overlay, actors, actor-coverage)",
        "/api/diff?from=&to=": "what changed between two snapshots and why",
        "/api/trend": "green share overall and per tactic, and validation counts, for every snapshot",
    ]

    struct MatrixTechnique: Encodable {
        var id: String
        var name: String
        var status: CoverageStatus
        var detectionScore: Int
        var visibilityScore: Int
        var actors: Int
        var accepted: Bool
        var subtechniques: [MatrixTechnique]?
    }

    struct MatrixTactic: Encodable {
        var shortname: String
        var name: String
        var techniques: [MatrixTechnique]
    }

    struct Matrix: Encodable {
        var snapshot: SnapshotSummary
        var tactics: [MatrixTactic]
    }

    struct RuleEntry: Encodable {
        var role: String
        var rule: RuleVerdict
        var contentHash: String
    }

    struct TechniqueAnswer: Encodable {
        var snapshot: Int64
        var technique: TechniqueCoverage
        var rules: [RuleEntry]
        var history: [TechniqueHistoryPoint]
    }

    struct TrendPoint: Encodable {
        var id: Int64
        var label: String?
        var createdAt: String
        var greenPercent: Double
        var tactics: [String: Double]
        var validation: ValidationCounts?
    }

    static func respond(_ site: CoverageSite, _ path: [String], _ query: [String: String]) -> SiteResponse {
        do {
            switch (path.first ?? "", path.count) {
            case ("", 0): return .json(endpoints)
            case ("snapshots", 1): return .json(try store(site).summaries())
            case ("snapshots", 2): return .json(try store(site).summary(path[1]))
            case ("matrix", 1): return .json(matrix(try site.loader(query["snapshot"])))
            case ("techniques", 2):
                let view = try site.loader(query["snapshot"])
                guard let t = view.technique(path[1]) else { return .plain(404, "no technique \(path[1]) in this snapshot") }
                let rules =
                    t.detectingRules.map { ("detecting", $0) } + t.weakRules.map { ("weak", $0) } + t.blindRules.map { ("blind", $0) }
                return .json(
                    TechniqueAnswer(
                        snapshot: view.snapshot.summary.id, technique: t,
                        rules: rules.filter { $0.1 < view.snapshot.rules.count }.map {
                            RuleEntry(
                                role: $0.0, rule: view.snapshot.rules[$0.1].verdict, contentHash: view.snapshot.rules[$0.1].contentHash)
                        },
                        history: try store(site).history(technique: t.id)))
            case ("gaps", 1):
                guard let plan = try site.loader(query["snapshot"]).snapshot.plan else { return .plain(404, "no gap plan") }
                return .json(plan)
            case ("layers", 2):
                guard let kind = LayerKind(rawValue: path[1]) else { return .plain(404, "no such layer") }
                guard let json = try site.loader(query["snapshot"]).snapshot.layers[kind.rawValue] else {
                    return .plain(404, "no such layer")
                }
                return SiteResponse(contentType: "application/json; charset=utf-8", body: Array(json.utf8))
            case ("diff", 1):
                let s = try store(site)
                return .json(SnapshotDiff(from: try s.snapshot(query["from"] ?? "previous"), to: try s.snapshot(query["to"] ?? "latest")))
            case ("trend", 1):
                return .json(
                    try store(site).summaries().map { s in
                        TrendPoint(
                            id: s.id, label: s.label, createdAt: s.createdAt, greenPercent: s.greenPercent,
                            tactics: Dictionary(s.tactics.map { ($0.tactic, $0.counts.greenPercent) }, uniquingKeysWith: { a, _ in a }),
                            validation: s.validation)
                    })
            default: return .plain(404, "no such endpoint: see /api")
            }
        } catch let error as SiteError {
            return .plain(error.status, error.message)
        } catch let error as StoreError {
            if case .unknownSnapshot = error { return .plain(404, error.description) }
            return .plain(500, error.description)
        } catch {
            return .plain(500, "\(error)")
        }
    }

    static func store(_ site: CoverageSite) throws -> HistoryStore {
        guard let store = site.store else { throw SiteError(status: 404, message: "no history store") }
        return store
    }

    static func matrix(_ view: SnapshotView) -> Matrix {
        func entry(_ i: Int, subs: [Int]?) -> MatrixTechnique {
            let t = view.snapshot.techniques[i]
            return MatrixTechnique(
                id: t.id, name: t.name, status: t.status, detectionScore: t.detectionScore, visibilityScore: t.visibility?.score ?? 0,
                actors: t.actors.count, accepted: t.accepted != nil, subtechniques: subs?.map { entry($0, subs: nil) })
        }
        return Matrix(
            snapshot: view.snapshot.summary,
            tactics: view.columns.map { c in
                MatrixTactic(shortname: c.shortname, name: c.name, techniques: c.techniques.map { entry($0.parent, subs: $0.subs) })
            })
    }
}
