// The ZIP reader against archives written by Python's zipfile module (the independent reference): stored and
// deflated entries, folders, empty files, UTF-8 names, Zip64; and the archives it must refuse.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct ZipTests {
    /// Runs a Python script with `arguments` (the standard library is all it needs); returns what it printed.
    static func python(_ script: String, _ arguments: [String]) throws -> String { try ProcessRunner.python(script, arguments) }

    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "vigil-zip-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes an archive with Python from a JSON file of entries, each `[name, method ("stored"/"deflated"), text, zip64 (bool)]`;
    /// a name ending in "/" is a folder. Prints every entry as zipfile reads it back.
    static let writer = """
        import json, sys, zipfile
        out, spec = sys.argv[1], json.load(open(sys.argv[2], encoding="utf-8"))
        with zipfile.ZipFile(out, "w") as z:
            for name, method, text, force64 in spec:
                kind = zipfile.ZIP_STORED if method == "stored" else zipfile.ZIP_DEFLATED
                if name.endswith("/"):
                    z.writestr(name, "")
                    continue
                info = zipfile.ZipInfo(name)
                info.compress_type = kind
                with z.open(info, "w", force_zip64=force64) as f:
                    f.write(text.encode("utf-8"))
        with zipfile.ZipFile(out) as z:
            print(json.dumps([[i.filename, i.compress_type, i.CRC, i.file_size, i.compress_size] for i in z.infolist()]))
        """

    static func archive(_ spec: [[Any]]) throws -> (bytes: [UInt8], listing: [[Any]]) {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/test.zip"
        // The spec goes in a file: an argument holds at most 128 KiB.
        let specPath = folder + "/spec.json"
        try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: specPath))
        let printed = try python(writer, [path, specPath])
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [[Any]])
        return (try FileBytes.read(path), listing)
    }

    @Test func readsWhatPythonWrites() throws {
        let long = String(repeating: "title: Suspicious PowerShell\nlevel: high\n", count: 500)
        let spec: [[Any]] = [
            ["rules/", "stored", "", false],
            ["rules/windows/a.yml", "deflated", long, false],
            ["rules/windows/b.yml", "stored", "title: B\n", false],
            ["rules/empty-stored.yml", "stored", "", false],
            ["rules/empty-deflated.yml", "deflated", "", false],
            ["rules/ünïcode/ßigma.yml", "deflated", "title: Ünïcode ✓\n", false],
            ["rules/zip64.yml", "deflated", long, true],
        ]
        let (bytes, listing) = try Self.archive(spec)
        let archive = try ZipArchive(bytes, file: "test.zip")
        #expect(archive.entries.count == listing.count)
        for (entry, (reference, written)) in zip(archive.entries, zip(listing, spec)) {
            #expect(entry.name == reference[0] as? String)
            #expect(Int(entry.method) == reference[1] as? Int)
            #expect(Int(entry.crc32) == reference[2] as? Int)
            #expect(entry.size == reference[3] as? Int)
            #expect(entry.compressedSize == reference[4] as? Int)
            #expect(entry.isDirectory == entry.name.hasSuffix("/"))
            let contents = try archive.contents(of: entry)
            #expect(contents == Array((written[2] as! String).utf8), "\(entry.name)")
        }
        // The long text really was deflated, so the inflate path ran.
        #expect(archive.entries[1].compressedSize < archive.entries[1].size / 10)
    }

    /// More than 65,535 entries: Python writes the Zip64 end record and locator, and the classic record's count
    /// field holds 0xFFFF.
    @Test func zip64EndRecord() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/many.zip"
        let printed = try Self.python(
            """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w") as z:
                for i in range(70000):
                    z.writestr("d/%05d" % i, str(i))
            with open(sys.argv[1], "rb") as f:
                data = f.read()
            print(len(zipfile.ZipFile(sys.argv[1]).infolist()), data.find(b"PK\\x06\\x06") > 0)
            """, [path])
        #expect(printed == "70000 True\n")
        let archive = try ZipArchive(try FileBytes.read(path), file: path)
        #expect(archive.entries.count == 70000)
        let last = try #require(archive.entries.last)
        #expect(last.name == "d/69999")
        #expect(try archive.contents(of: last) == Array("69999".utf8))
        // Past the entry limit, the archive is refused before anything is inflated.
        #expect(throws: Diagnostic.self) { try ZipArchive(try FileBytes.read(path), file: path, limits: .init(maxEntries: 1000)) }
    }

    /// Names that would land outside the target folder, and links, written by Python with explicit ZipInfo.
    @Test(arguments: [
        "../evil.yml", "rules/../../evil.yml", "/etc/evil.yml", "C:/evil.yml", "rules\\..\\evil.yml", "rules//a.yml", "./a.yml",
    ])
    func unsafeNamesAreRefused(_ name: String) throws {
        let (bytes, _) = try Self.archive([["rules/ok.yml", "stored", "ok", false], [name, "deflated", "evil", false]])
        let error = try #require(throws: Diagnostic.self) { try ZipArchive(bytes, file: "evil.zip") }
        #expect(error.code == "zip-unsafe-path", "\(name): \(error)")
    }

    @Test func symbolicLinksAreRefused() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/link.zip"
        _ = try Self.python(
            """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w") as z:
                info = zipfile.ZipInfo("rules/link.yml")
                info.create_system = 3
                info.external_attr = 0o120777 << 16
                z.writestr(info, "/etc/passwd")
            """, [path])
        let error = try #require(throws: Diagnostic.self) { try ZipArchive(try FileBytes.read(path), file: path) }
        #expect(error.code == "zip-unsafe-type")
        #expect(error.message.contains("symbolic link"))
    }

    @Test func aCorruptedByteFailsTheCRC() throws {
        let marker = "MARKER-0123456789"
        var (bytes, _) = try Self.archive([["rules/a.yml", "stored", "title: \(marker)\n", false]])
        let at = try #require(bytes.indices.first { bytes[$0...].starts(with: Array(marker.utf8)) })
        bytes[at] ^= 0x20
        let archive = try ZipArchive(bytes, file: "bad.zip")
        let error = try #require(throws: Diagnostic.self) { try archive.contents(of: archive.entries[0]) }
        #expect(error.code == "zip-crc")
    }

    @Test func oversizedEntriesAreRefusedUpFront() throws {
        let (bytes, _) = try Self.archive([["zeros.yml", "deflated", String(repeating: "0", count: 1 << 20), false]])
        #expect(bytes.count < 10_000)
        let error = try #require(throws: Diagnostic.self) { try ZipArchive(bytes, file: "bomb.zip", limits: .init(maxEntryBytes: 1 << 16)) }
        #expect(error.code == "zip-entry-too-large")
        let total = try #require(throws: Diagnostic.self) { try ZipArchive(bytes, file: "bomb.zip", limits: .init(maxTotalBytes: 1 << 16)) }
        #expect(total.code == "zip-too-large")
    }

    /// Every truncation of a valid archive is an error, never a crash, and so is a byte flipped anywhere
    /// (the CRC or a structural check catches it, or the entry still reads exactly).
    @Test func truncatedAndDamagedArchivesAreErrors() throws {
        let (bytes, _) = try Self.archive([
            ["a/", "stored", "", false], ["a/b.yml", "deflated", String(repeating: "detection: x\n", count: 40), false],
            ["c.yml", "stored", "c", false],
        ])
        for length in 0..<bytes.count {
            #expect(throws: Diagnostic.self) { try ZipArchive(Array(bytes[..<length]), file: "cut.zip") }
        }
        let expected = try ZipArchive(bytes, file: "ok.zip").entries.map { try ZipArchive(bytes, file: "ok.zip").contents(of: $0) }
        for i in bytes.indices {
            var damaged = bytes
            damaged[i] ^= 0xff
            do {
                let archive = try ZipArchive(damaged, file: "damaged.zip")
                let contents = try archive.entries.map { try archive.contents(of: $0) }
                #expect(contents == expected || archive.entries.map(\.name) != ["a/", "a/b.yml", "c.yml"], "byte \(i)")
            } catch {
                // Refused: what a damaged archive should be.
            }
        }
    }

    @Test func extractWritesFilesAndFolders() throws {
        let (bytes, _) = try Self.archive([
            ["rules/", "stored", "", false], ["rules/windows/a.yml", "deflated", "title: A\n", false], ["top.yml", "stored", "t", false],
        ])
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ZipArchive(bytes, file: "x.zip").extract(into: folder + "/out")
        #expect(try FileBytes.read(folder + "/out/rules/windows/a.yml") == Array("title: A\n".utf8))
        #expect(try FileBytes.read(folder + "/out/top.yml") == Array("t".utf8))
        // Unpacking again over existing files fails rather than writing through them.
        #expect(throws: Diagnostic.self) { try ZipArchive(bytes, file: "x.zip").extract(into: folder + "/out") }
    }
}
