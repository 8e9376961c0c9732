// Tokens and value types the shared samples do not contain, in a synthetic chunk whose expected
// JSON comes from the reference parser (SyntheticFixture.swift), plus value formatting details.
import Testing
import VigilCore

@testable import VigilEVTX

func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var high: UInt8? = nil
    for c in hex.utf8 {
        let v = c <= 57 ? c - 48 : c - 87
        if let h = high {
            out.append(h << 4 | v)
            high = nil
        } else {
            high = v
        }
    }
    return out
}

/// A one-chunk file around `chunk`, with a valid file header.
func fileWithChunk(_ chunk: [UInt8]) -> [UInt8] {
    var header = [UInt8](repeating: 0, count: 4096)
    header.replaceSubrange(0..<8, with: Array("ElfFile\0".utf8))
    header[32] = 128
    header[36] = 1
    header[38] = 3
    header[41] = 0x10
    header[42] = 1
    let crc = header.withUnsafeBytes { CRC32.checksum($0.slice(0, 120)) }
    for i in 0..<4 { header[124 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
    var chunkBytes = chunk
    chunkBytes.append(contentsOf: repeatElement(0, count: 65536 - chunk.count))
    return header + chunkBytes
}

@Test func syntheticChunkMatchesTheReferenceParser() throws {
    let file = try EVTXFile(bytes: fileWithChunk(hexBytes(SyntheticFixture.chunkHex)), name: "synthetic.evtx")
    let (records, diagnostics) = file.records()
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    #expect(records.count == 4)
    let expected = SyntheticFixture.referenceJSON
    for (record, json) in zip(records.prefix(3), expected.prefix(3)) {
        #expect(record.text == json, "record \(record.recordID)")
    }
    // Record 4 holds CDATA and character references, which the reference rejects; rendered by its
    // rules for text content (entity and character references resolved, CDATA as text).
    #expect(expected.last?.hasPrefix("reference error") == true)
    #expect(records.last?.text == #"{"Event":{"Data":"a&bAx<y","More":"&#55357;"}}"#)
    let xml = file.records(format: .xml).records.last?.text
    #expect(
        xml == """
            <?xml version="1.0" encoding="utf-8"?>
            <Event>
              <Data>a&amp;b&#65;<![CDATA[x<y]]></Data>
              <More>&#55357;</More>
            </Event>

            """)
}

@Test func xmlRenderingOfATemplateRecord() throws {
    let file = try EVTXFile(bytes: fileWithChunk(hexBytes(SyntheticFixture.chunkHex)), name: "synthetic.evtx")
    let xml = file.records(format: .xml).records[2].text
    #expect(
        xml == """
            <?xml version="1.0" encoding="utf-8"?>
            <Event>
              <EventData>
                <Data>alpha</Data>
                <Data>
                </Data>
                <Data>gamma</Data>
                <Binary></Binary>
              </EventData>
              <UserData>
                <Log xmlns="urn:x">
                  <Item>one</Item>
                  <Item>two</Item>
                </Log>
              </UserData>
            </Event>

            """)
}

@Test func floatsUseTheShortestRoundTripLayout() {
    func text(_ v: Double, single: Bool = false) -> String {
        var out = OutputBuffer(capacity: 64)
        TextWriter.appendFloat(v, single: single, &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }
    #expect(text(1.0) == "1.0")
    #expect(text(0.1) == "0.1")
    #expect(text(1.5e-7) == "1.5e-7")
    #expect(text(1e20) == "1e20")
    #expect(text(123456.75) == "123456.75")
    #expect(text(0.001) == "0.001")
    #expect(text(-2.5) == "-2.5")
    #expect(text(3.25, single: true) == "3.25")
    #expect(text(.infinity) == "inf")
}

@Test func filetimesRenderLikeEvtxDump() {
    #expect(FileTime.iso8601(0) == "1601-01-01T00:00:00.000000Z")
    #expect(FileTime.iso8601(132_140_000_000_000_000) == "2019-09-26T19:33:20.000000Z")
    #expect(FileTime.iso8601(131_974_743_428_652_343) == "2019-03-19T13:05:42.865234Z")
    #expect(FileTime.iso8601(UInt64.max) == nil)
}
