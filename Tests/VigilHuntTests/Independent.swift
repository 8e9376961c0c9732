// The independent side of the hunting tests: logs read with gzip and Foundation's JSONSerialization, and
// the reference parser's record counts from the EVTX manifest, never through Vigil's readers.
import Foundation
import VigilCore
import VigilHunt
import VigilTestSupport

enum Independent {
    /// Every line of a gzip NDJSON file as a Foundation dictionary.
    static func records(_ path: String) throws -> [[String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            line.allSatisfy({ $0 == 0x20 || $0 == 0x0d }) ? nil : try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
        }
    }

    /// A JSON value as text the way a hunter reads it: numbers without a fraction print as integers.
    static func text(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }

    /// Record counts per EVTX file from the shared manifest (written by the reference evtx_dump).
    static func evtxManifest() throws -> [String: Int] {
        let root = try SharedData.path("logs/evtx-attack-samples")
        let text = try String(contentsOfFile: root + "/MANIFEST.tsv", encoding: .utf8)
        var out: [String: Int] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            if columns.count >= 4, let n = Int(columns[3]) { out[root + "/" + columns[0]] = n }
        }
        return out
    }

    static let sysmonFiles = [
        "logs/sysmon-json/cmd_bitsadmin_download_psh_script_2020-10-2302365189.json.gz",
        "logs/sysmon-json/cmd_lsass_memory_dumpert_syscalls_2020-10-1822561997.json.gz",
        "logs/sysmon-json/aptsimulator_cobaltstrike_2021-06-11T21081492.json.gz",
    ]
}

extension Independent {
    /// Records with their 1-based line numbers, blank lines skipped but counted.
    static func numberedRecords(_ path: String) throws -> [(line: Int, record: [String: Any])] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var out: [(Int, [String: Any])] = []
        for (i, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x0d }),
                let record = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
            else { continue }
            out.append((i + 1, record))
        }
        return out
    }
}
