// Saved hunts in the browser: the list; per hunt a timeline by host (detections over time, coloured by level), the
// observed techniques on the ATT&CK matrix (a cell links to its detections), the closest groups, filters by host,
// level, tactic and technique, and the detections page by page; a page per detection with its event's fields.

import VigilAttack
import VigilCore
import VigilCoverage
import VigilStore

enum HuntsPage {
    static let pageSize = 50
    static let levels = ["critical", "high", "medium", "low", "informational"]

    static func store(_ site: CoverageSite) throws -> HistoryStore {
        guard let store = site.store else {
            throw SiteError(status: 404, message: "no history store: save a hunt with `vigil hunt --save`")
        }
        return store
    }

    static func hunt(_ store: HistoryStore, _ ref: String) throws -> HuntRecord {
        do { return try store.hunt(ref) } catch StoreError.unknownSnapshot { throw SiteError(status: 404, message: "no hunt \(ref)") }
    }

    static func renderList(_ site: CoverageSite) throws -> [UInt8] {
        let hunts = try store(site).hunts()
        return HTML.page(title: "Hunts", active: "Hunts", snapshotNote: nil) { h in
            h.trusted(
                "<section class=\"summary\"><h1>Hunts</h1><p>\(hunts.count) hunts saved with <code>vigil hunt --save</code>.</p></section>")
            h.raw("<table id=\"hunts\"><thead><tr><th>hunt</th><th>label</th><th>taken</th><th>selection</th><th>detections</th>")
            h.raw("<th>events</th><th>techniques</th><th>closest group</th></tr></thead><tbody>")
            for hunt in hunts {
                h.trusted("<tr><td><a href=\"/hunts/\(hunt.id)\">#\(hunt.id)</a></td><td>")
                h.text(hunt.label ?? "")
                h.raw("</td><td>")
                h.text(hunt.createdAt)
                h.raw("</td><td>")
                h.text(hunt.inputs["selection"] ?? "all rules")
                h.trusted("</td><td>\(hunt.detections)</td><td>\(hunt.events)</td><td>\(hunt.observed.count)</td><td>")
                if let g = hunt.groups.first { h.text("\(g.name) (\(g.id)) \(g.similarity)") }
                h.raw("</td></tr>")
            }
            h.raw("</tbody></table>")
        }
    }

    static func filter(_ query: [String: String]) -> DetectionFilter {
        func value(_ key: String) -> String? { query[key].flatMap { $0.isEmpty ? nil : $0 } }
        return DetectionFilter(host: value("host"), level: value("level"), tactic: value("tactic"), technique: value("technique"))
    }

    /// The query string of `filter` (and more), for links that keep it.
    static func link(_ hunt: HuntRecord, _ filter: DetectionFilter, _ extra: [(String, String)] = []) -> String {
        let pairs =
            [("host", filter.host), ("level", filter.level), ("tactic", filter.tactic), ("technique", filter.technique)]
            .compactMap { k, v in v.map { (k, $0) } } + extra
        let query = pairs.map { "\($0.0)=\(HTML.urlEncode($0.1))" }.joined(separator: "&")
        return "/hunts/\(hunt.id)" + (query.isEmpty ? "" : "?" + query)
    }

    static func render(_ site: CoverageSite, id: String, _ query: [String: String]) throws -> [UInt8] {
        let store = try store(site)
        let hunt = try hunt(store, id)
        let filter = filter(query)
        let after = query["after"].flatMap { Int($0) } ?? 0
        let (page, total) = try store.detections(hunt, filter: filter, after: after, limit: pageSize)
        let timeline = try store.timeline(hunt, filter: filter)
        let hosts = try store.hosts(hunt)
        return HTML.page(title: hunt.name, active: "Hunts", snapshotNote: nil) { h in
            h.raw("<section class=\"summary\"><h1>")
            h.text(hunt.name)
            h.raw("</h1><p>")
            h.text(
                "\(hunt.createdAt) · \(counted(hunt.detections, "detection")) in \(counted(hunt.events, "event")) · \(counted(hunt.rules.count, "rule")) · "
                    + (hunt.inputs["selection"] ?? "all rules"))
            h.raw("</p><p class=\"inputs\">")
            h.text("rules: \(hunt.inputs["rules"] ?? "") · logs: \(hunt.inputs["logs"] ?? "")")
            h.raw("</p></section>\n")
            filters(&h, site, hunt, filter, hosts: hosts.map(\.host))
            h.raw("<section><h2>Timeline by host</h2>")
            timelineChart(&h, timeline, hunt, filter)
            h.raw("</section><section><h2>Observed techniques</h2>")
            matrix(&h, site, hunt, filter)
            h.raw("</section><section><h2>Closest known groups</h2>")
            groups(&h, hunt)
            h.trusted("</section><section><h2>Detections: \(total)</h2>")
            detections(&h, hunt, page)
            if let last = page.last, after + page.count < total || page.count == pageSize {
                h.trusted("<p class=\"pager\"><a id=\"next\" href=\"")
                h.attr(link(hunt, filter, [("after", String(last.seq))]))
                h.raw("\">next page</a></p>")
            }
            h.raw("</section>\n")
        }
    }

