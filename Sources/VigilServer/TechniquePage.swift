// A technique's page: why it has its colour, its rules, the logs they need and whether they are
// collected, ATT&CK's data components and analytics, the actors that use it, risk acceptance, and its
// history across snapshots as a small SVG chart.

import VigilAttack
import VigilCore
import VigilCoverage
import VigilStore

enum TechniquePage {
    static func render(_ site: CoverageSite, _ load: SnapshotCache.Loader, id: String, _ query: [String: String]) throws -> [UInt8] {
        let view = try load(query["snapshot"])
        guard TechniqueID(id) != nil, let t = view.technique(id) else {
            throw SiteError(status: 404, message: "no technique \(id) in snapshot \(view.snapshot.summary.name)")
        }
        let history = (try? site.store?.history(technique: t.id)) ?? []
        let kbIndex = site.kb.objects(attackID: t.id, kind: .technique).first
        let detail = kbIndex.map { site.kb.detail(of: $0) }
        return HTML.page(title: "\(t.id) \(t.name)", active: "", snapshotNote: MatrixPage.note(view.snapshot.summary)) { h in
            h.raw("<section class=\"summary\"><h1>")
            h.trusted("<span class=\"pill s-\(t.status.rawValue)\" id=\"status\">\(t.status.rawValue)</span> ")
            h.text(t.id)
            h.raw(" ")
            h.text(t.name)
            h.raw("</h1><p>")
            h.text(t.tactics.joined(separator: ", "))
            h.raw(" · ")
            h.text(t.platforms.joined(separator: ", "))
            if let url = detail?.url, url.hasPrefix("https://attack.mitre.org/") {
                h.raw(" · <a href=\"")
                h.attr(url)
                h.raw("\" rel=\"noreferrer\">ATT&amp;CK page</a>")
            }
            h.trusted(
                "</p><p>Detection score <strong>\(t.detectionScore)</strong>/5 · visibility <strong>\(t.visibility?.score ?? 0)</strong>/4 (quality-weighted \(t.visibility?.qualityScore ?? 0))"
            )
            if let p = t.pyramid {
                h.raw(" · Pyramid of Pain: ")
                h.text(p.title)
            }
            h.raw("</p><ul class=\"reasons\">")
            for r in t.reasons {
                h.raw("<li>")
                h.text(r)
                h.raw("</li>")
            }
            h.raw("</ul></section>\n")
            if let parent = t.isSubtechnique ? String(t.id.prefix { $0 != "." }) : nil {
                h.raw("<p>Sub-technique of <a href=\"/technique/")
                h.attr(parent)
                h.raw("\">")
                h.text(parent + " " + (view.technique(parent)?.name ?? ""))
                h.raw("</a></p>")
            }
            if let a = t.accepted {
                h.raw("<section class=\"accepted\"><h2>Risk accepted</h2><p>")
                h.text("\(a.owner), review by \(a.review)" + (a.scope.isEmpty ? "" : " · scope: " + a.scope.joined(separator: ", ")))
                if t.acceptanceExpired { h.raw(" <strong class=\"expired\">EXPIRED: review it</strong>") }
                h.raw("</p><p>")
                h.text(a.reason)
                h.raw("</p></section>")
            }
            h.raw("<section><h2>History</h2>")
            Charts.history(&h, history)
            h.raw("</section>\n")
            validation(&h, view, t)
            assets(&h, view, t)
            rules(&h, view, t)
            logs(&h, view, t)
            attack(&h, detail)
            h.raw("<section><h2>Actors</h2>")
            if t.actors.isEmpty {
                h.raw("<p>None of the selected actors uses it.</p>")
            } else {
                h.raw("<ul>")
                for a in t.actors {
                    h.raw("<li>")
                    h.text(a)
                    h.raw("</li>")
                }
                h.raw("</ul>")
            }
            if let groups = detail?.groups, !groups.isEmpty {
                h.trusted("<p>ATT&amp;CK lists \(groups.count) groups using it: ")
                h.text(groups.prefix(30).map(\.name).joined(separator: ", ") + (groups.count > 30 ? ", …" : ""))
                h.raw("</p>")
            }
            h.raw("</section>\n")
        }
    }

