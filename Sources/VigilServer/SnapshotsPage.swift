// The snapshots page (list, trend chart, a diff form), the diff page and the layer downloads page.

import VigilCoverage
import VigilStore

enum SnapshotsPage {
    static func render(_ site: CoverageSite, _ load: SnapshotCache.Loader, _ query: [String: String]) throws -> [UInt8] {
        guard let store = site.store else { throw SiteError(status: 404, message: "no history store") }
        let summaries = try store.summaries()
        return HTML.page(title: "Snapshots", active: "Snapshots", snapshotNote: nil) { h in
            h.trusted("<section class=\"summary\"><h1>Snapshots</h1><p>\(summaries.count) snapshots in the history store.</p></section>")
            h.raw("<section><h2>Coverage by tactic over time</h2>")
            Charts.trend(&h, summaries, tactics: site.tacticOrder)
            h.raw("</section><section><h2>All snapshots</h2><table id=\"snapshots\"><thead><tr><th>id</th><th>label</th><th>taken</th>")
            h.raw(
                "<th>ATT&amp;CK</th><th>inventory</th><th>rules</th><th>green</th><th>yellow</th><th>red</th><th>white</th><th>green %</th><th>validated</th></tr></thead><tbody>"
            )
            for s in summaries.reversed() {
                h.trusted("<tr><td><a href=\"/?snapshot=\(s.id)\">#\(s.id)</a></td><td>")
                h.text(s.label ?? "")
                h.raw("</td><td>")
                h.text(s.createdAt)
                h.raw("</td><td>")
                h.text(s.attackVersion)
                h.raw("</td><td>")
                h.text(s.inventoryName)
                h.trusted(
                    "</td><td>\(s.ruleCount)</td><td>\(s.counts.green)</td><td>\(s.counts.yellow)</td><td>\(s.counts.red)</td><td>\(s.counts.white)</td><td>\(s.greenPercent)</td><td>\(s.validation.map { "\($0.greenValidated) of \($0.green) green, \($0.missed) missed" } ?? "—")</td></tr>"
                )
            }
            h.raw("</tbody></table></section>")
            if summaries.count >= 2 {
                h.raw("<section><h2>Compare</h2><form method=\"get\" action=\"/diff\" class=\"filters\">")
                for (name, preset) in [("from", summaries[summaries.count - 2].id), ("to", summaries[summaries.count - 1].id)] {
                    h.trusted("<label>\(name) <select name=\"\(name)\">")
                    for s in summaries.reversed() {
                        h.trusted("<option value=\"\(s.id)\"" + (s.id == preset ? " selected" : "") + ">")
                        h.text(s.name)
                        h.raw("</option>")
                    }
                    h.raw("</select></label>")
                }
                h.raw("<button type=\"submit\">Diff</button></form></section>")
            }
        }
    }