    static func filters(_ h: inout HTML, _ site: CoverageSite, _ hunt: HuntRecord, _ filter: DetectionFilter, hosts: [String]) {
        h.trusted("<form class=\"filters\" method=\"get\" action=\"/hunts/\(hunt.id)\">")
        func select(_ name: String, _ label: String, _ options: [(String, String)], _ chosen: String?) {
            h.trusted("<label>\(label) <select name=\"\(name)\"><option value=\"\">all</option>")
            for (value, text) in options { MatrixPage.option(&h, value, text, selected: value == chosen) }
            h.raw("</select></label>")
        }
        select("host", "Host", hosts.map { ($0, $0) }, filter.host)
        select("level", "Level", levels.map { ($0, $0) }, filter.level)
        select("tactic", "Tactic", site.tacticOrder.map { ($0.shortname, $0.name) }, filter.tactic)
        if let technique = filter.technique {
            h.raw("<input type=\"hidden\" name=\"technique\" value=\"")
            h.attr(technique)
            h.raw("\"><span class=\"pill\">technique ")
            h.text(technique)
            h.raw("</span>")
        }
        h.raw("<button type=\"submit\">Show</button></form>\n")
    }

    /// Hosts as rows, time as columns: a dot per (host, time span, level) sized by its detections.
    static func timelineChart(_ h: inout HTML, _ t: HuntTimeline, _ hunt: HuntRecord, _ filter: DetectionFilter) {
        guard let first = t.first, let last = t.last, !t.cells.isEmpty else {
            h.raw("<p>No detection with a time.</p>")
            return
        }
        let hosts = Array(Set(t.cells.map(\.host))).sorted()
        let left = 220.0
        let width = 960.0
        let row = 22.0
        let height = Double(hosts.count) * row + 40
        let step = (width - left - 20) / Double(max(t.buckets, 1))
        let most = Double(t.cells.map(\.count).max() ?? 1)
        h.trusted(
            "<svg class=\"chart\" id=\"hunt-timeline\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"detections over time by host\">"
        )
        for (r, host) in hosts.enumerated() {
            let y = 20 + Double(r) * row
            h.trusted("<a href=\"")
            h.attr(link(hunt, DetectionFilter(host: host, level: filter.level, tactic: filter.tactic, technique: filter.technique)))
            h.trusted("\"><text x=\"4\" y=\"\(Charts.number(y + 4))\" font-size=\"11\">")
            h.text(host.isEmpty ? "(no host)" : String(host.prefix(32)))
            h.raw("</text></a>")
            h.trusted(
                "<line x1=\"\(Int(left))\" x2=\"\(Int(width - 20))\" y1=\"\(Charts.number(y))\" y2=\"\(Charts.number(y))\" stroke=\"#eee\"/>"
            )
        }
        let rank = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        for cell in t.cells.sorted(by: { (rank[$0.level] ?? 9) > (rank[$1.level] ?? 9) }) {
            guard let r = hosts.firstIndex(of: cell.host) else { continue }
            let radius = 2.5 + 5 * (Double(cell.count) / most).squareRoot()
            h.trusted(
                "<circle class=\"l-\(levels.contains(cell.level) ? cell.level : "informational")\" cx=\"\(Charts.number(left + (Double(cell.bucket) + 0.5) * step))\" cy=\"\(Charts.number(20 + Double(r) * row))\" r=\"\(Charts.number(radius))\"><title>"
            )
            h.text("\(cell.host): \(counted(cell.count, "detection")) (\(cell.level))")
            h.raw("</title></circle>")
        }
        h.raw("</svg><p class=\"caption\">")
        h.text(
            "\(first) – \(last), \(t.buckets) equal spans; dot size: detections; colour: level (critical, high, medium, low, informational)."
        )
        h.raw("</p>")
    }

    /// The observed techniques in ATT&CK's tactic columns; each cell links to its detections.
    static func matrix(_ h: inout HTML, _ site: CoverageSite, _ hunt: HuntRecord, _ filter: DetectionFilter) {
        guard !hunt.observed.isEmpty else {
            h.raw("<p>No technique observed.</p>")
            return
        }
        let most = Double(hunt.observed.map(\.detections).max() ?? 1)
        h.raw("<div class=\"matrix observed\">")
        for column in site.tacticOrder {
            let cells = hunt.observed.filter { t in
                site.kb.objects(attackID: t.id, kind: .technique).first.map { site.kb.objects[$0].tactics.contains(column.shortname) }
                    ?? false
            }
            guard !cells.isEmpty else { continue }
            h.raw("<section class=\"tactic\"><h2>")
            h.text(column.name)
            h.raw("</h2>")
            for t in cells.sorted(by: { ($1.detections, $0.id) < ($0.detections, $1.id) }) {
                let band = min(5, Int((Double(t.detections) / most * 5).rounded(.up)))
                h.trusted("<a class=\"cell o\(band)\" href=\"")
                h.attr(link(hunt, DetectionFilter(host: filter.host, level: filter.level, technique: t.id)))
                h.raw("\" title=\"")
                h.attr("\(counted(t.detections, "detection")) on \(t.hosts.joined(separator: ", ")); \(t.first ?? "") – \(t.last ?? "")")
                h.raw("\"><span class=\"id\">")
                h.text(t.id)
                h.raw("</span> ")
                h.text(t.name)
                h.trusted(" <span class=\"score\">\(t.detections)</span></a>")
            }
            h.raw("</section>")
        }
        h.raw("</div>\n")
    }

