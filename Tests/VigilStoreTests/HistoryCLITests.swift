// `vigil history` as a user runs it: every subcommand's exit codes (0 success, 1 changes in a diff, 2 bad
// input, an unknown snapshot or a store that does not exist), its --format/--json choice, and the rules that
// only `import` creates a store and that importing a snapshot twice records it once.

import Foundation
import Testing
import VigilTestSupport

@testable import VigilStore

@Suite(.serialized) struct HistoryCLITests {
    /// A store with two snapshots that differ (`before`, `after`) and the export of `before`.
    static func store() throws -> (path: String, export: String) {
        let path = Fixtures.storePath()
        let store = try HistoryStore(path: path)
        let (a, b) = try ContentAddressingTests.pair()
        try store.save(a)
        try store.save(b)
        let export = (path as NSString).deletingLastPathComponent + "/before.json"
        try Data(ContentAddressingTests.exported(try store.snapshot("before")).utf8).write(to: URL(fileURLWithPath: export))
        return (path, export)
    }

    static func vigil(_ arguments: [String]) throws -> VigilRun {
        guard FileManager.default.isExecutableFile(atPath: Fixtures.vigil) else {
            throw SafetyTestError("the vigil executable is not built at \(Fixtures.vigil)")
        }
        return try ProcessRunner.vigil(arguments, environment: ["XDG_DATA_HOME": "/nonexistent-vigil-test", "PATH": "/usr/bin:/bin"])
    }

    static func absent() -> String { Fixtures.storePath() + "-absent.sqlite" }

    @Test func listExitCodes() throws {
        let (path, _) = try Self.store()
        let table = try Self.vigil(["history", "list", "--store", path])
        #expect(table.status == 0 && table.stdout.contains("before") && table.stdout.contains("after"), "\(table.stderr)")
        let json = try Self.vigil(["history", "--store", path, "--json"])
        #expect(json.status == 0 && (json.json as? [Any])?.count == 2)
        #expect(try Self.vigil(["history", "list", "--store", path, "--format", "json"]).json != nil)
        #expect(try Self.vigil(["history", "list", "--store", path, "--format", "csv"]).status == 2)
        #expect(try Self.vigil(["history", "list", "--store", path, "--format", "table", "--json"]).status == 2)
        let empty = Fixtures.storePath()
        _ = try HistoryStore(path: empty)
        #expect(try Self.vigil(["history", "list", "--store", empty]).status == 0)
        // A store that does not exist is reported, not created (`history` alone is `history list`).
        for arguments in [["history", "--store"], ["history", "list", "--store"], ["history", "--json", "--store"]] {
            let missing = Self.absent()
            let run = try Self.vigil(arguments + [missing])
            #expect(run.status == 2 && run.stderr.contains("no history store at \(missing)"), "\(arguments): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: missing))
        }
    }

    @Test func showExitCodes() throws {
        let (path, _) = try Self.store()
        let table = try Self.vigil(["history", "show", "before", "--store", path])
        #expect(table.status == 0 && table.stdout.contains("#1 before") && table.stdout.contains("execution"), "\(table.stderr)")
        let json = try Self.vigil(["history", "show", "latest", "--store", path, "--json"])
        #expect(json.status == 0 && (json.json as? [String: Any])?["label"] as? String == "after")
        #expect(try Self.vigil(["history", "show", "nope", "--store", path]).status == 2)
        #expect(try Self.vigil(["history", "show", "1", "--store", path, "--format", "csv"]).status == 2)
        let missing = Self.absent()
        #expect(try Self.vigil(["history", "show", "1", "--store", missing]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func diffExitCodes() throws {
        let (path, _) = try Self.store()
        let changed = try Self.vigil(["history", "diff", "before", "after", "--store", path])
        #expect(changed.status == 1 && changed.stdout.contains("T1059.001"), "\(changed.stderr)")
        let json = try Self.vigil(["history", "diff", "before", "after", "--store", path, "--format", "json"])
        #expect(json.status == 1 && (json.json as? [String: Any])?["techniques"] != nil)
        let same = try Self.vigil(["history", "diff", "after", "latest", "--store", path, "--json"])
        #expect(same.status == 0 && ((same.json as? [String: Any])?["techniques"] as? [Any])?.isEmpty == true)
        #expect(try Self.vigil(["history", "diff", "before", "before", "--store", path]).status == 0)
        #expect(try Self.vigil(["history", "diff", "before", "nope", "--store", path]).status == 2)
        #expect(try Self.vigil(["history", "diff", "before", "--store", path]).status == 2)
        #expect(try Self.vigil(["history", "diff", "before", "after", "--store", path, "--format", "jsonl"]).status == 2)
        let missing = Self.absent()
        #expect(try Self.vigil(["history", "diff", "1", "2", "--store", missing]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func exportExitCodes() throws {
        let (path, export) = try Self.store()
        let run = try Self.vigil(["history", "export", "before", "--store", path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == (try String(contentsOfFile: export, encoding: .utf8)) + "\n")
        #expect(try Self.vigil(["history", "export", "before", "--store", path, "--json"]).stdout == run.stdout)
        #expect(try Self.vigil(["history", "export", "before", "--store", path, "--format", "json"]).stdout == run.stdout)
        #expect(try Self.vigil(["history", "export", "before", "--store", path, "--format", "table"]).status == 2)
        #expect(try Self.vigil(["history", "export", "nope", "--store", path]).status == 2)
        let missing = Self.absent()
        #expect(try Self.vigil(["history", "export", "latest", "--store", missing]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func importExitCodes() throws {
        let (_, export) = try Self.store()
        // Import creates the store it is given.
        let path = Self.absent()
        let first = try Self.vigil(["history", "import", "--store", path, export])
        #expect(first.status == 0 && first.stdout.contains("recorded #1"), "\(first.stderr)")
        // The same snapshot again: named, not recorded, exit 0.
        let again = try Self.vigil(["history", "import", "--store", path, export])
        #expect(again.status == 0 && again.stdout.contains("already in the store as #1"), "\(again.stdout) \(again.stderr)")
        let labelled = try Self.vigil(["history", "import", "--store", path, "--label", "other", export, "--json"])
        let answer = (labelled.json as? [[String: Any]])?.first
        #expect(labelled.status == 0 && answer?["outcome"] as? String == "already-stored")
        #expect(try HistoryStore(path: path).summaries().count == 1)
        // A file that is not a snapshot: reported, the others still imported, exit 2.
        let bad = (path as NSString).deletingLastPathComponent + "/bad.json"
        try Data("{\"not\": \"a snapshot\"}".utf8).write(to: URL(fileURLWithPath: bad))
        let other = Fixtures.storePath()
        let mixed = try Self.vigil(["history", "import", "--store", other, bad, export, "--format", "json"])
        #expect(mixed.status == 2 && mixed.stderr.contains("bad.json"))
        #expect((mixed.json as? [[String: Any]])?.map { $0["outcome"] as? String } == ["failed", "recorded"])
        #expect(try HistoryStore(path: other).summaries().count == 1)
        #expect(try Self.vigil(["history", "import", "--store", other, "/no/such/file.json"]).status == 2)
        #expect(try Self.vigil(["history", "import", "--store", other, export, "--format", "csv"]).status == 2)
        #expect(try Self.vigil(["history", "import", "--store", other, export, bad, "--label", "x"]).status == 2)
    }
}
