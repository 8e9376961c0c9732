// BoolType values other than 0 and 1 (Windows writes 8, 16, 65536… where a manifest says win:Boolean):
// the reference parser writes them as integers, in JSON and XML, on the tree path and from template
// programs alike (BoolFixture.swift holds its output for a synthetic chunk).
import Testing
import VigilCore

@testable import VigilEVTX

@Suite struct BoolValueTests {
    static func file() throws -> EVTXFile {
        try EVTXFile(bytes: fileWithChunk(hexBytes(BoolFixture.chunkHex)), name: "bool.evtx")
    }

    @Test func jsonMatchesTheReferenceParser() throws {
        let (records, diagnostics) = try Self.file().records()
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(records.count == BoolFixture.referenceJSON.count)
        for (record, json) in zip(records, BoolFixture.referenceJSON) {
            #expect(record.text == json, "record \(record.recordID)")
        }
    }

    @Test func xmlMatchesTheReferenceParser() throws {
        let (records, diagnostics) = try Self.file().records(format: .xml)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(records.count == BoolFixture.referenceXML.count)
        for (record, xml) in zip(records, BoolFixture.referenceXML) {
            #expect(record.text == xml, "record \(record.recordID)")
        }
    }

    @Test(arguments: [RecordFormat.json, .xml])
    func templateProgramsWriteTheIntegersToo(format: RecordFormat) throws {
        // Records 3 and 5 repeat the shapes of records 2 and 4: they come from programs.
        let (records, fromPrograms) = compareProgramsWithTree(try Self.file(), format: format)
        #expect(records == 5)
        #expect(fromPrograms == 2)
    }
}