    static func groups(_ h: inout HTML, _ hunt: HuntRecord) {
        guard !hunt.groups.isEmpty else {
            h.raw("<p>No known group shares an observed technique.</p>")
            return
        }
        h.raw(
            "<p>Jaccard similarity of the observed techniques and each group's known techniques, at the technique level: a lead, not attribution.</p>"
        )
        h.raw(
            "<table id=\"groups\"><thead><tr><th>group</th><th>similarity</th><th>shares</th><th>observed, not known for it</th></tr></thead><tbody>"
        )
        for g in hunt.groups {
            h.raw("<tr><td>")
            h.text("\(g.id) \(g.name)")
            h.trusted("</td><td>\(g.similarity)</td><td>")
            h.text(g.shared.joined(separator: ", "))
            h.raw("</td><td>")
            h.text(g.lacks.joined(separator: ", "))
            h.raw("</td></tr>")
        }
        h.raw("</tbody></table>")
    }

    static func detections(_ h: inout HTML, _ hunt: HuntRecord, _ page: [StoredDetection]) {
        h.raw("<table id=\"detections\"><thead><tr><th>#</th><th>time</th><th>host</th><th>level</th><th>rule</th><th>channel</th>")
        h.raw("<th>event</th></tr></thead><tbody>")
        for d in page {
            h.trusted("<tr><td><a href=\"/hunts/\(hunt.id)/detections/\(d.seq)\">\(d.seq)</a></td><td>")
            h.text(d.timestamp ?? "")
            h.raw("</td><td>")
            h.text(d.computer ?? "")
            h.trusted("</td><td><span class=\"level l-\(levels.contains(d.level) ? d.level : "informational")\">")
            h.text(d.level)
            h.raw("</span></td><td>")
            h.text(d.rule < hunt.rules.count ? hunt.rules[d.rule].title : "")
            h.raw("</td><td>")
            h.text(d.channel ?? "")
            h.raw("</td><td>")
            h.text(d.eventID ?? "")
            h.raw("</td></tr>")
        }
        h.raw("</tbody></table>")
    }

    static func renderDetection(_ site: CoverageSite, id: String, seq: String) throws -> [UInt8] {
        let store = try store(site)
        let hunt = try hunt(store, id)
        guard let n = Int(seq), let d = try store.detection(hunt, seq: n) else {
            throw SiteError(status: 404, message: "no detection \(seq) in \(hunt.name)")
        }
        let rule = d.rule < hunt.rules.count ? hunt.rules[d.rule] : nil
        return HTML.page(title: "Detection \(d.seq)", active: "Hunts", snapshotNote: nil) { h in
            h.raw("<section class=\"summary\"><h1>")
            h.text(rule?.title ?? "detection \(d.seq)")
            h.trusted("</h1><p><a href=\"/hunts/\(hunt.id)\">")
            h.text(hunt.name)
            h.trusted("</a> · detection \(d.seq) · <span class=\"level l-\(levels.contains(d.level) ? d.level : "informational")\">")
            h.text(d.level)
            h.raw("</span></p></section><section><h2>Rule</h2><table class=\"fields\"><tbody>")
            func row(_ name: String, _ value: String) {
                h.raw("<tr><th>")
                h.text(name)
                h.raw("</th><td>")
                h.text(value)
                h.raw("</td></tr>")
            }
            row("id", rule?.id ?? "")
            row("techniques", rule?.techniques.joined(separator: ", ") ?? "")
            row("tactics", rule?.tactics.joined(separator: ", ") ?? "")
            h.raw("</tbody></table></section><section><h2>Event</h2><table class=\"fields\"><tbody>")
            row("time", d.timestamp ?? "")
            row("host", d.computer ?? "")
            row("channel", d.channel ?? "")
            row("event ID", d.eventID ?? "")
            row("record ID", d.recordID ?? "")
            row("file", "\(d.file):\(d.line)")
            h.raw("</tbody></table><h3>Fields</h3><table class=\"fields\" id=\"event-fields\"><tbody>")
            for field in d.fields where field.count == 2 { row(field[0], field[1]) }
            h.raw("</tbody></table></section>\n")
        }
    }
}
