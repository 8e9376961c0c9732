import Testing
import VigilTestSupport

@testable import VigilCore

@Suite struct GzipTests {
    @Test func inflatesRealBundleAndReportsTruncation() throws {
        let path = try SharedData.path("attack/ics-attack-18.1.json.gz")
        let raw = try FileBytes.read(path)
        let inflated = try Gzip.inflate(raw, file: path)
        #expect(inflated.count > raw.count * 3)
        #expect(inflated.first == UInt8(ascii: "{"))
        let truncated = Array(raw[..<(raw.count / 2)])
        #expect(throws: Diagnostic.self) { try Gzip.inflate(truncated, file: path) }
        var corrupt = raw
        for i in 100..<200 { corrupt[i] ^= 0x5A }
        #expect(throws: Diagnostic.self) { try Gzip.inflate(corrupt, file: path) }
    }
}
