// The gap plan page: the gaps ranked by the adversaries that use them, the next log sources to
// onboard, techniques with no rule anywhere, the Pyramid-of-Pain profile and the accepted risks.

import VigilCore
import VigilCoverage
import VigilStore

enum GapPage {
    static func render(_ site: CoverageSite, _ load: SnapshotCache.Loader, _ query: [String: String]) throws -> [UInt8] {
        let view = try load(query["snapshot"])
        guard let plan = view.snapshot.plan else { throw SiteError(status: 404, message: "this snapshot has no gap plan") }
        return HTML.page(title: "Gap plan", active: "Gap plan", snapshotNote: MatrixPage.note(view.snapshot.summary)) { h in
            h.raw("<section class=\"summary\"><h1>Gap plan</h1><p>")
            h.text("ATT&CK \(plan.attack) · inventory: \(plan.inventory) · \(plan.greenPercent)% green · \(plan.blindRules) blind rules")
            h.raw("</p></section>")
            if let v = plan.validation {
                h.raw("<section><h2>Claimed but not proven</h2><p>")
                h.text(
                    "Attack simulations validated \(v.greenValidated) of the \(v.green) green techniques (\(v.validatedPercent)%); "
                        + "\(v.greenMissed) were simulated and their rules missed. Missed first, then untested, ranked by the adversaries.")
                h.raw("</p><table><thead><tr><th>technique</th><th>validation</th><th>actors</th><th>reason</th></tr></thead><tbody>")
                for g in plan.claimedNotProven {
                    h.raw("<tr><td>")
                    links(&h, [g.id])
                    h.raw(" ")
                    h.text(g.name)
                    h.trusted(
                        "</td><td><span class=\"badge \(g.validation?.rawValue ?? "")\">\(g.validation?.rawValue ?? "")</span></td><td>")
                    h.text(g.actorWeight)
                    h.raw("</td><td>")
                    h.text(g.reason)
                    h.raw("</td></tr>")
                }
                h.raw("</tbody></table></section>")
            }
            let weighed = plan.assetFormula != nil
            if let formula = plan.assetFormula {
                h.raw("<section><h2>Gaps, ranked by what they put at risk</h2><p>")
                h.text(formula)
                h.raw("</p><table><thead><tr><th>technique</th><th>status</th><th>weight</th><th>terms</th><th>actors</th>")
            } else {
                h.raw("<section><h2>Gaps, ranked by the adversaries that use them</h2>")
                h.raw("<table><thead><tr><th>technique</th><th>status</th><th>actors</th>")
            }
            h.raw("<th>missing data components</th><th>logs that provide them</th></tr></thead><tbody>")
            for g in plan.gaps { gapRow(&h, g, weighed: weighed) }
            h.raw("</tbody></table></section>")
            assetSections(&h, plan)
            h.raw("<section><h2>Next log sources to onboard</h2><table><thead><tr><th>data component</th><th>techniques turned green</th>")
            h.raw(weighed ? "<th>asset-weighted gain</th><th>on assets</th>" : "")
            h.raw("<th>weighted gain</th><th>provided by</th></tr></thead><tbody>")
            for o in plan.onboarding.prefix(25) {
                h.raw("<tr><td>")
                h.text(o.dataComponent)
                h.raw("</td><td>")
                links(&h, o.techniquesTurningGreen)
                if weighed {
                    h.raw("</td><td>")
                    h.text(o.assetGain ?? 0)
                    h.raw("</td><td>")
                    h.text((o.assets ?? []).joined(separator: ", "))
                }
                h.raw("</td><td>")
                h.text(o.weightedGain)
                h.raw("</td><td>")
                h.text(o.providers.joined(separator: "; "))
                h.raw("</td></tr>")
            }
            h.raw("</tbody></table></section><section><h2>No rule in any repository</h2><p>")
            links(&h, plan.noRuleAnywhere.map(\.id))
            h.raw("</p></section><section><h2>Pyramid of Pain</h2><table><thead><tr><th>tactic</th><th>green</th>")
            for level in PyramidLevel.allCases {
                h.raw("<th>")
                h.text(level.title)
                h.raw("</th>")
            }
            h.raw(
                "<th>survive hash change</th><th>survive IP change</th><th>survive domain change</th><th>survive tool change</th></tr></thead><tbody>"
            )
            for r in plan.pyramid {
                h.raw("<tr><td>")
                h.text(r.tactic)
                h.raw("</td><td>")
                h.text(r.green)
                for level in PyramidLevel.allCases {
                    h.raw("</td><td>")
                    h.text(r.byLevel[level.key] ?? 0)
                }
                for key in ["hash", "ip", "domain", "tool"] {
                    h.raw("</td><td>")
                    h.text(r.survives[key] ?? 0)
                }
                h.raw("</td></tr>")
            }
            h.raw("</tbody></table></section><section><h2>Accepted risks</h2>")
            if plan.acceptedRisks.isEmpty { h.raw("<p>None.</p>") }
            h.raw("<ul>")
            for a in plan.acceptedRisks {
                h.raw("<li>")
                links(&h, [a.technique])
                h.text(": \(a.reason) — \(a.owner), review by \(a.review)")
                if plan.expiredAcceptances.contains(a.technique) { h.raw(" <strong class=\"expired\">EXPIRED</strong>") }
                h.raw("</li>")
            }
            h.raw("</ul></section>")
        }
    }

