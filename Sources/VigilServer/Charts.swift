// Server-rendered SVG charts: a technique's status over snapshots, and coverage by tactic over time.
// Colours are SVG presentation attributes, which the Content-Security-Policy allows (inline styles it does not).

import Foundation
import VigilCoverage
import VigilStore

enum Charts {
    static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79",
        "#637939", "#8c6d31", "#843c39", "#7b4173",
    ]

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Status per snapshot as coloured steps, with the detection score as a line (0–5).
    static func history(_ h: inout HTML, _ points: [TechniqueHistoryPoint]) {
        guard !points.isEmpty else {
            h.raw("<p>No history yet.</p>")
            return
        }
        let width = 640.0
        let height = 140.0
        let left = 30.0
        let step = points.count > 1 ? (width - left - 20) / Double(points.count - 1) : 0
        h.trusted(
            "<svg class=\"chart\" id=\"history\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"status history\">")
        for level in 0...5 {
            let y = 110 - Double(level) * 18
            h.trusted("<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(number(y))\" y2=\"\(number(y))\" stroke=\"#eee\"/>")
            h.trusted("<text x=\"4\" y=\"\(number(y + 4))\" font-size=\"10\">\(level)</text>")
        }
        var path = ""
        for (i, p) in points.enumerated() {
            let x = left + Double(i) * step + (points.count == 1 ? (width - left) / 2 : 0)
            let y = 110 - Double(p.detectionScore) * 18
            path += (i == 0 ? "M" : "L") + number(x) + " " + number(y) + " "
            h.trusted(
                "<rect x=\"\(number(x - 6))\" y=\"118\" width=\"12\" height=\"12\" fill=\"\(SnapshotView.hex(p.status))\" stroke=\"#555\">")
            h.raw("<title>")
            h.text(
                "#\(p.snapshot) \(p.label ?? "") \(p.createdAt): \(p.status.rawValue), detection \(p.detectionScore), visibility \(p.visibilityScore)"
            )
            h.raw("</title></rect>")
        }
        h.trusted("<path d=\"\(path)\" fill=\"none\" stroke=\"#31a354\" stroke-width=\"2\"/>")
        h.raw("</svg><p class=\"caption\">Detection score (line) and status (squares) per snapshot, oldest left.</p>")
    }

    /// Green share of in-scope techniques per tactic over the snapshots, plus the overall share in bold.
    static func trend(_ h: inout HTML, _ summaries: [SnapshotSummary], tactics: [(shortname: String, name: String)]) {
        guard !summaries.isEmpty else {
            h.raw("<p>No snapshots yet.</p>")
            return
        }
        let width = 900.0
        let height = 320.0
        let left = 40.0
        let right = 200.0
        let top = 10.0
        let bottom = 290.0
        let step = summaries.count > 1 ? (width - left - right) / Double(summaries.count - 1) : 0
        func x(_ i: Int) -> Double { left + Double(i) * step + (summaries.count == 1 ? (width - left - right) / 2 : 0) }
        func y(_ percent: Double) -> Double { bottom - (bottom - top) * percent / 100 }
        h.trusted(
            "<svg class=\"chart\" id=\"trend\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"coverage by tactic over time\">"
        )
        for p in stride(from: 0, through: 100, by: 25) {
            h.trusted(
                "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(number(y(Double(p))))\" y2=\"\(number(y(Double(p))))\" stroke=\"#eee\"/><text x=\"2\" y=\"\(number(y(Double(p)) + 4))\" font-size=\"10\">\(p)%</text>"
            )
        }
        for (i, s) in summaries.enumerated() {
            h.trusted("<text x=\"\(number(x(i)))\" y=\"\(Int(height) - 6)\" font-size=\"10\" text-anchor=\"middle\">")
            h.text(s.label ?? "#\(s.id)")
            h.raw("</text>")
        }
        var series: [(name: String, colour: String, width: Int, values: [Double?])] = [
            ("all tactics", "#000", 3, summaries.map { $0.counts.greenPercent })
        ]
        // Green techniques validated on attack simulations, as a share of all in scope (where a snapshot was validated).
        if summaries.contains(where: { $0.validation != nil }) {
            let validated = summaries.map { s in
                s.validation.map { v in
                    let scoped = s.counts.green + s.counts.yellow + s.counts.red
                    return scoped == 0 ? 0 : (Double(v.greenValidated) / Double(scoped) * 1000).rounded() / 10
                }
            }
            series.append(("validated (all tactics)", "#006d2c", 3, validated))
        }
        for (n, tactic) in tactics.enumerated() {
            // A tactic with nothing in scope (all white) has no share to plot, rather than a misleading 0%.
            let values = summaries.map { s in
                s.tactics.first {
                    $0.tactic == tactic.shortname
                        && $0.counts[.white] < $0.counts.green + $0.counts.yellow + $0.counts.red + $0.counts.white
                }
                .map { $0.counts.greenPercent }
            }
            if values.allSatisfy({ $0 == nil }) { continue }
            series.append((tactic.name, palette[n % palette.count], 1, values))
        }
        for (n, line) in series.enumerated() {
            var path = ""
            for (i, v) in line.values.enumerated() {
                guard let v else { continue }
                path += (path.isEmpty ? "M" : "L") + number(x(i)) + " " + number(y(v)) + " "
            }
            h.trusted("<path d=\"\(path)\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"\(line.width)\"><title>")
            h.text(line.name)
            h.raw("</title></path>")
            for (i, v) in line.values.enumerated() {
                guard let v else { continue }
                h.trusted("<circle cx=\"\(number(x(i)))\" cy=\"\(number(y(v)))\" r=\"2.5\" fill=\"\(line.colour)\"><title>")
                h.text("\(line.name): \(number(v))%" + (line.name.hasPrefix("validated") ? " validated" : " green"))
                h.raw("</title></circle>")
            }
            let ly = top + Double(n) * 17 + 8
            h.trusted(
                "<rect x=\"\(width - right + 12)\" y=\"\(number(ly - 8))\" width=\"10\" height=\"10\" fill=\"\(line.colour)\"/><text x=\"\(width - right + 28)\" y=\"\(number(ly + 1))\" font-size=\"11\">"
            )
            h.text(line.name)
            h.raw("</text>")
        }
        h.raw(
            "</svg><p class=\"caption\">Share of in-scope techniques that are green, by tactic, per snapshot; where a snapshot was validated on attack simulations, the share green and validated.</p>"
        )
    }
}
