// The ATT&CK matrix page: tactics as columns in matrix order, each technique coloured by the chosen
// layer, sub-techniques in a <details> that opens without script; filters by platform, tactic and actor.

import VigilCoverage
import VigilStore

enum MatrixPage {
    static func render(_ site: CoverageSite, _ load: SnapshotCache.Loader, _ query: [String: String]) throws -> [UInt8] {
        let view = try load(query["snapshot"])
        let s = view.snapshot.summary
        let layer = MatrixLayer(rawValue: query["layer"] ?? "") ?? .status
        let platform = query["platform"]
        let tactic = query["tactic"]
        let actor = query["actor"]
        // An asset filter colours the status layer by the status on that asset, and counts there.
        let asset = query["asset"].flatMap { name in view.assets?.asset(name).map(\.name) }
        return HTML.page(title: "ATT&CK coverage", active: "Matrix", snapshotNote: note(s)) { h in
            h.raw("<section class=\"summary\"><h1>ATT&amp;CK ")
            h.text(s.attackVersion)
            h.raw(" coverage</h1><p>")
            h.text(s.inventoryName)
            h.raw(" · ")
            if let asset, let a = view.assets?.asset(asset) {
                var counts = StatusCounts()
                for t in view.snapshot.techniques { counts[view.status(t, on: asset)] += 1 }
                h.raw("on asset <strong id=\"asset\">")
                h.text(a.name)
                h.raw("</strong> (")
                h.text(
                    "value \(a.value)" + (a.holds.isEmpty ? "" : "; holds \(a.holds.joined(separator: ", "))")
                        + "; systems \(a.systems.joined(separator: ", "))")
                h.trusted(") · \(counts.greenPercent)% of the techniques that apply there are green · ")
                for status in CoverageStatus.allCases {
                    h.trusted("<span class=\"pill s-\(status.rawValue)\">\(status.rawValue) \(counts[status])</span> ")
                }
            } else {
                h.trusted("\(s.greenPercent)% of the techniques in scope are green · ")
                for status in CoverageStatus.allCases {
                    h.trusted("<span class=\"pill s-\(status.rawValue)\">\(status.rawValue) \(s.counts[status])</span> ")
                }
            }
            if let v = s.validation {
                h.trusted(
                    "· <span class=\"pill validated\">validated \(v.greenValidated) of \(v.green) green</span> <span class=\"pill missed\">missed \(v.missed)</span>"
                )
            }
            h.raw("</p></section>\n")
            filters(&h, view, layer: layer, platform: platform, tactic: tactic, actor: actor, asset: asset, snapshot: query["snapshot"])
            legend(&h, layer, view)
            h.trusted("<div class=\"matrix layer-\(layer.rawValue)\" id=\"matrix\">")
            for column in view.columns where tactic == nil || tactic == column.shortname {
                h.raw("<section class=\"tactic\"><h2>")
                h.text(column.name)
                h.raw("</h2>")
                var shown = 0
                for (p, subs) in column.techniques {
                    let t = view.snapshot.techniques[p]
                    if let platform, !t.platforms.contains(platform) { continue }
                    shown += 1
                    h.raw("<div class=\"technique\">")
                    cell(&h, view, t, layer: layer, actor: actor, asset: asset)
                    let visibleSubs = subs.filter { platform == nil || view.snapshot.techniques[$0].platforms.contains(platform!) }
                    if !visibleSubs.isEmpty {
                        h.trusted("<details class=\"subs\"><summary>\(visibleSubs.count) sub-techniques</summary>")
                        for sub in visibleSubs { cell(&h, view, view.snapshot.techniques[sub], layer: layer, actor: actor, asset: asset) }
                        h.raw("</details>")
                    }
                    h.raw("</div>")
                }
                h.trusted("<p class=\"count\">\(shown) techniques</p></section>")
            }
            h.raw("</div>\n")
        }
    }

    static func note(_ s: SnapshotSummary) -> String {
        "snapshot \(s.name) · \(s.createdAt) · ATT&CK \(s.attackVersion)"
    }

