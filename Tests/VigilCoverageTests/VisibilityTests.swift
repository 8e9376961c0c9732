import Foundation
import Testing
import VigilAttack
import VigilCore
import VigilTestSupport

@testable import VigilCoverage

/// Vigil's DeTT&CT-mode visibility against DeTT&CT's own output for DeTT&CT's sample inventory.
@Suite struct VisibilityTests {
    static let kb = try! EmbeddedIndex.embedded(.enterprise)

    @Test func dettectModeMatchesDeTTECT() throws {
        let inventory = try Inventory.load(path: try SharedData.path("dettect/sample-data/data-sources-endpoints.yaml"))
        #expect(inventory.format == .dettect(version: "1.1"))
        #expect(inventory.systems.map(\.name) == ["Windows workstations", "Linux servers"])
        let applicability = try PlatformApplicability.fromDeTTECT(folder: try SharedData.path("dettect/data"), domain: .enterprise)
        let model = VisibilityModel(kb: Self.kb, inventory: inventory, applicability: applicability)
        let fixture = SharedData.packageRoot() + "/Tests/Fixtures/dettect-visibility-endpoints.json"
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture))) as? [String: [[Any]]])
        var compared = 0
        var mismatches: [String] = []
        for (i, o) in Self.kb.objects.enumerated() where o.kind == .technique && o.isActive {
            let id = o.attackID!
            guard let v = model.visibility(of: i) else { continue }
            var got: [String: Int] = [:]
            for s in v.systems where s.score > 0 { got[s.system] = s.score }
            var want: [String: Int] = [:]
            for entry in expected[id] ?? [] {
                let systems = entry[0] as! [String]
                let score = entry[1] as! Int
                for system in systems == ["all"] ? inventory.systems.map(\.name) : systems { want[system] = score }
            }
            if got != want { mismatches.append("\(id): vigil \(got) dettect \(want)") }
            compared += 1
        }
        #expect(compared == 691)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(5))")
        #expect(expected.count == 477)
    }
}

@Suite struct AnalyticCoverageTests {
    @Test func analyticLogSourcesAreMatchedByChannelAndEventID() throws {
        let kb = try EmbeddedIndex.embedded(.enterprise)
        let inventory = try Inventory.load(path: SharedData.packageRoot() + "/Examples/inventory.yaml")
        let model = VisibilityModel(kb: kb, inventory: inventory)
        let t = try #require(kb.objects(attackID: "T1059.001", kind: .technique).first)
        let analytics = model.analytics(of: t)
        let windows = try #require(analytics.first { $0.platforms == ["Windows"] })
        // AN1252 reads Sysmon 1 and 7 (collected by the example SOC) and PowerShell 4103-4106 / 400, 403.
        let sysmon1 = try #require(windows.logSources.first { $0.name == "WinEventLog:Sysmon" && $0.channel == "EventCode=1" })
        #expect(sysmon1.collected)
        let classic = try #require(windows.logSources.first { $0.channel.contains("400") })
        #expect(!classic.collected)  // Windows PowerShell 400/403 is not in the inventory
        #expect(!windows.complete)
        #expect(VisibilityModel.windowsEvents(name: "WinEventLog:Security", channel: "EventCode=4688, 4689")?.eventIDs == [4688, 4689])
    }
}
