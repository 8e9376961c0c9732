// The one event pipeline the hunting commands share: log files and folders (EVTX and JSON alike) read in
// bounded batches, each document parsed once and handed out as an `Event` valid only during the callback.
import VigilCore

/// Where an event came from: its file and line (EVTX: the EventRecordID).
public struct EventOrigin: Sendable {
    public var file: String
    public var line: Int
}

/// Counts and diagnostics of one pass over the logs.
public struct EventStreamReport: Sendable {
    public var read = LogReadReport()
    /// Documents parsed into events.
    public var events = 0
    /// Documents that the readers split out but that are not valid JSON.
    public var badEvents = 0
    /// Problems with the documents themselves, capped so that a broken file cannot exhaust memory.
    public var parseDiagnostics: [Diagnostic] = []

    public init() {}

    public var diagnostics: [Diagnostic] { read.diagnostics + parseDiagnostics }
    /// Everything that could not be read: unsplittable documents, invalid JSON, broken EVTX records.
    public var bad: Int { read.badDocuments + badEvents }
}

/// How far a pass has got, for a progress line: handed out when a file starts and after each batch.
public struct EventStreamProgress: Sendable {
    /// Files finished so far.
    public var filesDone: Int
    public var files: Int
    /// The file being read.
    public var file: String
    /// Events parsed so far (batches already folded, in the parallel fold).
    public var events: Int
}

public enum EventStream {
    /// Cap on kept per-document diagnostics; the count in the report stays exact.
    public static let maxDiagnostics = 1000

    /// Log files under `paths`, as `LogReader.logFiles` finds them.
    public static func files(_ paths: [String]) -> (files: [String], diagnostics: [Diagnostic]) {
        LogReader.logFiles(paths)
    }

    /// Calls `body` for every event in `files`, in file order. Memory stays at about one batch
    /// (`LogReader.batchBytes`) whatever the size of the input. `threads` decodes EVTX chunks in parallel.
    /// `onProgress`, when given, is called on the calling thread as each file starts and after each batch.
    public static func forEach(
        _ files: [String], threads: Int = 1, sources: JSONSources = .builtin, report: inout EventStreamReport,
        onProgress: ((EventStreamProgress) -> Void)? = nil, _ body: (Event, EventOrigin) -> Void
    ) {
        var tape = JSONTape()
        var events = 0
        var bad = 0
        var parseDiagnostics: [Diagnostic] = []
        func consume(_ batch: EventBatch) {
            batch.forEachEvent(tape: &tape) { diagnostic in
                bad += 1
                if parseDiagnostics.count < maxDiagnostics { parseDiagnostics.append(diagnostic()) }
            } _: { event, line in
                events += 1
                body(event, EventOrigin(file: batch.file, line: line))
            }
        }
        for (index, file) in files.enumerated() {
            var progress = EventStreamProgress(filesDone: index, files: files.count, file: file, events: report.events + events)
            onProgress?(progress)
            func consumeAndReport(_ batch: EventBatch) {
                consume(batch)
                progress.events = report.events + events
                onProgress?(progress)
            }
            LogReader.read(file, threads: threads, sources: sources, report: &report.read, consumeAndReport)
        }
        report.events += events
        report.badEvents += bad
        report.parseDiagnostics += parseDiagnostics.prefix(max(0, maxDiagnostics - report.parseDiagnostics.count))
    }
}
