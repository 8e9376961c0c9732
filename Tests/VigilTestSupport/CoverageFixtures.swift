// Shared by the test targets: coverage reports built from a few hand-made rules over the example
// inventory, scratch stores under /tmp, and the `vigil` binary for tests that run it as a process.

import Foundation
import VigilAttack
import VigilCore
import VigilCoverage
import VigilStore

public enum CoverageFixtures {
    public static let kb = try! EmbeddedIndex.embedded(.enterprise)
    public static let inventory = try! Inventory.load(path: SharedData.packageRoot() + "/Examples/inventory.yaml")

    public static func sigma(_ id: String, _ techniques: [String], category: String, title: String? = nil) -> DetectionRule {
        var rule = DetectionRule(source: .sigma, id: id, title: title ?? "rule \(id)", path: "rules/\(id).yml")
        rule.techniqueIDs = techniques
        rule.logSources = [LogSourceNeed(kind: .sigma, product: "windows", category: category)]
        rule.fields = ["CommandLine"]
        return rule
    }

    /// PowerShell detected (green), LSASS access low-rated (yellow), WMI events not collected (yellow, blind).
    public static let rules = [
        sigma("ps", ["T1059.001"], category: "process_creation"),
        sigma("lsass", ["T1003.001"], category: "process_access"),
        sigma("wmi", ["T1546.003"], category: "wmi_event"),
    ]

    public static func report(_ rules: [DetectionRule], ratings: [Int], inventory: Inventory = inventory) -> CoverageReport {
        CoverageAssessment.assess(
            kb: kb, inventory: inventory, rules: rules,
            ratings: ratings.map { RuleRating(severity: .high, rating: $0, reason: "test", origin: .fallback) },
            map: .builtIn(), crosswalk: .builtIn(), options: CoverageOptions(threshold: 3, today: "2026-11-29"))
    }

    public static func snapshot(_ rules: [DetectionRule], ratings: [Int], label: String? = nil, inventory: Inventory = inventory)
        -> Snapshot
    {
        Snapshot(
            report: report(rules, ratings: ratings, inventory: inventory), kb: kb, map: .builtIn(),
            inputs: SnapshotInputs(label: label, sources: ["rules": "hand-made"], inventory: inventory))
    }

    /// A fresh store path in a new folder under /tmp.
    public static func storePath() -> String {
        let folder = NSTemporaryDirectory() + "vigil-store-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/history.sqlite"
    }

    /// The `vigil` executable built beside the test bundle.
    public static var vigil: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("vigil").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return SharedData.packageRoot() + "/.build/debug/vigil"
    }
}
