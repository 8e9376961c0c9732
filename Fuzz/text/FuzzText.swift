// libFuzzer target for the text log readers: the first byte chooses the reader (Linux audit, syslog, Zeek TSV,
// CSV, tab-separated values), the rest is a log file's bytes, cut into lines as LogReader.readLines does. The readers
// write JSON documents; every one must be valid JSON and read as an event (every field, decoded). Any crash, hang,
// sanitizer report or document the JSON reader refuses is a bug; bad lines must only ever be diagnostics.
import VigilCore

@testable import VigilLogs

func drive(_ decoder: inout some LineDecoder, _ bytes: ArraySlice<UInt8>) {
    var sink = DocumentSink()
    var diagnostics: [Diagnostic] = []
    var bad = 0
    var tape = JSONTape()
    func hand() {
        guard let batch = sink.take(file: "fuzz") else { return }
        batch.forEachEvent(tape: &tape, invalid: { fatalError("a reader wrote a document the JSON reader refuses: \($0())") }) {
            event, _ in
            _ = event.fields()
            _ = (event.channel, event.eventID, event.computer, event.recordID, event.timestamp)
        }
    }
    var number = 0
    for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
        number += 1
        var text = Array(line)
        if text.last == 0x0D { text.removeLast() }
        text.withUnsafeBytes { decoder.line($0, number: number, into: &sink, diagnostics: &diagnostics, bad: &bad) }
        if sink.bytes.count >= 1 << 16 { hand() }
    }
    decoder.finish(into: &sink, diagnostics: &diagnostics, bad: &bad)
    hand()
    for diagnostic in diagnostics { precondition(!diagnostic.message.isEmpty, "a diagnostic without a message") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let rest = bytes[1...]
    switch bytes[0] % 5 {
    case 0:
        var decoder = LinuxAuditDecoder(file: "fuzz")
        drive(&decoder, rest)
    case 1:
        var decoder = SyslogDecoder(file: "fuzz", year: 2024)
        drive(&decoder, rest)
    case 2:
        var decoder = ZeekTSVDecoder(file: "fuzz")
        drive(&decoder, rest)
    case 3:
        var decoder = CSVDecoder(file: "fuzz")
        drive(&decoder, rest)
    default:
        var decoder = CSVDecoder(file: "fuzz", separator: 0x09)
        drive(&decoder, rest)
    }
    return 0
}
