// libFuzzer target for the JSON event reader: the input is a log file's bytes, split into documents
// as a JSON log is (NDJSON lines, concatenated objects, a top-level array), each document parsed
// into a tape and read as an event (every field, decoded); the whole input is also parsed as one
// document and streamed as a STIX-style bundle. Any crash, hang, sanitizer report or a document
// accepted by the tape but refused by the streaming reader is a bug; bad input must only ever
// produce errors with a location.
import VigilCore

@testable import VigilLogs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var tape = JSONTape()
    // The splitter as LogReader drives it: a first pass that may stop at an incomplete object, then the rest.
    var splitter = JSONDocumentSplitter(file: "fuzz")
    var documents: [DocumentSpan] = []
    let consumed = bytes.withUnsafeBytes { splitter.split($0, final: false) { documents.append($0) } }
    precondition(consumed <= bytes.count, "splitter consumed past the end")
    let tail = Array(bytes[consumed...])
    var tailDocuments: [DocumentSpan] = []
    _ = tail.withUnsafeBytes { splitter.split($0, final: true) { tailDocuments.append($0) } }
    for (batchBytes, spans) in [(bytes, documents), (tail, tailDocuments)] {
        for span in spans { precondition(span.start <= span.end && span.end <= batchBytes.count, "span out of range") }
        EventBatch(file: "fuzz", bytes: batchBytes, documents: spans).forEachEvent(tape: &tape, invalid: { _ = $0() }) {
            event, _ in
            _ = event.fields()
            _ = (event.channel, event.eventID, event.computer, event.recordID, event.timestamp)
            _ = event.value(named: "Image")
        }
    }
    // The whole input as one document, and as a bundle streamed element by element.
    var accepted = false
    var topLevelObject = false
    bytes.withUnsafeBytes { raw in
        do throws(JSONSyntaxError) {
            try tape.parseDocument(raw)
            accepted = true
            topLevelObject = tape.nodes.first?.kind == .object
            tape.nodes.withUnsafeBufferPointer { nodes in
                let view = JSONView(tape: nodes, bytes: raw)
                for i in 0..<nodes.count {
                    _ = view.string(i)
                    _ = view.double(i)
                }
            }
        } catch {
            _ = error.diagnostic(file: "fuzz", bytes: raw)
        }
        var streamTape = JSONTape()
        do {
            _ = try JSONStreaming.forEachElement(
                of: "objects", in: raw, tape: &streamTape, member: { _, view, i in _ = view.string(i) },
                element: { view, i, _ in _ = Event(view: view, root: i).fields() })
        } catch {
            if accepted && topLevelObject { fatalError("the tape accepts the document but streaming rejects it: \(error)") }
        }
    }
    return 0
}
