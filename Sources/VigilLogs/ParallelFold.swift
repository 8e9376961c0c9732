// Folding events on several cores: the calling thread reads batches while workers parse and fold earlier
// ones into per-batch partial results, which come back to the caller in input order. Memory stays at about
// `threads + 1` batches.
import Dispatch
import VigilCore

extension EventStream {
    /// Calls `add` for every event on worker threads, each batch into a fresh `partial()`, then hands every
    /// batch's partial to `merge` on the calling thread in file order. `threads` workers parse and fold;
    /// EVTX files are decoded on the calling thread, so reading and folding overlap. `onProgress`, when given,
    /// is called on the calling thread as each file starts and after each batch is handed to a worker.
    public static func fold<Partial: Sendable>(
        _ files: [String], threads: Int, sources: JSONSources = .builtin, report: inout EventStreamReport,
        partial: @escaping @Sendable () -> Partial,
        add: @escaping @Sendable (inout Partial, Event, EventOrigin) -> Void, merge: (Partial) -> Void,
        onProgress: ((EventStreamProgress) -> Void)? = nil
    ) {
        let workers = max(1, threads)
        let state = FoldState<Partial>()
        let slots = DispatchSemaphore(value: workers)
        let group = DispatchGroup()
        var submitted = 0
        var delivered = 0

        func deliver() {
            for done in state.take(from: &delivered) {
                report.events += done.events
                report.badEvents += done.bad
                report.parseDiagnostics += done.diagnostics.prefix(max(0, maxDiagnostics - report.parseDiagnostics.count))
                merge(done.partial)
            }
        }

        func submit(_ batch: EventBatch) {
            slots.wait()
            let sequence = submitted
            submitted += 1
            DispatchQueue.global().async(group: group) {
                var tape = state.tape()
                var result = FoldState<Partial>.Done(partial: partial(), events: 0, bad: 0, diagnostics: [])
                batch.forEachEvent(tape: &tape) { diagnostic in
                    result.bad += 1
                    if result.diagnostics.count < 20 { result.diagnostics.append(diagnostic()) }
                } _: { event, line in
                    result.events += 1
                    add(&result.partial, event, EventOrigin(file: batch.file, line: line))
                }
                state.finish(sequence, result, tape)
                slots.signal()
            }
            deliver()
        }

        for (index, file) in files.enumerated() {
            var progress = EventStreamProgress(filesDone: index, files: files.count, file: file, events: report.events)
            onProgress?(progress)
            func submitAndReport(_ batch: EventBatch) {
                submit(batch)
                progress.events = report.events
                onProgress?(progress)
            }
            LogReader.read(file, sources: sources, report: &report.read, submitAndReport)
        }
        group.wait()
        deliver()
    }
}

/// Finished batches and idle tapes, shared between the workers and the caller under one mutex.
final class FoldState<Partial: Sendable>: @unchecked Sendable {
    struct Done {
        var partial: Partial
        var events: Int
        var bad: Int
        var diagnostics: [Diagnostic]
    }

    private let lock = Lock()
    private var finished: [Int: Done] = [:]
    private var tapes: [JSONTape] = []

    private func locked<R>(_ body: () -> R) -> R { lock.withLock(body) }

    func tape() -> JSONTape { locked { tapes.popLast() } ?? JSONTape() }

    func finish(_ sequence: Int, _ done: Done, _ tape: JSONTape) {
        locked {
            finished[sequence] = done
            tapes.append(tape)
        }
    }

    /// The batches finished from `next` on without a gap, in order.
    func take(from next: inout Int) -> [Done] {
        locked {
            var out: [Done] = []
            while let done = finished.removeValue(forKey: next) {
                out.append(done)
                next += 1
            }
            return out
        }
    }
}
