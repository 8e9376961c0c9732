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
            h.raw("<section><h2>Gaps, ranked by the adversaries that use them</h2>")
            h.raw(
                "<table><thead><tr><th>technique</th><th>status</th><th>actors</th><th>missing data components</th><th>logs that provide them</th></tr></thead><tbody>"
            )
            for g in plan.gaps { gapRow(&h, g) }
            h.raw("</tbody></table></section><section><h2>Next log sources to onboard</h2>")
            h.raw(
                "<table><thead><tr><th>data component</th><th>techniques turned green</th><th>weighted gain</th><th>provided by</th></tr></thead><tbody>"
            )
            for o in plan.onboarding.prefix(25) {
                h.raw("<tr><td>")
                h.text(o.dataComponent)
                h.raw("</td><td>")
                links(&h, o.techniquesTurningGreen)
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

    static func gapRow(_ h: inout HTML, _ g: GapPlan.Gap) {
        h.raw("<tr><td>")
        links(&h, [g.id])
        h.raw(" ")
        h.text(g.name)
        h.trusted("</td><td><span class=\"pill s-\(g.status.rawValue)\">\(g.status.rawValue)</span></td><td>")
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