    static func renderDiff(_ site: CoverageSite, _ load: SnapshotCache.Loader, _ query: [String: String]) throws -> [UInt8] {
        guard let store = site.store else { throw SiteError(status: 404, message: "no history store") }
        let a = try store.snapshot(query["from"] ?? "previous")
        let b = try store.snapshot(query["to"] ?? "latest")
        let diff = SnapshotDiff(from: a, to: b)
        return HTML.page(title: "Diff", active: "Snapshots", snapshotNote: nil) { h in
            h.raw("<section class=\"summary\"><h1>")
            h.text("\(diff.from.name) → \(diff.to.name)")
            h.raw("</h1><p>")
            h.text("\(diff.from.greenPercent)% → \(diff.to.greenPercent)% green")
            if let u = diff.attackUpgrade { h.text(" · " + u) }
            if let t = diff.thresholdChange { h.text(" · " + t) }
            h.raw("</p></section>")
            changes(
                &h, "Techniques that changed colour",
                diff.techniques.map {
                    (
                        $0.id, $0.name, "pill s-" + ($0.from?.rawValue ?? "white"), $0.from?.rawValue,
                        "pill s-" + ($0.to?.rawValue ?? "white"), $0.to?.rawValue, $0.why
                    )
                })
            if !diff.validation.isEmpty {
                changes(
                    &h, "Validation on attack simulations",
                    diff.validation.map {
                        (
                            $0.id, $0.name, "badge " + ($0.from?.rawValue ?? ""), $0.from?.rawValue, "badge " + ($0.to?.rawValue ?? ""),
                            $0.to?.rawValue, $0.why
                        )
                    })
            }
            h.raw(
                "<section><h2>Rules</h2><table><thead><tr><th>change</th><th>rule</th><th>path</th><th>detail</th></tr></thead><tbody>"
            )
            for r in diff.rules {
                h.raw("<tr><td>")
                h.text(r.change)
                h.raw("</td><td>")
                h.text(r.title)
                h.raw("</td><td class=\"path\">")
                h.text(r.path)
                h.raw("</td><td>")
                h.text(r.detail)
                h.raw("</td></tr>")
            }
            h.raw("</tbody></table></section><section><h2>Log sources</h2><ul>")
            for s in diff.logSources {
                h.raw("<li>")
                h.text("\(s.change): \(s.name) (\(s.dataComponents.joined(separator: ", ")))")
                h.raw("</li>")
            }
            h.raw("</ul></section>")
        }
    }

    /// A table of techniques that changed between two snapshots: from, to (each a labelled span) and why.
    static func changes(
        _ h: inout HTML, _ title: StaticString,
        _ rows: [(id: String, name: String, fromClass: String, from: String?, toClass: String, to: String?, why: [String])]
    ) {
        h.raw("<section><h2>")
        h.raw(title)
        h.raw("</h2><table><thead><tr><th>technique</th><th>from</th><th>to</th><th>why</th></tr></thead><tbody>")
        for row in rows {
            h.raw("<tr><td>")
            GapPage.links(&h, [row.id])
            h.raw(" ")
            h.text(row.name)
            h.trusted(
                "</td><td><span class=\"\(row.fromClass)\">\(row.from ?? "—")</span></td><td><span class=\"\(row.toClass)\">\(row.to ?? "—")</span></td><td><ul>"
            )
            for w in row.why {
                h.raw("<li>")
                h.text(w)
                h.raw("</li>")
            }
            h.raw("</ul></td></tr>")
        }
        h.raw("</tbody></table></section>")
    }

    static func renderLayers(_ site: CoverageSite, _ load: SnapshotCache.Loader, _ query: [String: String]) throws -> [UInt8] {
        let view = try load(query["snapshot"])
        let id = view.snapshot.summary.id
        return HTML.page(title: "Navigator layers", active: "Layers", snapshotNote: MatrixPage.note(view.snapshot.summary)) { h in
            h.raw(
                "<section class=\"summary\"><h1>ATT&amp;CK Navigator layers</h1><p>Layer format 4.5, as saved with the snapshot. Open them in the ATT&amp;CK Navigator.</p></section><ul class=\"layers\">"
            )
            let descriptions: [LayerKind: String] = [
                .status: "detection status (green, yellow, red, white, risk accepted)",
                .detection: "detection score 0–5", .visibility: "visibility score 0–4 (DeTT&CT-compatible)",
                .overlay: "visibility versus detection", .actors: "techniques of the selected actors",
                .actorCoverage: "the actors' techniques coloured by detection status",
                .validation: "what attack simulations proved: validated, missed, green but untested",
            ]
            for kind in LayerKind.allCases where view.snapshot.layers[kind.rawValue] != nil {
                h.trusted("<li><a download href=\"/layers/\(kind.rawValue).json?snapshot=\(id)\">\(kind.rawValue).json</a> — ")
                h.text(descriptions[kind] ?? "")
                h.raw("</li>")
            }
            h.raw("</ul>")
        }
    }
}