    /// One section per declared asset: what an adversary could do there that would not be seen.
    static func assetSections(_ h: inout HTML, _ plan: GapPlan) {
        for section in plan.assets {
            let a = section.asset
            h.raw("<section class=\"asset\"><h2>Asset: <a href=\"/?asset=")
            h.attr(HTML.urlEncode(a.name))
            h.raw("\">")
            h.text(a.name)
            h.raw("</a></h2><p>")
            let holds = a.holds.isEmpty ? "" : " · holds " + a.holds.joined(separator: ", ")
            let counts = CoverageStatus.allCases.compactMap { s in section.counts[s.rawValue].map { "\($0) \(s.rawValue)" } }
            h.text("Value \(a.value)\(holds) · systems \(a.systems.joined(separator: ", ")) · \(counts.joined(separator: ", "))")
            h.raw("</p><p>")
            h.text(
                section.aimedBy.isEmpty
                    ? "No selected adversary is after what it holds."
                    : "After what it holds: \(section.aimedBy.joined(separator: "; ")). Their techniques first.")
            h.raw("</p><table><thead><tr><th>technique</th><th>status here</th><th>overall</th><th>weight here</th>")
            h.raw("<th>actors after it</th><th>missing here</th></tr></thead><tbody>")
            for g in section.gaps.prefix(25) {
                h.raw("<tr><td>")
                links(&h, [g.id])
                h.raw(" ")
                h.text(g.name)
                h.trusted("</td><td><span class=\"pill s-\(g.status.rawValue)\">\(g.status.rawValue)</span></td><td>")
                h.trusted("<span class=\"pill s-\(g.overall.rawValue)\">\(g.overall.rawValue)</span></td><td>")
                h.text(g.term.weight)
                h.raw("</td><td>")
                h.text(g.term.aimedActors.joined(separator: ", "))
                h.raw("</td><td>")
                h.text(g.missing.joined(separator: ", "))
                h.raw("</td></tr>")
            }
            h.raw("</tbody></table></section>")
        }
    }

    static func gapRow(_ h: inout HTML, _ g: GapPlan.Gap, weighed: Bool = false) {
        h.raw("<tr><td>")
        links(&h, [g.id])
        h.raw(" ")
        h.text(g.name)
        h.trusted("</td><td><span class=\"pill s-\(g.status.rawValue)\">\(g.status.rawValue)</span></td><td>")
        if weighed {
            h.text(g.weight ?? 0)
            h.raw("</td><td>")
            h.text(GapPlan.termsText(g.terms ?? []))
            h.raw("</td><td>")
        }
        h.text(g.actorWeight)
        h.raw("</td><td>")
        h.text(g.missingDataComponents.joined(separator: ", "))
        h.raw("</td><td>")
        h.text(g.providers.joined(separator: "; "))
        h.raw("</td></tr>")
    }

    static func links(_ h: inout HTML, _ ids: [String]) {
        for (n, id) in ids.enumerated() {
            if n > 0 { h.raw(", ") }
            h.raw("<a href=\"/technique/")
            h.attr(HTML.urlEncode(id))
            h.raw("\">")
            h.text(id)
            h.raw("</a>")
        }
    }
}
