// The store under real processes: two `vigil history import` writers at once both land, and a writer
// killed with SIGKILL in the middle of its saves leaves every snapshot whole and the store usable. Each
// file imported is a different snapshot (import skips one the store has), with rules of its own.

import Foundation
import Testing
import VigilCoverage

@testable import VigilStore

@Suite(.serialized) struct ProcessSafetyTests {
    /// `count` snapshots with a few thousand rules each, written as `vigil history export` would, so one save takes
    /// a while: the same coverage, but every rule (and so every blob of rules, techniques and layer entries) renamed
    /// per file.
    static func bigSnapshotFiles(_ count: Int) throws -> [String] {
        var rules: [DetectionRule] = []
        for i in 0..<3000 {
            rules.append(Fixtures.sigma("r\(i)", [["T1059.001"], ["T1003.001"], ["T1546.003"]][i % 3], category: "process_creation"))
        }
        let snapshot = Fixtures.snapshot(rules, ratings: rules.indices.map { 1 + $0 % 5 })
        let text = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
        let folder = NSTemporaryDirectory() + "vigil-big-snapshots-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try (0..<count).map { n in
            let file = folder + "/\(n).json"
            try Data(text.replacingOccurrences(of: "rule r", with: "rule v\(n)-r").utf8).write(to: URL(fileURLWithPath: file))
            return file
        }
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
        let files = try Self.bigSnapshotFiles(6)
        let path = Fixtures.storePath()
        _ = try HistoryStore(path: path)
        let writers = try [files[..<3], files[3...]].map { try Self.start(["history", "import", "--store", path] + $0) }
        for w in writers { w.waitUntilExit() }
        #expect(writers.allSatisfy { $0.terminationStatus == 0 })
        let store = try HistoryStore(path: path, readOnly: true)
        #expect(try store.summaries().count == 6)
        #expect(try store.check().isEmpty)
    }

    @Test(arguments: [0.4, 0.9, 1.5])
    func aWriterKilledMidSaveLeavesTheStoreConsistent(after delay: Double) throws {
        let imports = 40
        let files = try Self.bigSnapshotFiles(imports)
        let path = Fixtures.storePath()
        _ = try HistoryStore(path: path)
        let child = try Self.start(["history", "import", "--store", path] + files)
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
