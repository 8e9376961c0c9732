// The store grows by what changes: saving the same inputs again adds a snapshot row and nothing else of
// weight, and a run of snapshots each a rule away from the one before grows it by about those rules and the
// techniques and layer entries they touch, not by a whole snapshot each.

import Foundation
import Testing
import VigilCoverage

@testable import VigilStore

@Suite struct StoreGrowthTests {
    static let techniques = [
        "T1059.001", "T1059.003", "T1003.001", "T1546.003", "T1053.005", "T1547.001", "T1055", "T1021.002", "T1218.011", "T1112",
        "T1070.001", "T1036.005", "T1105", "T1047", "T1569.002", "T1543.003", "T1027", "T1140", "T1566.001", "T1204.002",
    ]
    static let categories = ["process_creation", "process_access", "wmi_event", "registry_set", "file_event", "network_connection"]

    /// Rules spread over twenty techniques and six log categories, as a small repository would be.
    static func rules(_ count: Int, prefix: String = "r") -> [DetectionRule] {
        (0..<count).map { i in
            Fixtures.sigma(
                "\(prefix)\(i)", [techniques[i % techniques.count]], category: categories[i % categories.count],
                title: "Suspicious behaviour \(prefix)\(i) seen in the wild")
        }
    }

    static func snapshot(_ rules: [DetectionRule], ratings: [Int], day: Int) -> Snapshot {
        Snapshot(
            report: Fixtures.report(rules, ratings: ratings), kb: Fixtures.kb, map: .builtIn(),
            inputs: SnapshotInputs(
                sources: ["rules": "generated"], inventory: Fixtures.inventory,
                date: Date(timeIntervalSince1970: 1_790_000_000 + Double(day) * 86_400)))
    }

    @Test func savingTheSameInputsTwiceAddsAlmostNothing() throws {
        let store = try HistoryStore(path: Fixtures.storePath())
        let rules = Self.rules(200)
        let ratings = rules.indices.map { 1 + $0 % 5 }
        try store.save(Self.snapshot(rules, ratings: ratings, day: 0))
        let first = try store.size()
        try store.save(Self.snapshot(rules, ratings: ratings, day: 1))
        let second = try store.size()
        // The second snapshot shares every blob with the first: one row in `snapshot`, six in `snapshotLayer`.
        #expect(second.blobs == first.blobs)
        #expect(second.bytes - first.bytes <= 8192, "grew by \(second.bytes - first.bytes) bytes after \(first.bytes)")
        #expect(first.bytes > 500_000)
        #expect(try store.summaries().count == 2)
    }

    @Test func smallChangesGrowTheStoreByTheChangeNotBySnapshots() throws {
        let store = try HistoryStore(path: Fixtures.storePath())
        var rules = Self.rules(200)
        var ratings = rules.indices.map { 1 + $0 % 5 }
        try store.save(Self.snapshot(rules, ratings: ratings, day: 0))
        let first = try store.size()
        let days = 10
        for day in 1...days {
            // Each day one rule is re-rated and one is added.
            ratings[(day * 7) % ratings.count] = 6 - ratings[(day * 7) % ratings.count]
            rules += Self.rules(1, prefix: "new\(day)-")
            ratings.append(4)
            try store.save(Self.snapshot(rules, ratings: ratings, day: day))
        }
        let last = try store.size()
        let growth = last.bytes - first.bytes
        let newContent = last.storedBytes - first.storedBytes
        // What was stored new is a small share of a snapshot, and the file grew by about that (pages, rows, index).
        #expect(newContent * 10 < first.storedBytes * days, "\(newContent) new bytes of content against \(first.storedBytes) a snapshot")
        #expect(growth <= 2 * newContent + days * 8192, "grew by \(growth) bytes for \(newContent) bytes of new content")
        #expect(growth * 5 < first.bytes * days, "grew by \(growth) bytes over \(days) snapshots of \(first.bytes)")
        #expect(try store.check().isEmpty)
    }
}