    static func cell(
        _ h: inout HTML, _ view: SnapshotView, _ t: TechniqueCoverage, layer: MatrixLayer, actor: String?, asset: String? = nil
    ) {
        var classes = "cell " + view.colour(t, layer, asset: asset)
        if let actor { classes += t.actors.contains(actor) ? " used" : " dim" }
        h.trusted("<a class=\"\(classes)\" data-id=\"")
        h.attr(t.id)
        h.raw("\" data-status=\"")
        h.trusted((asset.map { view.status(t, on: $0) } ?? t.status).rawValue)
        h.raw("\" href=\"/technique/")
        h.attr(t.id)
        h.raw("\" title=\"")
        h.attr(t.reasons.first ?? "")
        h.raw("\"><span class=\"id\">")
        h.text(t.id)
        h.raw("</span> ")
        h.text(t.name)
        switch layer {
        case .detection: h.trusted(" <span class=\"score\">\(t.detectionScore)</span>")
        case .visibility: h.trusted(" <span class=\"score\">\(t.visibility?.score ?? 0)</span>")
        case .actors where !t.actors.isEmpty: h.trusted(" <span class=\"score\">\(t.actors.count)</span>")
        default: break
        }
        // What attack simulations proved: a check for validated, a cross for missed (the technique page says why).
        switch t.validation?.outcome {
        case .validated: h.raw(" <span class=\"badge validated\" title=\"validated on an attack simulation\">✔</span>")
        case .missed: h.raw(" <span class=\"badge missed\" title=\"missed: its simulation held its rules' logs, none fired\">✘</span>")
        default: break
        }
        h.raw("</a>")
    }

    static func filters(
        _ h: inout HTML, _ view: SnapshotView, layer: MatrixLayer, platform: String?, tactic: String?, actor: String?, asset: String?,
        snapshot: String?
    ) {
        h.raw("<form class=\"filters\" method=\"get\" action=\"/\">")
        if let snapshot {
            h.raw("<input type=\"hidden\" name=\"snapshot\" value=\"")
            h.attr(snapshot)
            h.raw("\">")
        }
        h.raw("<label>Layer <select name=\"layer\">")
        for l in MatrixLayer.allCases { option(&h, l.rawValue, l.title, selected: l == layer) }
        h.raw("</select></label><label>Platform <select name=\"platform\"><option value=\"\">all</option>")
        for p in view.platforms { option(&h, p, p, selected: p == platform) }
        h.raw("</select></label><label>Tactic <select name=\"tactic\"><option value=\"\">all</option>")
        for c in view.columns { option(&h, c.shortname, c.name, selected: c.shortname == tactic) }
        h.raw("</select></label><label>Actor overlay <select name=\"actor\"><option value=\"\">none</option>")
        for a in view.snapshot.summary.actors { option(&h, a, a, selected: a == actor) }
        h.raw("</select></label>")
        if let assets = view.assets {
            h.raw("<label>Status on asset <select name=\"asset\"><option value=\"\">whole estate</option>")
            for a in assets.assets { option(&h, a.name, "\(a.name) (\(a.value))", selected: a.name == asset) }
            h.raw("</select></label>")
        }
        h.raw("<button type=\"submit\">Show</button>")
        h.raw("<label>Find <input type=\"search\" id=\"find\" placeholder=\"T1059 or name\"></label>")
        h.raw("<button type=\"button\" id=\"expand\">Expand all</button></form>\n")
    }

    static func option(_ h: inout HTML, _ value: String, _ label: String, selected: Bool) {
        h.raw("<option value=\"")
        h.attr(value)
        h.raw(selected ? "\" selected>" : "\">")
        h.text(label)
        h.raw("</option>")
    }

    static func legend(_ h: inout HTML, _ layer: MatrixLayer, _ view: SnapshotView) {
        h.raw("<div class=\"legend\"><strong>Legend</strong> ")
        let items: [(String, String)]
        switch layer {
        case .status:
            items = [
                ("s-green", "green: detected (rule on collected logs, rating ≥ \(view.snapshot.summary.threshold))"),
                ("s-yellow", "yellow: needs logs or tuning"), ("s-red", "red: cannot detect"), ("s-white", "white: not assessed"),
                ("s-accepted", "risk accepted"),
            ]
            if view.snapshot.summary.validation != nil {
                for (cls, mark, label) in [
                    ("validated", "✔", "validated on an attack simulation"), ("missed", "✘", "missed by its simulation"),
                ] {
                    h.trusted("<span class=\"badge \(cls)\">\(mark)</span>")
                    h.text(label)
                    h.raw(" ")
                }
            }
        case .detection: items = (0...5).map { ("d\($0)", "detection \($0)") }
        case .visibility: items = (0...4).map { ("v\($0)", "visibility \($0)") }
        case .actors:
            // Five bands from one actor to the most any technique has.
            let most = view.maxActors
            items =
                [("a0", "no selected actor")]
                + (most > 0 ? [("a1", "1 actor"), ("a3", "about \(max(most / 2, 1)) actors"), ("a5", "\(most) actors")] : [])
        }
        for (cls, label) in items {
            h.trusted("<span class=\"swatch \(cls)\"></span>")
            h.text(label)
            h.raw(" ")
        }
        h.raw("</div>\n")
    }
}