    /// Its status on every high-value asset, with the asset's term of the gap weight and what is missing there.
    static func assets(_ h: inout HTML, _ view: SnapshotView, _ t: TechniqueCoverage) {
        guard let context = view.assets else { return }
        let terms = context.terms(t)
        h.trusted(
            "<section class=\"assets\"><h2>On the high-value assets</h2><p>Gap weight <strong id=\"weight\">\(terms.reduce(0) { $0 + $1.weight })</strong>"
        )
        h.raw(" (")
        h.text(AssetContext.formula)
        h.raw(")</p><table class=\"asset-status\"><thead><tr><th>asset</th><th>value</th><th>holds</th><th>status here</th>")
        h.raw("<th>weight term</th><th>actors after it</th><th>missing here</th><th>reason</th></tr></thead><tbody>")
        for a in context.assets {
            let s = t.assets?.first { $0.asset == a.name }
            let status = s?.status ?? .white
            let term = terms.first { $0.asset == a.name }
            h.raw("<tr><td><a href=\"/?asset=")
            h.attr(HTML.urlEncode(a.name))
            h.raw("\">")
            h.text(a.name)
            h.trusted("</a></td><td>\(a.value)</td><td>")
            h.text(a.holds.joined(separator: ", "))
            h.trusted("</td><td><span class=\"pill s-\(status.rawValue)\">\(status.rawValue)</span></td><td>")
            h.text(term?.text ?? "")
            h.raw("</td><td>")
            h.text(term?.aimedActors.joined(separator: ", ") ?? "")
            h.raw("</td><td>")
            h.text(s?.missing.joined(separator: ", ") ?? "")
            h.raw("</td><td>")
            h.text(s?.reason ?? "does not apply to its systems' platforms")
            h.raw("</td></tr>")
        }
        h.raw("</tbody></table></section>\n")
    }

    /// What attack simulations proved: the events that validate it, or the rules expected to fire that did not.
    static func validation(_ h: inout HTML, _ view: SnapshotView, _ t: TechniqueCoverage) {
        guard let v = t.validation else { return }
        h.trusted(
            "<section class=\"validation\"><h2>Validation: <span class=\"badge \(v.outcome.rawValue)\">\(v.outcome.rawValue)</span></h2><p>"
        )
        h.text(v.reason)
        h.raw("</p>")
        if !v.evidence.isEmpty {
            h.raw(
                "<table class=\"evidence\"><thead><tr><th>rule</th><th>simulation</th><th>event</th><th>time</th><th>events</th></tr></thead><tbody>"
            )
            for e in v.evidence where e.rule < view.snapshot.rules.count {
                h.raw("<tr><td>")
                h.text(view.snapshot.rules[e.rule].verdict.title)
                h.raw("</td><td>")
                h.text(e.file)
                h.raw("</td><td>")
                h.text("line \(e.line)" + (e.recordID.map { ", record \($0)" } ?? "") + (e.eventID.map { ", event ID \($0)" } ?? ""))
                h.raw("</td><td>")
                h.text(e.timestamp ?? "")
                h.trusted("</td><td>\(e.events)</td></tr>")
            }
            h.raw("</tbody></table>")
        }
        if !v.expected.isEmpty {
            h.raw("<p>Expected to fire, and did not:</p><ul>")
            for r in v.expected where r < view.snapshot.rules.count {
                h.raw("<li>")
                h.text(view.snapshot.rules[r].verdict.title + " — " + view.snapshot.rules[r].verdict.path)
                h.raw("</li>")
            }
            h.raw("</ul>")
        }
        if !v.simulations.isEmpty {
            h.trusted("<details><summary>\(v.simulations.count) simulations of it</summary><ul>")
            for file in v.simulations {
                h.raw("<li>")
                h.text(file)
                h.raw("</li>")
            }
            h.raw("</ul></details>")
        }
        h.raw("</section>\n")
    }

