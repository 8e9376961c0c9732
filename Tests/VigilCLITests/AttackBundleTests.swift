// Bundles installed by `vigil attack import` and `vigil attack update`, or passed as a folder, are the ones later
// commands use, for every bundle in ../shared/attack: Vigil's figures against Python's own reading of each file
// (json + gzip), and Python's against the counts in ../shared/attack/README.md.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct AttackBundleTests {
    /// A bundle in ../shared/attack with the figures its README lists (active techniques and sub-techniques).
    struct Bundle: CustomTestStringConvertible, Sendable {
        var file: String
        var domain: String
        var version: String
        var spec: String
        var techniques: Int
        var subtechniques: Int
        var testDescription: String { file }
    }

    static let bundles = [
        Bundle(
            file: "enterprise-attack-18.1.json.gz", domain: "enterprise-attack", version: "18.1", spec: "2.1", techniques: 216,
            subtechniques: 475),
        Bundle(
            file: "mobile-attack-18.1.json.gz", domain: "mobile-attack", version: "18.1", spec: "2.1", techniques: 77, subtechniques: 47),
        Bundle(file: "ics-attack-18.1.json.gz", domain: "ics-attack", version: "18.1", spec: "2.1", techniques: 83, subtechniques: 0),
        Bundle(
            file: "enterprise-attack-17.1.stix20.json.gz", domain: "enterprise-attack", version: "17.1", spec: "2.0", techniques: 211,
            subtechniques: 468),
        Bundle(
            file: "enterprise-attack-18.1.stix20.json.gz", domain: "enterprise-attack", version: "18.1", spec: "2.0", techniques: 216,
            subtechniques: 475),
    ]

    /// Python's reading of a bundle: `facts FILE` prints what it is and its counts; `reorder FILE OUT` writes the same
    /// objects with every relationship first (an order STIX allows), which moves the collection and the first
    /// `x_mitre_domains` more than 1 MiB into the file.
    static let python = #"""
        import collections, gzip, json, os, re, sys
        mode, path = sys.argv[1], sys.argv[2]
        raw = open(path, "rb").read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        bundle = json.loads(raw)
        objects = bundle["objects"]
        if mode == "reorder":
            bundle["objects"] = [o for o in objects if o["type"] == "relationship"] + [o for o in objects if o["type"] != "relationship"]
            text = json.dumps(bundle, indent=4)
            with gzip.open(sys.argv[3], "wb", compresslevel=1) as out:
                out.write(text.encode())
            print(json.dumps({"firstDomains": text.find('"x_mitre_domains"'), "collection": text.find('"x-mitre-collection"')}))
            sys.exit(0)
        collections_ = [o for o in objects if o["type"] == "x-mitre-collection"]
        active = [o for o in objects if o["type"] == "attack-pattern" and not o.get("revoked") and not o.get("x_mitre_deprecated")]
        votes = collections.Counter(d for o in objects if o["type"] == "attack-pattern" for d in o.get("x_mitre_domains", []))
        if collections_:
            version = collections_[0]["x_mitre_version"]
        else:
            version = re.search(r"-(\d+\.\d+)", os.path.basename(path)).group(1)
        spec = "2.1" if any(o.get("spec_version") == "2.1" for o in objects) else bundle.get("spec_version", "2.0")
        print(json.dumps({
            "domain": votes.most_common(1)[0][0], "version": version, "spec": spec,
            "techniques": sum(1 for o in active if not o.get("x_mitre_is_subtechnique", False)),
            "subtechniques": sum(1 for o in active if o.get("x_mitre_is_subtechnique", False)),
        }))
        """#

    static func python(_ arguments: [String]) throws -> [String: Any] {
        let r = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", python] + arguments)
        #expect(r.status == 0, "python3: \(r.stderr)")
        return try #require(r.json as? [String: Any], "python3 printed \(r.stdout.prefix(300))")
    }

    /// Python's figures for a bundle, checked against the README's.
    static func facts(_ bundle: Bundle, path: String) throws -> Bundle {
        let f = try python(["facts", path])
        let read = Bundle(
            file: bundle.file, domain: f["domain"] as? String ?? "?", version: f["version"] as? String ?? "?",
            spec: f["spec"] as? String ?? "?",
            techniques: f["techniques"] as? Int ?? -1, subtechniques: f["subtechniques"] as? Int ?? -1)
        #expect(
            [read.domain, read.version, read.spec, "\(read.techniques)", "\(read.subtechniques)"]
                == [bundle.domain, bundle.version, bundle.spec, "\(bundle.techniques)", "\(bundle.subtechniques)"],
            "Python's reading of \(bundle.file) differs from ../shared/attack/README.md")
        return read
    }

    /// `vigil attack info --domain D --json` in `environment`, checked against `expected`; returns the source it names.
    @discardableResult
    static func expectInfo(_ expected: Bundle, _ extra: [String] = [], environment: [String: String]) throws -> String {
        let r = try VigilProcess.run(["attack", "info", "--domain", expected.domain, "--json"] + extra, environment: environment)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json as? [String: Any], "\(r.stdout.prefix(300))")
        let info = try #require(json["info"] as? [String: Any])
        let counts = try #require(json["counts"] as? [String: Any])
        #expect(info["hasProse"] as? Bool == true, "info shows \(info["source"] ?? "?"), not the bundle")
        #expect(info["domain"] as? String == expected.domain)
        #expect(info["version"] as? String == expected.version)
        #expect(info["specVersion"] as? String == expected.spec)
        #expect(counts["techniques"] as? Int == expected.techniques)
        #expect(counts["subtechniques"] as? Int == expected.subtechniques)
        #expect(!r.stderr.contains("skipped"), "\(r.stderr)")
        return info["source"] as? String ?? ""
    }

    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "vigil-bundles-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func theSharedFolderHoldsExactlyTheseBundles() throws {
        let folder = try SharedData.path("attack")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json.gz") }
        #expect(Set(files) == Set(Self.bundles.map(\.file)), "a bundle was added to or removed from ../shared/attack")
    }

    /// Before the fix, importing enterprise-attack-18.1.json.gz printed "installed" and info still showed the
    /// embedded index: its first `x_mitre_domains` is 4.7 MB into the file, past the 1 MiB that was read.
    @Test(arguments: bundles) func importThenInfoUsesTheImportedBundle(_ bundle: Bundle) throws {
        let path = try SharedData.path("attack/" + bundle.file)
        let expected = try Self.facts(bundle, path: path)
        let home = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = ["XDG_DATA_HOME": home]
        let imported = try VigilProcess.run(["attack", "import", path], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        let installed = home + "/vigil/attack/\(bundle.domain)-\(bundle.version).json.gz"
        #expect(imported.stdout.contains("(\(bundle.techniques) techniques) → \(installed)"), "\(imported.stdout)")
        #expect(!imported.stdout.contains("note:"), "\(imported.stdout)")
        #expect(try Self.expectInfo(expected, environment: env) == installed)
    }

    /// The same objects with every relationship first: the collection and the first `x_mitre_domains` lie more
    /// than 1 MiB into the file, so none of these was recognised before (not even the ones the first test passes).
    @Test(arguments: bundles) func aBundleIsRecognisedWhereverItsDomainFirstAppears(_ bundle: Bundle) throws {
        let path = try SharedData.path("attack/" + bundle.file)
        let expected = try Self.facts(bundle, path: path)
        let home = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let folder = home + "/bundles"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let reordered = folder + "/" + bundle.file
        let written = try Self.python(["reorder", path, reordered])
        #expect((written["firstDomains"] as? Int ?? 0) > 1 << 20)
        #expect((written["collection"] as? Int ?? 0) > 1 << 20 || bundle.spec == "2.0")
        // As a folder given with --attack.
        #expect(try Self.expectInfo(expected, ["--attack", folder], environment: [:]) == reordered)
        // Imported into the data folder.
        let env = ["XDG_DATA_HOME": home + "/data"]
        let imported = try VigilProcess.run(["attack", "import", reordered], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try Self.expectInfo(expected, environment: env) == home + "/data/vigil/attack/\(bundle.domain)-\(bundle.version).json.gz")
    }

    /// A folder holding both 18.1 bundles (STIX 2.0 and 2.1) and 17.1: the newest version wins, and on a tie STIX 2.1.
    @Test func theSharedFolderGivesTheNewestEnterpriseBundle() throws {
        let folder = try SharedData.path("attack")
        let expected = try Self.facts(Self.bundles[0], path: folder + "/" + Self.bundles[0].file)
        #expect(try Self.expectInfo(expected, ["--attack", folder], environment: [:]) == folder + "/" + Self.bundles[0].file)
    }

    /// Importing an older release keeps the newer one in use and says so; importing the same release again replaces it.
    @Test func importingAnOlderReleaseSaysTheNewerOneStaysInUse() throws {
        let home = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = ["XDG_DATA_HOME": home]
        let newer = try VigilProcess.run(
            ["attack", "import", try SharedData.path("attack/enterprise-attack-18.1.json.gz")], environment: env)
        #expect(newer.status == 0, "\(newer.stderr)")
        let older = try VigilProcess.run(
            ["attack", "import", try SharedData.path("attack/enterprise-attack-17.1.stix20.json.gz"), "--json"], environment: env)
        #expect(older.status == 0, "\(older.stderr)")
        let rows = try #require(older.json as? [[String: Any]])
        #expect(rows.first?["version"] as? String == "17.1")
        #expect(rows.first?["inUse"] as? Bool == false)
        let table = try VigilProcess.run(
            ["attack", "import", try SharedData.path("attack/enterprise-attack-17.1.stix20.json.gz")], environment: env)
        #expect(
            table.stdout.contains(
                "note: \(home)/vigil/attack/enterprise-attack-18.1.json.gz (ATT&CK Enterprise 18.1) is newer and stays in use"))
        let info = try VigilProcess.run(["attack", "info", "--json"], environment: env)
        #expect(((info.json as? [String: Any])?["info"] as? [String: Any])?["version"] as? String == "18.1")
    }

    /// Files in the data folder that are not bundles are reported on stderr, also when the embedded index answers
    /// (they were dropped silently before).
    @Test func junkInTheDataFolderIsReported() throws {
        let home = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/vigil/attack", withIntermediateDirectories: true)
        try Data("{\"type\": \"bundle\", \"objects\": [".utf8).write(to: URL(fileURLWithPath: home + "/vigil/attack/cut.json"))
        let r = try VigilProcess.run(["attack", "info"], environment: ["XDG_DATA_HOME": home])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Vigil index"))
        #expect(r.stderr.contains(home + "/vigil/attack/cut.json:1:"), "\(r.stderr)")
    }

    /// `vigil attack update` from a mirror with attack-stix-data's layout (Python's http.server on loopback):
    /// each domain installs where later commands find it. Before the fix, Enterprise 18.1 installed as
    /// enterprise-attack-18.1.json and info kept showing the embedded index.
    @Test func updateFromAMirrorInstallsWhatLaterCommandsUse() throws {
        let home = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: home) }
        var expected: [Bundle] = []
        for bundle in Self.bundles where bundle.spec == "2.1" {
            let path = try SharedData.path("attack/" + bundle.file)
            expected.append(try Self.facts(bundle, path: path))
            let folder = home + "/mirror/\(bundle.domain)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(try FileBytes.readInflating(path)).write(to: URL(fileURLWithPath: folder + "/\(bundle.domain).json"))
        }
        let mirror = try Mirror(serving: home + "/mirror")
        defer { mirror.stop() }
        let env = ["XDG_DATA_HOME": home + "/data"]
        let r = try VigilProcess.run(["attack", "update", "--base-url", mirror.url, "--timeout", "60", "--json"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(r.json as? [String: Any], "\(r.stdout.prefix(300))")
        let installed = try #require(report["installed"] as? [[String: Any]])
        #expect(installed.count == 3)
        #expect(installed.allSatisfy { $0["inUse"] as? Bool == true })
        #expect((report["failures"] as? [Any])?.isEmpty == true)
        for bundle in expected {
            #expect(try Self.expectInfo(bundle, environment: env) == home + "/data/vigil/attack/\(bundle.domain)-\(bundle.version).json")
        }
        // The same release imported as .json.gz replaces the downloaded .json: one file per domain and version.
        let imported = try VigilProcess.run(["attack", "import", try SharedData.path("attack/ics-attack-18.1.json.gz")], environment: env)
        #expect(imported.status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: home + "/data/vigil/attack").sorted()
        #expect(files == ["enterprise-attack-18.1.json", "ics-attack-18.1.json.gz", "mobile-attack-18.1.json"])
    }
}

/// Python's http.server on 127.0.0.1 and a free port, serving a folder: an attack-stix-data mirror for the tests.
final class Mirror: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let server = """
        import functools, http.server, sys
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    let process = Process()
    let url: String

    init(serving folder: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.server, folder]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Failure(description: "the Python mirror did not print its port; it printed \(text.debugDescription)")
        }
        url = "http://127.0.0.1:\(port)"
    }

    /// SIGKILL: a child started from a test's worker thread inherits its blocked signals, SIGTERM among them.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
