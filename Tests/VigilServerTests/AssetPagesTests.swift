// High-value assets through the store and the web UI: two snapshots of the example inventory, the second with
// Sysmon onboarded on the domain controllers and the mail servers made critical. `vigil history diff` reports both
// asset changes; `vigil serve` colours the matrix by an asset's status and lists every asset on a technique's page.
// The expected statuses follow from the inventory: the example's only rule for T1562.002 (SharpEvtMute, tagged with
// v19's T1685.001) reads image loads, which only Sysmon collects and the domain controllers lack at first; the LSASS
// rules are green there from the start (one reads the Security log, which they have).
import Foundation
import Testing
import VigilTestSupport

@Suite(.serialized) struct AssetPagesTests {
    @Test func assetsAreDiffedAndServed() throws {
        let folder = NSTemporaryDirectory() + "vigil-asset-pages-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = folder + "/history.db"
        let root = SharedData.packageRoot()
        let before = root + "/Examples/inventory.yaml"
        var text = try String(contentsOfFile: before, encoding: .utf8)
        let sysmon = "    product: Sysmon\n    systems: [Windows workstations, Windows servers]\n    windows:"
        #expect(text.contains(sysmon))
        text = text.replacingOccurrences(
            of: sysmon, with: "    product: Sysmon\n    systems: [Windows workstations, Windows servers, Domain controllers]\n    windows:")
        text = text.replacingOccurrences(
            of: "  - name: Exchange mail servers\n    platforms: [Windows]\n    value: high",
            with: "  - name: Exchange mail servers\n    platforms: [Windows]\n    value: critical")
        let after = folder + "/inventory.yaml"
        try text.write(toFile: after, atomically: true, encoding: .utf8)
        for (label, inventory) in [("before", before), ("after", after)] {
            let run = try ProcessRunner.vigil(
                [
                    "coverage", "--rules", root + "/Examples/rules", "--inventory", inventory, "--actors", "APT29", "FIN7", "--aim",
                    "APT29=identity,email", "--save", "--label", label, "--store", store,
                ])
            #expect(run.status == 0, "\(run.stderr)")
        }

        let diff = try ProcessRunner.vigil(["history", "diff", "before", "after", "--store", store, "--format", "json"])
        struct Diff: Decodable {
            struct Change: Decodable {
                var asset: String
                var change: String
                var detail: String
                var techniques: [String]
            }
            var assets: [Change]
        }
        let changes = try JSONDecoder().decode(Diff.self, from: Data(diff.stdout.utf8)).assets
        let dc = try #require(changes.first { $0.asset == "Domain controllers" })
        #expect(dc.change == "status")
        #expect(dc.techniques.contains("T1562.002 yellow → green"))
        #expect(!dc.techniques.contains { $0.hasPrefix("T1003.001") })
        let mail = try #require(changes.first { $0.asset == "Exchange mail servers" })
        #expect(mail.change == "changed")
        #expect(mail.detail.hasPrefix("value 4 → 5"))
        #expect(!changes.contains { $0.asset == "Windows workstations" })
        let textDiff = try ProcessRunner.vigil(["history", "diff", "before", "after", "--store", store])
        #expect(textDiff.stdout.contains("status: Domain controllers — "))
        #expect(textDiff.stdout.contains("      T1562.002 yellow → green"))

        let server = try ServeProcess(["--store", store])
        defer { server.stop() }
        func cell(_ body: String, _ id: String) -> String? {
            guard let r = body.range(of: "data-id=\"\(id)\" data-status=\"") else { return nil }
            return String(body[r.upperBound...].prefix { $0 != "\"" })
        }
        let whole = try RawHTTP.get(port: server.port, "/?snapshot=before")
        #expect(cell(whole.body, "T1562.002") == "green")
        #expect(whole.body.contains("<option value=\"Domain controllers\">Domain controllers (5)</option>"))
        let onDC = try RawHTTP.get(port: server.port, "/?snapshot=before&asset=Domain%20controllers")
        #expect(onDC.status == 200)
        #expect(onDC.body.contains("on asset <strong id=\"asset\">Domain controllers</strong>"))
        #expect(cell(onDC.body, "T1562.002") == "yellow")
        #expect(cell(onDC.body, "T1003.001") == "green")
        // A cloud-only technique does not apply to the domain controllers: white there.
        #expect(cell(onDC.body, "T1578.002") == "white")
        let later = try RawHTTP.get(port: server.port, "/?snapshot=after&asset=Domain%20controllers")
        #expect(cell(later.body, "T1562.002") == "green")
        // An unknown asset shows the whole estate.
        let unknown = try RawHTTP.get(port: server.port, "/?snapshot=before&asset=%3Cscript%3E")
        #expect(!unknown.body.contains("<script>"))
        #expect(cell(unknown.body, "T1562.002") == "green")

        // The gap page weighs gaps over the assets, with a section per asset linking to its matrix.
        let gaps = try RawHTTP.get(port: server.port, "/gaps?snapshot=before")
        #expect(gaps.body.contains("<h2>Gaps, ranked by what they put at risk</h2>"))
        #expect(gaps.body.contains("<h2>Asset: <a href=\"/?asset=Domain%20controllers\">Domain controllers</a></h2>"))
        #expect(gaps.body.contains("After what it holds: APT29 (identity). Their techniques first."))
        #expect(gaps.body.contains("<th>asset-weighted gain</th>"))

        let page = try RawHTTP.get(port: server.port, "/technique/T1562.002?snapshot=before")
        #expect(page.body.contains("<h2>On the high-value assets</h2>"))
        #expect(
            page.body.contains(
                "<a href=\"/?asset=Domain%20controllers\">Domain controllers</a></td><td>5</td><td>identity, credentials</td><td><span class=\"pill s-yellow\">yellow</span>"
            ))
        #expect(page.body.contains("<td>Domain controllers 5 × (1 + "))
        #expect(page.body.contains("Module Load"))
    }
}
