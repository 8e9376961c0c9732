// The one progress line of the long-running commands (hunt, timeline, metrics, stack, search): files done
// of all, events so far and the file being read, on standard error and only when it is a terminal, so that
// pipes and redirected output never see it.
import VigilHunt
import VigilLogs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct ProgressLine {
    let enabled: Bool
    private var lastDraw = -1.0
    private var lastFile = ""
    private var drawn = false

    init(enabled: Bool = isatty(2) != 0) { self.enabled = enabled }

    /// Redraws in place ("erase line, carriage return") when the file changes, at most ten times a second otherwise.
    mutating func update(filesDone: Int, files: Int, events: Int, file: String) {
        guard enabled else { return }
        let now = Clock.now
        guard file != lastFile || now - lastDraw >= 0.1 else { return }
        lastDraw = now
        lastFile = file
        drawn = true
        let name = file.split(separator: "/").last.map(String.init) ?? file
        printError("\u{1B}[2K\r[\(filesDone)/\(files) files, \(events) events] \(name)", newline: false)
    }

    mutating func update(_ progress: EventStreamProgress) {
        update(filesDone: progress.filesDone, files: progress.files, events: progress.events, file: progress.file)
    }

    /// Erases the line, so that what follows starts on a clean one.
    mutating func clear() {
        guard enabled && drawn else { return }
        printError("\u{1B}[2K\r", newline: false)
        drawn = false
    }
}
