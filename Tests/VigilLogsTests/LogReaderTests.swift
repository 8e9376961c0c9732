import Testing
import VigilCore
import VigilLogs
import VigilTestSupport

// The JSON log reader: every layout evtx_dump and exporters write, gzip, and bad input reported by line.
#if canImport(Glibc)
    import Glibc
#endif

/// Writes `bytes` to a file named `name` (the name is kept: readers derive channels from it) in this process's
/// temporary folder.
func temporaryFile(_ name: String, _ bytes: [UInt8]) -> String {
    let folder = "/tmp/vigil-logs-test-\(getpid())"
    mkdir(folder, 0o755)
    let path = folder + "/" + name
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    return path
}

func readAll(_ path: String) -> (docs: [String], lines: [Int], report: LogReadReport) {
    var report = LogReadReport()
    var docs: [String] = []
    var lines: [Int] = []
    LogReader.readJSON(path, report: &report) { batch in
        for d in batch.documents {
            docs.append(String(decoding: batch.bytes[d.start..<d.end], as: UTF8.self))
            lines.append(d.line)
        }
    }
    return (docs, lines, report)
}

@Suite struct LogReaderTests {
    @Test func ndjson() {
        let r = readAll(temporaryFile("a.jsonl", Array("{\"a\":1}\n{\"a\":2}\n\n{\"a\":\"}\"}\n".utf8)))
        #expect(r.docs == ["{\"a\":1}", "{\"a\":2}", "{\"a\":\"}\"}"])
        #expect(r.lines == [1, 2, 4])
    }

    @Test func concatenatedPrettyPrinted() {
        let text = "{\n  \"Event\": {\n    \"x\": 1\n  }\n}\n{\n  \"Event\": {}\n}\n"
        let r = readAll(temporaryFile("b.json", Array(text.utf8)))
        #expect(r.docs.count == 2)
        #expect(r.lines == [1, 6])
    }

    @Test func topLevelArray() {
        let r = readAll(temporaryFile("c.json", Array("[{\"a\":1},\n {\"b\":2}]".utf8)))
        #expect(r.docs == ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test func badLinesAreReportedAndSkipped() {
        let r = readAll(temporaryFile("d.jsonl", Array("{\"a\":1}\nnot json\n{\"a\":2, \n{\"a\":3}\n".utf8)))
        #expect(r.docs == ["{\"a\":1}", "{\"a\":3}"])
        #expect(r.report.badDocuments == 2)
        #expect(r.report.diagnostics.map(\.location.line) == [2, 3])
    }

    @Test func gzipAndTruncatedGzip() throws {
        let path = try SharedData.path("logs/sysmon-json")
        let file = FileBytes.files(under: path).first { $0.hasSuffix(".json.gz") }!
        let r = readAll(file)
        #expect(r.docs.count > 10)
        #expect(r.report.diagnostics.isEmpty)
        let bytes = try FileBytes.read(file)
        let cut = readAll(temporaryFile("e.json.gz", Array(bytes[..<(bytes.count / 2)])))
        #expect(cut.report.diagnostics.contains { $0.code == "gzip-truncated" })
        #expect(cut.docs.count > 0 && cut.docs.count < r.docs.count)
    }

    @Test func gzipBatchesStayNearTheBatchSize() throws {
        // 709 KB of gzip that inflate to 43,478,765 bytes and 6,026 events (the shared MANIFEST.tsv): cut into
        // batches while inflating, none larger than a batch plus one inflated chunk (256 KiB).
        let file = try SharedData.path("logs/sysmon-json/empire_mimikatz_logonpasswords_2020-08-07103224.json.gz")
        var report = LogReadReport()
        var sizes: [Int] = []
        var documents = 0
        LogReader.readJSON(file, report: &report) { batch in
            sizes.append(batch.bytes.count)
            documents += batch.documents.count
        }
        #expect(documents == 6026)
        #expect(sizes.allSatisfy { $0 <= LogReader.batchBytes + (1 << 18) })
        #expect(sizes.count >= 43_478_765 / (LogReader.batchBytes + (1 << 18)))
    }

    @Test func sysmonJSONCountsMatchTheManifest() throws {
        // MANIFEST.tsv gives the event count of each file (checked upstream by line count).
        let root = try SharedData.path("logs/sysmon-json")
        let manifest = String(decoding: try FileBytes.read(root + "/MANIFEST.tsv"), as: UTF8.self)
        var total = 0
        var expected = 0
        for line in manifest.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count > 7, let count = Int(columns[7]) else { continue }
            expected += count
            let r = readAll(root + "/" + columns[0])
            #expect(r.docs.count == count, "\(columns[0])")
            total += r.docs.count
        }
        #expect(total == expected && expected == 80_939)
    }
}
