// `vigil rules update` against a mirror on loopback (Python's http.server) holding packages made by Python's
// zipfile from real SigmaHQ rules, with rule ids read by PyYAML; then `vigil hunt` with no --rules on the
// installed set, counted against SigmaHQ's regression match_count.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite(.serialized) struct RulesUpdateCLITests {
    static let folder = "rules/windows/process_creation/"
    /// Four rules with regression logs in shared/logs/sigma-regression.
    static let names = [
        "proc_creation_win_amsi_registry_tampering", "proc_creation_win_bitsadmin_download",
        "proc_creation_win_bitsadmin_download_file_sharing_domains", "proc_creation_win_bitsadmin_download_susp_targetfolder",
    ]

    static func rule(_ index: Int) throws -> (name: String, text: String) {
        let path = try SharedData.path("rules/sigma/" + folder + names[index] + ".yml")
        return (folder + names[index] + ".yml", String(decoding: try FileBytes.read(path), as: UTF8.self))
    }

    /// Writes a package with Python's zipfile (deflated, or stored); with `flip`, XORs the first byte of that text
    /// in the written file. Returns each entry's rule id as PyYAML reads it.
    static func package(_ entries: [(String, String)], to path: String, stored: Bool = false, flip: String? = nil) throws -> [String:
        String]
    {
        let script = """
            import json, sys, zipfile, yaml
            out, spec = sys.argv[1], json.loads(sys.argv[2])
            method = zipfile.ZIP_STORED if spec["stored"] else zipfile.ZIP_DEFLATED
            ids = {}
            with zipfile.ZipFile(out, "w", method) as z:
                for name, text in spec["entries"]:
                    z.writestr(name, text)
                    try:
                        ids[name] = yaml.safe_load(text)["id"]
                    except Exception:
                        pass
            if spec["flip"]:
                data = bytearray(open(out, "rb").read())
                at = data.find(spec["flip"].encode())
                assert at > 0
                data[at] ^= 0x20
                open(out, "wb").write(data)
            print(json.dumps(ids))
            """
        let spec: [String: Any] = ["entries": entries.map { [$0.0, $0.1] }, "stored": stored, "flip": flip ?? NSNull()]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let run = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, path, json])
        try #require(run.status == 0, "python3 with PyYAML is needed for this test: \(run.stderr)")
        return try #require(run.json as? [String: String])
    }

    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "vigil-rules-update-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func update(_ server: MirrorServer, data: String, _ extra: [String] = ["--json"]) throws -> VigilRun {
        try VigilProcess.run(["rules", "update", "--base-url", server.baseURL + "/", "--data", data] + extra)
    }

    static func keys(_ report: [String: Any], _ kind: String) -> Set<String> {
        Set(((report[kind] as? [[String: Any]]) ?? []).compactMap { $0["key"] as? String })
    }

    @Test func installsReportsChangesAndHuntUsesTheInstalledRules() throws {
        let tmp = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let server = try MirrorServer(folder: tmp + "/mirror")
        defer { server.stop() }
        let data = tmp + "/xdg/vigil"
        let (a, b, c, d) = (try Self.rule(0), try Self.rule(1), try Self.rule(2), try Self.rule(3))

        // First install, in the table format.
        let first = try Self.package([a, b, c], to: server.folder + "/sigma_all_rules.zip")
        #expect(Set(first.values).count == 3)
        let table = try Self.update(server, data: data, [])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("installed \(server.baseURL)/sigma_all_rules.zip"))
        #expect(table.stdout.contains("files: 3  rules: 3  rejected: 0"))
        #expect(table.stdout.contains("added: 3  removed: 0  modified: 0  unchanged: 0"))
        for rule in [a, b, c] {
            #expect(try FileBytes.read(data + "/rules/sigma/" + rule.name) == Array(rule.text.utf8))
        }

        // The same package again: nothing to install.
        let again = try Self.update(server, data: data)
        #expect(again.status == 0, "\(again.stderr)")
        let same = try #require(again.json as? [String: Any])
        #expect(same["installed"] as? Bool == false)
        #expect(same["unchanged"] as? Int == 3)
        #expect(Self.keys(same, "added").isEmpty && Self.keys(same, "removed").isEmpty && Self.keys(same, "modified").isEmpty)

        // A remove, a modify and an add.
        let changed = (b.name, b.text + "# changed by the test\n")
        let second = try Self.package([changed, c, d], to: server.folder + "/sigma_all_rules.zip")
        let run = try Self.update(server, data: data)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(run.json as? [String: Any])
        #expect(report["installed"] as? Bool == true)
        #expect(Self.keys(report, "added") == [second[d.name]!])
        #expect(Self.keys(report, "removed") == [first[a.name]!])
        #expect(Self.keys(report, "modified") == [second[b.name]!])
        #expect(report["unchanged"] as? Int == 1)
        #expect(report["checksum"] as? String == "not published")
        #expect(!FileBytes.exists(data + "/rules/sigma/" + a.name))
        #expect(try FileBytes.read(data + "/rules/sigma/" + b.name) == Array(changed.1.utf8))
        // One generation folder is left: the one in use.
        let generations = try FileManager.default.contentsOfDirectory(atPath: data + "/rules").filter { $0.hasPrefix(".sigma-") }
        #expect(generations.count == 1)

        // hunt with no --rules runs the installed set: d's regression log, d's SigmaHQ match_count.
        let caseFolder = try SharedData.path("logs/sigma-regression/regression_data/" + Self.folder + Self.names[3])
        let id = second[d.name]!
        let log = caseFolder + "/\(id).evtx"
        let info = String(decoding: try FileBytes.read(caseFolder + "/info.yml"), as: UTF8.self)
        let matchCount = try #require(
            info.split(separator: "\n").first { $0.contains("match_count:") }.flatMap {
                Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))
            })
        let hunt = try VigilProcess.run(["hunt", "--format", "jsonl", log], environment: ["XDG_DATA_HOME": tmp + "/xdg"])
        #expect(hunt.status == 1, "\(hunt.stderr)")
        #expect(hunt.stderr.contains("using the rules installed in \(data)/rules/sigma"))
        let hits = hunt.stdout.split(separator: "\n").filter { line in
            let row = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return row?["rule_id"] as? String == id
        }
        #expect(hits.count == matchCount)
        let explicit = try VigilProcess.run(["hunt", "--format", "jsonl", "--rules", data + "/rules/sigma", log])
        #expect(explicit.stdout == hunt.stdout)

        // Without --rules and with nothing installed, hunt says how to get rules.
        let none = try VigilProcess.run(["hunt", log], environment: ["XDG_DATA_HOME": tmp + "/empty"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("vigil rules update"))
        // timeline too runs the installed set when given neither --rules nor --events.
        let timeline = try VigilProcess.run(["timeline", "--format", "jsonl", log], environment: ["XDG_DATA_HOME": tmp + "/xdg"])
        #expect(timeline.status == 1, "\(timeline.stderr)")
        #expect(timeline.stdout.contains(id))
    }

    @Test func badPackagesExitTwoAndLeaveTheInstalledSetAlone() throws {
        let tmp = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let server = try MirrorServer(folder: tmp + "/mirror")
        defer { server.stop() }
        let data = tmp + "/vigil"
        let (a, b) = (try Self.rule(0), try Self.rule(1))
        let zip = server.folder + "/sigma_all_rules.zip"
        _ = try Self.package([a, b], to: zip)
        #expect(try Self.update(server, data: data).status == 0)
        func state() throws -> [String] {
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: data + "/rules/sigma")
            return [link] + (try FileManager.default.subpathsOfDirectory(atPath: data + "/rules").sorted())
        }
        let before = try state()

        let cases: [(String, () throws -> Void, String)] = [
            ("path traversal", { _ = try Self.package([a, ("../evil.yml", "title: evil\n")], to: zip) }, "zip-unsafe-path"),
            ("absolute path", { _ = try Self.package([a, ("/tmp/evil.yml", "title: evil\n")], to: zip) }, "zip-unsafe-path"),
            (
                "bad CRC", { _ = try Self.package([a, (b.name, b.text + "# MARKER-CRC\n")], to: zip, stored: true, flip: "MARKER-CRC") },
                "zip-crc"
            ),
            ("no rules", { _ = try Self.package([("README.md", "no rules here\n")], to: zip) }, "rules-empty"),
            ("not a zip", { try Data("<html>not found</html>".utf8).write(to: URL(fileURLWithPath: zip)) }, "zip-not-zip"),
            (
                "rules that do not load",
                { _ = try Self.package([("rules/broken.yml", "id: 1\ntitle: [unclosed\n")], to: zip) }, "rules-none-load"
            ),
        ]
        for (what, make, code) in cases {
            try make()
            let run = try Self.update(server, data: data)
            #expect(run.status == 2, "\(what): \(run.stderr)")
            #expect(run.stderr.contains("[\(code)]"), "\(what): \(run.stderr)")
            #expect(run.stderr.contains("the installed set, if any, is unchanged"))
            #expect(try state() == before, "\(what)")
        }
        #expect(!FileManager.default.fileExists(atPath: tmp + "/evil.yml"))
        #expect(!FileManager.default.fileExists(atPath: data + "/rules/evil.yml"))

        // A published checksum is verified: a wrong one refuses the package, the right one is reported.
        _ = try Self.package([a, b], to: zip)
        let digest = SHA256.hex(try FileBytes.read(zip))
        try Data("\(String(repeating: "0", count: 64))  sigma_all_rules.zip\n".utf8).write(to: URL(fileURLWithPath: zip + ".sha256"))
        let wrong = try Self.update(server, data: data)
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("[rules-checksum]"))
        try Data("\(digest)  sigma_all_rules.zip\n".utf8).write(to: URL(fileURLWithPath: zip + ".sha256"))
        let right = try #require(try Self.update(server, data: data).json as? [String: Any])
        #expect(right["checksum"] as? String == "verified")
        #expect(right["sha256"] as? String == digest)
        #expect(try state() == before)

        // A missing package and an unknown package name.
        let missing = try VigilProcess.run(["rules", "update", "--base-url", server.baseURL + "/nowhere", "--data", data])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("HTTP 404"))
        #expect(try VigilProcess.run(["rules", "update", "--package", "nope", "--data", data]).status == 2)
        // --package core fetches sigma_core.zip.
        _ = try Self.package([a], to: server.folder + "/sigma_core.zip")
        let core = try #require(try Self.update(server, data: data, ["--package", "core", "--json"]).json as? [String: Any])
        #expect((core["source"] as? String)?.hasSuffix("/sigma_core.zip") == true)
        #expect(Self.keys(core, "removed").count == 1)
    }
}