    static func rules(_ h: inout HTML, _ view: SnapshotView, _ t: TechniqueCoverage) {
        h.raw("<section><h2>Rules</h2>")
        let groups: [(String, String, [Int])] = [
            ("detecting", "Detecting (collected logs, rating at or above the threshold)", t.detectingRules),
            ("weak", "Weak (low rating or experimental)", t.weakRules),
            ("blind", "Blind (their logs are not collected)", t.blindRules),
        ]
        if groups.allSatisfy({ $0.2.isEmpty }) { h.raw("<p>No rule in the repositories detects it.</p>") }
        for (cls, title, indices) in groups where !indices.isEmpty {
            h.trusted("<h3>\(title): \(indices.count)</h3><table class=\"rules \(cls)\"><thead><tr>")
            h.raw("<th>title</th><th>severity</th><th>rating</th><th>source</th><th>path</th><th>logs</th></tr></thead><tbody>")
            for i in indices where i < view.snapshot.rules.count {
                let r = view.snapshot.rules[i].verdict
                h.raw("<tr><td>")
                h.text(r.title)
                h.raw("</td><td>")
                h.text(r.severity?.rawValue ?? "—")
                h.raw("</td><td title=\"")
                h.attr(r.ratingReason)
                h.raw("\">")
                h.text(r.rating)
                h.raw("</td><td>")
                h.text(r.source.title)
                h.raw("</td><td class=\"path\">")
                h.text(r.path)
                h.raw("</td><td>")
                if r.logsCollected {
                    h.raw("collected")
                } else {
                    h.text((r.missingLogs + r.unmappedLogs.map { $0 + " (unmapped)" }).joined(separator: "; "))
                }
                h.raw("</td></tr>")
            }
            h.raw("</tbody></table>")
        }
        h.raw("</section>\n")
    }

    static func logs(_ h: inout HTML, _ view: SnapshotView, _ t: TechniqueCoverage) {
        h.raw("<section><h2>Log sources</h2>")
        guard let v = t.visibility, !v.needed.isEmpty else {
            h.raw("<p>ATT&amp;CK names no data component for it.</p></section>")
            return
        }
        h.raw("<table class=\"logs\"><thead><tr><th>data component needed</th><th>collected</th><th>by</th></tr></thead><tbody>")
        let collected = Set(v.collected.map { $0.lowercased() })
        for dc in v.needed {
            let have = collected.contains(dc.lowercased())
            let providers = view.snapshot.logSources.filter { s in s.dataComponents.contains { $0.lowercased() == dc.lowercased() } }
            h.raw(have ? "<tr class=\"have\"><td>" : "<tr class=\"missing\"><td>")
            h.text(dc)
            h.raw(have ? "</td><td>yes</td><td>" : "</td><td>no</td><td>")
            h.text(providers.map(\.name).joined(separator: ", "))
            h.raw("</td></tr>")
        }
        h.raw("</tbody></table>")
        if !v.systems.isEmpty {
            h.raw(
                "<table class=\"systems\"><thead><tr><th>system</th><th>visibility</th><th>quality-weighted</th><th>collected</th></tr></thead><tbody>"
            )
            for s in v.systems {
                h.raw("<tr><td>")
                h.text(s.system)
                h.raw("</td><td>")
                h.text(s.score < 0 ? "n/a" : String(s.score))
                h.raw("</td><td>")
                h.text(String(s.qualityScore))
                h.raw("</td><td>")
                h.text(s.collected.joined(separator: ", "))
                h.raw("</td></tr>")
            }
            h.raw("</tbody></table>")
        }
        h.raw("</section>\n")
    }

    static func attack(_ h: inout HTML, _ detail: ObjectDetail?) {
        h.raw("<section><h2>ATT&amp;CK data components and analytics</h2>")
        guard let d = detail else {
            h.raw("<p>This technique is not in the loaded ATT&amp;CK version.</p></section>")
            return
        }
        if !d.dataComponents.isEmpty {
            h.raw("<p>Data components: ")
            h.text(d.dataComponents.map(\.name).joined(separator: ", "))
            h.raw("</p>")
        }
        for s in d.detectionStrategies {
            h.raw("<h3>")
            h.text("\(s.strategy.id) \(s.strategy.name)")
            h.raw("</h3><ul>")
            for a in s.analytics {
                h.raw("<li>")
                h.text("\(a.id) (\(a.platforms.joined(separator: ", "))): ")
                h.text(a.logSources.map { "\($0.dataComponent?.name ?? "?") — \($0.name) \($0.channel)" }.joined(separator: "; "))
                h.raw("</li>")
            }
            h.raw("</ul>")
        }
        if !d.subtechniques.isEmpty {
            h.raw("<p>Sub-techniques: ")
            for (n, s) in d.subtechniques.enumerated() {
                if n > 0 { h.raw(", ") }
                h.raw("<a href=\"/technique/")
                h.attr(s.id)
                h.raw("\">")
                h.text("\(s.id) \(s.name)")
                h.raw("</a>")
            }
            h.raw("</p>")
        }
        h.raw("</section>\n")
    }
}
