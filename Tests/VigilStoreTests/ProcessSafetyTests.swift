// The store under real processes: two `vigil history import` writers at once both land, and a writer
// killed with SIGKILL in the middle of its saves leaves every snapshot whole and the store usable.

import Foundation
import Testing
import VigilCoverage

@testable import VigilStore

@Suite(.serialized) struct ProcessSafetyTests {
    /// A snapshot with a few thousand rules, written as `vigil history export` would, so one save takes a while.
    static func bigSnapshotFile() throws -> String {
        var rules: [DetectionRule] = []
        for i in 0..<3000 {
            rules.append(Fixtures.sigma("r\(i)", [["T1059.001"], ["T1003.001"], ["T1546.003"]][i % 3], category: "process_creation"))
        }
        let snapshot = Fixtures.snapshot(rules, ratings: rules.indices.map { 1 + $0 % 5 })
        let file = NSTemporaryDirectory() + "vigil-big-snapshot-\(UUID().uuidString).json"
        let encoder = JSONEncoder()
        try encoder.encode(snapshot).write(to: URL(fileURLWithPath: file))
        return file
    }

    static func start(_ arguments: [String]) throws -> Process {
        let binary = Fixtures.vigil
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw SafetyTestError("the vigil executable is not built at \(binary)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func twoWriterProcessesBothLand() throws {
        let file = try Self.bigSnapshotFile()
        let path = Fixtures.storePath()
        _ = try HistoryStore(path: path)
        let writers = try (0..<2).map { _ in try Self.start(["history", "import", "--store", path, file, file, file]) }
        for w in writers { w.waitUntilExit() }
        #expect(writers.allSatisfy { $0.terminationStatus == 0 })
        let store = try HistoryStore(path: path, readOnly: true)
        #expect(try store.summaries().count == 6)
        #expect(try store.check().isEmpty)
    }

    @Test(arguments: [0.4, 0.9, 1.5])
    func aWriterKilledMidSaveLeavesTheStoreConsistent(after delay: Double) throws {
        let file = try Self.bigSnapshotFile()
        let path = Fixtures.storePath()
        _ = try HistoryStore(path: path)
        let imports = 40
        let child = try Self.start(["history", "import", "--store", path] + Array(repeating: file, count: imports))
        Thread.sleep(forTimeInterval: delay)
        // Watch for the write-ahead log to grow: a save is under way when the child is killed.
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal, "the child finished before it was killed: make the import longer")
        let store = try HistoryStore(path: path)
        let saved = try store.summaries()
        #expect(saved.count < imports)
        #expect(try store.check().isEmpty)
        for s in saved {
            let snapshot = try store.snapshot(String(s.id))
            #expect(snapshot.rules.count == 3000 && snapshot.techniques.count == s.techniqueCount)
        }
        // The store takes the next save as usual.
        let next = try store.save(Fixtures.snapshot(Fixtures.rules, ratings: [4, 2, 4], label: "after-kill"))
        #expect(next.id > (saved.last?.id ?? 0))
        #expect(try store.check().isEmpty)
    }
}

struct SafetyTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
