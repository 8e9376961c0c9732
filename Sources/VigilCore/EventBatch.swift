// A batch of JSON event documents from one source: the seam between log readers (VigilLogs) and
// consumers such as the Sigma matcher, so that neither module depends on the other.

/// One document inside a batch: its byte range and the line (or record number) it came from.
public struct DocumentSpan: Sendable {
    public var start: Int
    public var end: Int
    public var line: Int

    public init(start: Int, end: Int, line: Int) {
        self.start = start
        self.end = end
        self.line = line
    }
}

/// Complete JSON documents from one file. The bytes are owned; spans index into them.
public struct EventBatch: Sendable {
    public var file: String
    public var bytes: [UInt8]
    public var documents: [DocumentSpan]

    public init(file: String, bytes: [UInt8], documents: [DocumentSpan]) {
        self.file = file
        self.bytes = bytes
        self.documents = documents
    }
}

extension EventBatch {
    /// Parses every document with `tape` and calls `body(event, line)`; the event is valid only during the call.
    /// A document that is not valid JSON goes to `invalid` with a way to make its diagnostic (file and line),
    /// so that callers keeping only the first few diagnostics build no others.
    public func forEachEvent(
        tape: inout JSONTape, invalid: (_ diagnostic: () -> Diagnostic) -> Void, _ body: (Event, Int) -> Void
    ) {
        bytes.withUnsafeBytes { all in
            for span in documents {
                let document = UnsafeRawBufferPointer(rebasing: all[span.start..<span.end])
                do throws(JSONSyntaxError) {
                    try tape.parseDocument(document)
                } catch {
                    invalid { error.diagnostic(file: file, bytes: document, baseLine: span.line) }
                    continue
                }
                tape.nodes.withUnsafeBufferPointer { nodes in body(Event(view: JSONView(tape: nodes, bytes: document)), span.line) }
            }
        }
    }
}
