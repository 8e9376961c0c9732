// Linux audit logs (auditd's `type=SYSCALL msg=audit(time:serial): key=value …` lines) become one flat JSON
// document per audit event: the records sharing one audit id (SYSCALL, EXECVE, CWD, PATH, PROCTITLE …) joined.
import VigilCore

/// Reads raw Linux audit logs (`/var/log/audit/audit.log`, plain or ENRICHED format, with or without a
/// `node=host ` prefix) into one document per audit event, channel `linux/auditd`.
///
/// Field names are the ones SigmaHQ's auditd rules test:
/// - `type` is always an array of the event's record types in record order (`["SYSCALL", "EXECVE", "CWD",
///   "PATH", "PATH", "PROCTITLE"]`), so that rules testing `type: SYSCALL` and `type: EXECVE` both see the event.
/// - `a0`…`aN` are EXECVE's argv (hex decoded; `aN[k]` pieces of a long argument joined). SYSCALL's registers
///   a0–a3 are always `syscall_a0`…`syscall_a3`; when the event has no argv they are also `a0`…`a3`, as the
///   rules on syscall arguments (`SYSCALL: personality`, `a0: 40000`) expect.
/// - A key found in several records (PATH's `name`, `nametype`, `inode`, `mode` …) becomes an array in record
///   order; a key found once stays a string. `(null)` is JSON null.
/// - Values audit hex-encodes (proctitle, argv, comm, exe, cwd, name, path, key …), when unquoted and all
///   uppercase hex, are decoded to text, NUL bytes becoming spaces; a `key` of several rule keys (joined by 0x01)
///   becomes an array.
/// - The fields inside USER_* records' `msg='…'` are fields of the event; AVC's bare words go to `text`.
/// - ENRICHED fields (after 0x1D: `ARCH`, `SYSCALL`, `UID` …) are kept. Vigil finds fields ignoring case, the
///   later one winning, so `SYSCALL` (the syscall's name, which rules test) is written after `syscall` (its
///   number); any other enriched field whose name equals a raw field's ignoring case is written as
///   `<NAME>_name` (`UID_name: root`), so that `euid: 33` still tests the number.
/// - Also `audit_time` (the epoch text), `audit_serial`, `node` (the prefix: the host) and the header fields.
///
/// Records of one event are usually adjacent but may interleave with another's: up to `openEventLimit` events
/// stay open; an event ends at its `EOE` record, when the limit is reached (the oldest goes) or at the end of the
/// file. A record whose event was already emitted starts a new event with the same id.
public struct LinuxAuditDecoder: LineDecoder {
    /// The `vigil_channel` of audit events.
    public static let channel = "linux/auditd"
    /// Events kept open at once, waiting for more of their records.
    public static let openEventLimit = 64

    let file: String
    private var open: [PendingAuditEvent] = []
    private var spare: [[UInt8]] = []
    private var fields = AuditEventFields()

    public init(file: String) { self.file = file }

    public mutating func line(
        _ bytes: UnsafeRawBufferPointer, number: Int, into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int
    ) {
        guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return }
        let header: AuditHeader
        switch AuditHeader.parseChecked(bytes) {
        case .success(let h): header = h
        case .failure(let problem):
            diagnostics.append(
                Diagnostic(
                    SourceLocation(file: file, line: number, column: problem.column + 1), code: "audit-malformed", problem.reason))
            bad += 1
            return
        }
        if header.isEndOfEvent(bytes) {
            if let i = open.firstIndex(where: { $0.id == header.id }) { emit(open.remove(at: i), into: &sink) }
            return
        }
        add(bytes, id: header.id, number: number, into: &sink)
    }

    public mutating func finish(into sink: inout DocumentSink, diagnostics: inout [Diagnostic], bad: inout Int) {
        for event in open { emit(event, into: &sink) }
        open.removeAll()
    }

    /// Adds a record to its open event, or opens one (emitting the oldest when too many are open).
    private mutating func add(_ bytes: UnsafeRawBufferPointer, id: AuditID, number: Int, into sink: inout DocumentSink) {
        if let i = open.lastIndex(where: { $0.id == id }) {
            open[i].records.append(0x0A)
            open[i].records.append(contentsOf: bytes)
            return
        }
        if open.count >= Self.openEventLimit { emit(open.removeFirst(), into: &sink) }
        var records = spare.popLast() ?? []
        records.append(contentsOf: bytes)
        open.append(PendingAuditEvent(id: id, line: number, records: records))
    }

    /// Joins an event's records into one document; its buffer is kept for the next event.
    private mutating func emit(_ event: PendingAuditEvent, into sink: inout DocumentSink) {
        fields.reset()
        event.records.withUnsafeBytes { all in
            var from = 0
            while from <= all.count {
                let i = LogFile.lineEnd(all, from: from)
                let record = UnsafeRawBufferPointer(rebasing: all[from..<i])
                // Checked when the line was read: only the header is parsed again.
                if case .success(let header) = AuditHeader.parse(record) { fields.add(record: record, header: header) }
                from = i + 1
            }
        }
        sink.begin(line: event.line)
        fields.write(into: &sink)
        sink.end()
        var records = event.records
        records.removeAll(keepingCapacity: true)
        spare.append(records)
    }
}

extension LinuxAuditDecoder {
    /// Writes ONE audit record given as text (a Sentinel `Syslog` row's `SyslogMessage` from the auoms agent, or an
    /// audit line a syslog daemon forwarded) as the fields of one linux/auditd event, header fields included,
    /// between a `begin`/`end` the caller makes. Returns false, writing nothing, when `text` is not an audit
    /// record (`[node=…] type=… [msg=]audit(time:serial): …` with every quote closed).
    ///
    /// auoms records (`type=AUOMS_EXECVE`) hold what auditd splits over several records: `type` is the auditd
    /// record types they stand for (AUOMS_EXECVE → `["SYSCALL", "EXECVE"]`, `EXECVE` only when the record has a
    /// `cmdline`, i.e. argv; AUOMS_SYSCALL → `["SYSCALL"]`; AUOMS_X → `["X"]`) and `auoms_type` the record type as written. Their `cmdline` is also split into argv
    /// `a0`…`aN` (at spaces, `"` grouping), their `syscall` name is also `SYSCALL`, their bracketed lists
    /// (`path_name=["/bin/bash","/lib64/ld-linux-x86-64.so.2"]`) are arrays, and their unquoted `proctitle` runs to
    /// ` redactors=`.
    public static func writeRecord(_ text: String, into sink: inout DocumentSink) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            var fields = AuditEventFields()
            return writeRecord(bytes: UnsafeRawBufferPointer(utf8), into: &sink, fields: &fields)
        }
    }

    /// `writeRecord(_:into:)` over bytes, with the caller's reusable scratch `fields`.
    static func writeRecord(bytes: UnsafeRawBufferPointer, into sink: inout DocumentSink, fields: inout AuditEventFields) -> Bool {
        guard case .success(let header) = AuditHeader.parseChecked(bytes) else { return false }
        fields.reset()
        fields.add(record: bytes, header: header)
        fields.write(into: &sink)
        return true
    }
}

/// The id shared by the records of one audit event: `audit(1604994496.155:92733)`.
struct AuditID: Equatable {
    var seconds: UInt64
    var fraction: UInt64
    var serial: UInt64
}

/// An event whose records are still arriving: the record lines, LF-separated.
struct PendingAuditEvent {
    var id: AuditID
    var line: Int
    var records: [UInt8]
}

/// Why a line is not an audit record, and where.
struct AuditLineProblem: Error {
    var column: Int
    var reason: String
}

/// The start of an audit record: `[node=host ]type=TYPE [msg=]audit(time:serial): ` and where its body begins.
struct AuditHeader {
    var node: Range<Int>?
    var type: Range<Int>
    var epoch: Range<Int>
    var serial: Range<Int>
    var id: AuditID
    var body: Range<Int>
    /// An auoms record (`type=AUOMS_…`): one record holding a whole event, with auoms' own value syntax.
    var auoms: Bool

    /// The header of `b`, with its body checked for unclosed quotes.
    static func parseChecked(_ b: UnsafeRawBufferPointer) -> Result<AuditHeader, AuditLineProblem> {
        let header: AuditHeader
        switch parse(b) {
        case .success(let h): header = h
        case .failure(let problem): return .failure(problem)
        }
        if let at = AuditScanner(bytes: b, auoms: header.auoms).forEachPair(in: header.body, { _ in }) {
            return .failure(AuditLineProblem(column: at, reason: "a quoted value is not closed before the end of the line (a torn line?)"))
        }
        return .success(header)
    }

    /// The header of `b`, or why it has none.
    static func parse(_ b: UnsafeRawBufferPointer) -> Result<AuditHeader, AuditLineProblem> {
        var i = AuditScanner.skipSpaces(b, 0)
        var node: Range<Int>?
        if AuditScanner.hasPrefix(b, at: i, "node=") {
            let end = AuditScanner.tokenEnd(b, i + 5)
            node = i + 5..<end
            i = AuditScanner.skipSpaces(b, end)
        }
        guard AuditScanner.hasPrefix(b, at: i, "type=") else {
            return .failure(AuditLineProblem(column: i, reason: "no `type=` at the start: not a Linux audit record (a torn line?)"))
        }
        let type = i + 5..<AuditScanner.tokenEnd(b, i + 5)
        i = AuditScanner.skipSpaces(b, type.upperBound)
        if AuditScanner.hasPrefix(b, at: i, "msg=") { i += 4 }
        guard !type.isEmpty, AuditScanner.hasPrefix(b, at: i, "audit("), let id = parseID(b, from: i + 6) else {
            return .failure(AuditLineProblem(column: i, reason: "no `msg=audit(time:serial):` after the record type"))
        }
        return .success(
            AuditHeader(
                node: node, type: type, epoch: id.epoch, serial: id.serial, id: id.id, body: id.body,
                auoms: AuditScanner.hasPrefix(b, at: type.lowerBound, "AUOMS_")))
    }

    /// `time:serial):` from `i`: the epoch and serial ranges, the id and where the body starts.
    private static func parseID(_ b: UnsafeRawBufferPointer, from i: Int) -> (
        epoch: Range<Int>, serial: Range<Int>, id: AuditID, body: Range<Int>
    )? {
        var j = i
        var seconds: UInt64 = 0
        var fraction: UInt64 = 0
        var inFraction = false
        while j < b.count, b[j] != UInt8(ascii: ":") {
            if b[j] == UInt8(ascii: "."), !inFraction {
                inFraction = true
            } else if b[j] &- 0x30 < 10 {
                if inFraction { fraction = fraction &* 10 &+ UInt64(b[j] - 0x30) } else { seconds = seconds &* 10 &+ UInt64(b[j] - 0x30) }
            } else {
                return nil
            }
            j += 1
        }
        guard j > i, j < b.count, b[i] &- 0x30 < 10 else { return nil }
        let epoch = i..<j
        j += 1
        var serial: UInt64 = 0
        while j < b.count, b[j] &- 0x30 < 10 {
            serial = serial &* 10 &+ UInt64(b[j] - 0x30)
            j += 1
        }
        guard j > epoch.upperBound + 1, j < b.count, b[j] == UInt8(ascii: ")") else { return nil }
        let serialRange = epoch.upperBound + 1..<j
        j += 1
        if j < b.count, b[j] == UInt8(ascii: ":") { j += 1 }
        return (epoch, serialRange, AuditID(seconds: seconds, fraction: fraction, serial: serial), j..<b.count)
    }

    /// An `EOE` record: the end of its event.
    func isEndOfEvent(_ b: UnsafeRawBufferPointer) -> Bool {
        type.count == 3 && AuditScanner.hasPrefix(b, at: type.lowerBound, "EOE")
    }
}

/// One `key=value` of a record body; a bare word (AVC's `denied`) has an empty key and the word as value.
struct AuditPair {
    enum Form { case plain, quoted, nested, list, bare }
    var key: Range<Int>
    var value: Range<Int>
    var form: Form
    /// After the 0x1D separator of the ENRICHED log format.
    var enriched: Bool
}

/// Splits record bodies into pairs, on the bytes of the line. Values are `"quoted"`, `'nested key=values'`, plain
/// up to the next space, or (auoms) `["bracketed","lists"]`.
struct AuditScanner {
    static let space = UInt8(ascii: " ")
    static let groupSeparator: UInt8 = 0x1D
    let bytes: UnsafeRawBufferPointer
    /// auoms syntax: a `"` closes a value only before ` key=` or the end (its `cmdline` holds bare quotes), and an
    /// unquoted `proctitle` runs to ` redactors=`.
    let auoms: Bool

    /// Calls `body` for each pair in `range`; returns the offset of a quote never closed (nothing after it is
    /// read), or nil.
    func forEachPair(in range: Range<Int>, _ body: (AuditPair) -> Void) -> Int? {
        var i = range.lowerBound
        let end = range.upperBound
        var enriched = false
        while i < end {
            let c = bytes[i]
            if c == Self.space || c == Self.groupSeparator || c == 0x09 {
                if c == Self.groupSeparator { enriched = true }
                i += 1
                continue
            }
            let start = i
            while i < end, bytes[i] != UInt8(ascii: "="), !isSeparator(bytes[i]) { i += 1 }
            guard i < end, bytes[i] == UInt8(ascii: "="), i > start else {
                while i < end, !isSeparator(bytes[i]) { i += 1 }
                body(AuditPair(key: start..<start, value: start..<i, form: .bare, enriched: enriched))
                continue
            }
            let key = start..<i
            guard let (value, form, next) = value(at: i + 1, end: end, key: key) else { return i + 1 }
            body(AuditPair(key: key, value: value, form: form, enriched: enriched))
            i = next
        }
        return nil
    }

    /// The value starting at `i`: its range (inside quotes; brackets included), form and the offset after it;
    /// nil when a quote or bracket is not closed.
    private func value(at i: Int, end: Int, key: Range<Int>) -> (Range<Int>, AuditPair.Form, Int)? {
        guard i < end else { return (i..<i, .plain, i) }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            guard let close = closingQuote(UInt8(ascii: "\""), from: i + 1, end: end, lenient: auoms) else { return nil }
            return (i + 1..<close, .quoted, close + 1)
        case UInt8(ascii: "'"):
            guard let close = closingQuote(UInt8(ascii: "'"), from: i + 1, end: end, lenient: false) else { return nil }
            return (i + 1..<close, .nested, close + 1)
        case UInt8(ascii: "[") where auoms:
            guard let close = forEachElement(from: i, end: end, { _ in }) else { return nil }
            return (i..<close, .list, close)
        default:
            if auoms && Self.equals(bytes, key, "proctitle") {
                let stop = find(" redactors=", from: i, end: end) ?? end
                return (i..<stop, .plain, stop)
            }
            var j = i
            while j < end, !isSeparator(bytes[j]) { j += 1 }
            return (i..<j, .plain, j)
        }
    }

    /// The offset of the quote closing a value opened before `from`. Strict: the next `quote` followed by a
    /// separator or the end (audit quotes no value holding quotes). Lenient (auoms): the next one followed by
    /// ` key=` or the end.
    private func closingQuote(_ quote: UInt8, from: Int, end: Int, lenient: Bool) -> Int? {
        var j = from
        while j < end {
            if bytes[j] == quote && (j + 1 == end || isSeparator(bytes[j + 1])) && (!lenient || keyFollows(j + 1, end: end)) {
                return j
            }
            j += 1
        }
        return nil
    }

    /// Whether only separators, or separators then `key=`, follow offset `p`.
    private func keyFollows(_ p: Int, end: Int) -> Bool {
        var j = p
        while j < end, isSeparator(bytes[j]) { j += 1 }
        if j == end { return true }
        let start = j
        while j < end, Self.isKeyByte(bytes[j]) { j += 1 }
        return j > start && j < end && bytes[j] == UInt8(ascii: "=")
    }

    /// Calls `body` with each element of the auoms list opening at `open` (`["a","b"]`, `[1,2]`); returns the offset
    /// after its `]`, or nil when it is not closed.
    func forEachElement(from open: Int, end: Int, _ body: (Range<Int>) -> Void) -> Int? {
        var j = open + 1
        while j < end {
            if bytes[j] == UInt8(ascii: "]") { return j + 1 }
            if bytes[j] == UInt8(ascii: ",") {
                j += 1
                continue
            }
            let start = j
            if bytes[j] == UInt8(ascii: "\"") {
                var k = j + 1
                while k < end,
                    !(bytes[k] == UInt8(ascii: "\"") && k + 1 < end
                        && (bytes[k + 1] == UInt8(ascii: ",") || bytes[k + 1] == UInt8(ascii: "]")))
                {
                    k += 1
                }
                guard k < end else { return nil }
                body(start + 1..<k)
                j = k + 1
            } else {
                while j < end, bytes[j] != UInt8(ascii: ","), bytes[j] != UInt8(ascii: "]") { j += 1 }
                body(start..<j)
            }
        }
        return nil
    }

    private func find(_ needle: StaticString, from: Int, end: Int) -> Int? {
        var j = from
        while j + needle.utf8CodeUnitCount <= end {
            if Self.hasPrefix(bytes, at: j, needle) { return j }
            j += 1
        }
        return nil
    }

    private func isSeparator(_ c: UInt8) -> Bool { c == Self.space || c == Self.groupSeparator || c == 0x09 }

    static func isKeyByte(_ c: UInt8) -> Bool {
        c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 26 || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: "[")
            || c == UInt8(ascii: "]")
    }

    static func skipSpaces(_ b: UnsafeRawBufferPointer, _ from: Int) -> Int {
        var i = from
        while i < b.count, b[i] == space || b[i] == 0x09 { i += 1 }
        return i
    }

    /// The end of the token starting at `from` (the next space or the end).
    static func tokenEnd(_ b: UnsafeRawBufferPointer, _ from: Int) -> Int {
        var i = from
        while i < b.count, b[i] != space, b[i] != 0x09 { i += 1 }
        return i
    }

    static func hasPrefix(_ b: UnsafeRawBufferPointer, at i: Int, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard i >= 0, i + n <= b.count else { return false }
        let p = prefix.utf8Start
        for k in 0..<n where b[i + k] != p[k] { return false }
        return true
    }

    static func equals(_ b: UnsafeRawBufferPointer, _ range: Range<Int>, _ text: StaticString) -> Bool {
        range.count == text.utf8CodeUnitCount && hasPrefix(b, at: range.lowerBound, text)
    }
}

/// One event's fields under construction: keys and decoded values copied into one byte buffer that is reused from
/// event to event, so that joining records allocates nothing per field.
struct AuditEventFields {
    enum Kind { case text, null, element }
    struct Item {
        var key: Range<Int>
        var value: Range<Int>
        var kind: Kind
        var hash: UInt32
        var enriched: Bool
    }

    /// Whether `k` is a key whose unquoted values audit writes hex encoded, besides EXECVE's argv: proctitle, comm, exe,
    /// cwd, name, path, cmd, acct, key, data, dir, file, watch, ocomm, root_dir.
    static func isHexKey(_ b: UnsafeRawBufferPointer, _ k: Range<Int>) -> Bool {
        guard k.count >= 3, k.count <= 9 else { return false }
        switch b[k.lowerBound] {
        case UInt8(ascii: "a"): return AuditScanner.equals(b, k, "acct")
        case UInt8(ascii: "c"):
            return AuditScanner.equals(b, k, "comm") || AuditScanner.equals(b, k, "cwd") || AuditScanner.equals(b, k, "cmd")
        case UInt8(ascii: "d"): return AuditScanner.equals(b, k, "data") || AuditScanner.equals(b, k, "dir")
        case UInt8(ascii: "e"): return AuditScanner.equals(b, k, "exe")
        case UInt8(ascii: "f"): return AuditScanner.equals(b, k, "file")
        case UInt8(ascii: "k"): return AuditScanner.equals(b, k, "key")
        case UInt8(ascii: "n"): return AuditScanner.equals(b, k, "name")
        case UInt8(ascii: "o"): return AuditScanner.equals(b, k, "ocomm")
        case UInt8(ascii: "p"): return AuditScanner.equals(b, k, "proctitle") || AuditScanner.equals(b, k, "path")
        case UInt8(ascii: "r"): return AuditScanner.equals(b, k, "root_dir")
        case UInt8(ascii: "w"): return AuditScanner.equals(b, k, "watch")
        default: return false
        }
    }

    private(set) var text: [UInt8] = []
    private(set) var items: [Item] = []
    private var epoch = 0..<0
    private var serial = 0..<0
    private var records = 0
    /// The event has argv (an EXECVE record or an auoms `cmdline`): SYSCALL's registers are not also `a0`…`a3`.
    private var hasArgv = false
    /// `write`'s scratch: see `groupKeys`.
    private var next: [Int32] = []
    private var repeated: [Bool] = []
    private var table: [Int32] = []
    private var clock = EpochClock()

    init() {
        text.reserveCapacity(4096)
        items.reserveCapacity(128)
    }

    mutating func reset() {
        text.removeAll(keepingCapacity: true)
        items.removeAll(keepingCapacity: true)
        records = 0
        hasArgv = false
    }

    /// Adds the fields of one record (already checked by `AuditHeader.parseChecked`).
    mutating func add(record b: UnsafeRawBufferPointer, header h: AuditHeader) {
        if records == 0 {
            epoch = copy(b, h.epoch)
            serial = copy(b, h.serial)
            if let node = h.node { push(key: appendKey("node"), value: copy(b, node)) }
        }
        records += 1
        addTypes(b, h)
        let execve = AuditScanner.equals(b, h.type, "EXECVE")
        let registers = !execve && (h.auoms || AuditScanner.equals(b, h.type, "SYSCALL"))
        let scanner = AuditScanner(bytes: b, auoms: h.auoms)
        _ = scanner.forEachPair(in: h.body) { pair in
            add(pair, b, scanner: scanner, execve: execve, registers: registers)
        }
    }

    /// `type` items: the record type, or for auoms the auditd types the record stands for (and `auoms_type`);
    /// AUOMS_EXECVE's `EXECVE` is added with its `cmdline`, as auditd writes EXECVE only for an exec that succeeded.
    private mutating func addTypes(_ b: UnsafeRawBufferPointer, _ h: AuditHeader) {
        guard h.auoms else {
            push(key: appendKey("type"), value: copy(b, h.type), kind: .element)
            return
        }
        let own = h.type.lowerBound + 6..<h.type.upperBound
        if AuditScanner.equals(b, own, "EXECVE") || AuditScanner.equals(b, own, "SYSCALL") {
            push(key: appendKey("type"), value: appendKey("SYSCALL"), kind: .element)
        } else {
            push(key: appendKey("type"), value: copy(b, own), kind: .element)
        }
        push(key: appendKey("auoms_type"), value: copy(b, h.type))
    }

    /// Adds one pair of a record: see `LinuxAuditDecoder` for the naming rules.
    private mutating func add(_ pair: AuditPair, _ b: UnsafeRawBufferPointer, scanner: AuditScanner, execve: Bool, registers: Bool) {
        let k = pair.key
        switch pair.form {
        case .bare:
            push(key: appendKey("text"), value: copy(b, pair.value), enriched: pair.enriched)
        case .nested where AuditScanner.equals(b, k, "msg"):
            _ = scanner.forEachPair(in: pair.value) { inner in add(inner, b, scanner: scanner, execve: execve, registers: registers) }
        case .list:
            let key = copy(b, k)
            _ = scanner.forEachElement(from: pair.value.lowerBound, end: pair.value.upperBound) { element in
                push(key: key, value: copy(b, element), kind: .element, enriched: pair.enriched)
            }
        default:
            if execve, let argument = Self.argvKey(b, k) {
                addArgument(b, pair, key: argument)
            } else if registers, Self.isRegister(b, k) {
                let key = appendKey("syscall_")
                text.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[k]))
                push(key: key.lowerBound..<text.count, value: copy(b, pair.value), enriched: pair.enriched)
            } else if scanner.auoms, AuditScanner.equals(b, k, "cmdline") {
                push(key: appendKey("type"), value: appendKey("EXECVE"), kind: .element)
                push(key: copy(b, k), value: copy(b, pair.value))
                addArgv(splitting: pair.value, b)
            } else {
                addValue(b, pair, auoms: scanner.auoms)
            }
        }
    }

    /// A plain field: `(null)` is null, hex-encoded values are decoded, auoms' `key=a,b` is an array.
    private mutating func addValue(_ b: UnsafeRawBufferPointer, _ pair: AuditPair, auoms: Bool) {
        let k = pair.key
        let raw = UnsafeRawBufferPointer(rebasing: b[pair.value])
        let key = copy(b, k)
        if pair.form == .plain && AuditScanner.equals(b, pair.value, "(null)") {
            push(key: key, value: text.count..<text.count, kind: .null, enriched: pair.enriched)
        } else if pair.form == .plain && Self.isHexKey(b, k) && Self.isHex(raw) {
            if AuditScanner.equals(b, k, "key") {
                var decoded = [UInt8]()
                Self.appendHexDecoded(raw, to: &decoded, nulAsSpace: false)
                decoded.withUnsafeBytes { addKeys($0, separator: 0x01, key: key) }
            } else {
                let start = text.count
                Self.appendHexDecoded(raw, to: &text)
                push(key: key, value: start..<text.count, enriched: pair.enriched)
            }
        } else if auoms && pair.form == .plain && AuditScanner.equals(b, k, "key") {
            addKeys(raw, separator: UInt8(ascii: ","), key: key)
        } else {
            push(key: key, value: copy(b, pair.value), enriched: pair.enriched)
            if pair.form == .plain && AuditScanner.equals(b, k, "syscall") && !raw.allSatisfy({ $0 &- 0x30 < 10 }) {
                push(key: appendKey("SYSCALL"), value: copy(b, pair.value))
            }
        }
    }

    /// A `key` of several audit rule keys (hex decoded and joined by 0x01; auoms: joined by commas): an array.
    private mutating func addKeys(_ raw: UnsafeRawBufferPointer, separator: UInt8, key: Range<Int>) {
        let parts = raw.split(separator: separator, omittingEmptySubsequences: false)
        for part in parts {
            let start = text.count
            text.append(contentsOf: part)
            push(key: key, value: start..<text.count, kind: parts.count > 1 ? .element : .text)
        }
    }

    /// An EXECVE argument `aN` or a piece `aN[k]` of a long one (joined to the previous pieces).
    private mutating func addArgument(_ b: UnsafeRawBufferPointer, _ pair: AuditPair, key argument: Range<Int>) {
        hasArgv = true
        let raw = UnsafeRawBufferPointer(rebasing: b[pair.value])
        let isPiece = argument.count < pair.key.count
        let continues =
            isPiece
            && items.last.map { last in
                last.value.upperBound == text.count && text[last.key].elementsEqual(UnsafeRawBufferPointer(rebasing: b[argument]))
            } == true
        let key = continues ? items[items.count - 1].key : copy(b, argument)
        let start = text.count
        if pair.form == .plain && Self.isHex(raw) {
            Self.appendHexDecoded(raw, to: &text)
        } else {
            text.append(contentsOf: raw)
        }
        if continues {
            items[items.count - 1].value = items[items.count - 1].value.lowerBound..<text.count
        } else {
            push(key: key, value: start..<text.count)
        }
    }

    /// auoms `cmdline` split into argv `a0`…`aN`: at spaces, `"` grouping (auoms quotes arguments it must).
    private mutating func addArgv(splitting range: Range<Int>, _ b: UnsafeRawBufferPointer) {
        hasArgv = true
        var index = 0
        var i = range.lowerBound
        while i < range.upperBound {
            while i < range.upperBound, b[i] == AuditScanner.space { i += 1 }
            guard i < range.upperBound else { break }
            let key = appendKey("a")
            Self.appendDecimal(index, to: &text)
            let keyRange = key.lowerBound..<text.count
            let start = text.count
            var quoted = false
            while i < range.upperBound, quoted || b[i] != AuditScanner.space {
                if b[i] == UInt8(ascii: "\"") { quoted.toggle() } else { text.append(b[i]) }
                i += 1
            }
            push(key: keyRange, value: start..<text.count)
            index += 1
        }
    }

    /// Writes the event: header fields, then every key once in order of first appearance (an array when repeated).
    mutating func write(into sink: inout DocumentSink) {
        groupKeys()
        var clock = EpochClock()
        swap(&clock, &self.clock)
        writeFields(into: &sink, clock: &clock)
        swap(&clock, &self.clock)
    }

    private func writeFields(into sink: inout DocumentSink, clock: inout EpochClock) {
        text.withUnsafeBytes { t in
            let epochText = UnsafeRawBufferPointer(rebasing: t[epoch])
            sink.string(HeaderField.channel, LinuxAuditDecoder.channel)
            if clock.set(epochText) {
                clock.text.withUnsafeBytes { sink.string(HeaderField.time, bytes: $0) }
            } else if let iso = LogTime.iso(epoch: String(decoding: epochText, as: UTF8.self)) {
                sink.string(HeaderField.time, iso)
            }
            sink.string("audit_time", bytes: epochText)
            sink.number("audit_serial", bytes: UnsafeRawBufferPointer(rebasing: t[serial]))
            for i in items.indices where !repeated[i] { writeKey(of: i, t, into: &sink) }
            guard !hasArgv else { return }
            for item in items where item.key.count == 10 && t[item.key.lowerBound..<item.key.lowerBound + 9].elementsEqual("syscall_a".utf8)
            {
                sink.string(
                    name: UnsafeRawBufferPointer(rebasing: t[item.key.lowerBound + 8..<item.key.upperBound]),
                    bytes: UnsafeRawBufferPointer(rebasing: t[item.value]))
            }
        }
    }

    /// Links the items of each key: `repeated[i]` when an earlier item has item i's key, `next[i]` the next item with
    /// it (or -1). One pass over an open-addressing table of each key's last item.
    private mutating func groupKeys() {
        let n = items.count
        var next: [Int32] = []
        var repeated: [Bool] = []
        var table: [Int32] = []
        swap(&next, &self.next)
        swap(&repeated, &self.repeated)
        swap(&table, &self.table)
        defer {
            swap(&next, &self.next)
            swap(&repeated, &self.repeated)
            swap(&table, &self.table)
        }
        link(n, next: &next, repeated: &repeated, table: &table)
    }

    private func link(_ n: Int, next: inout [Int32], repeated: inout [Bool], table: inout [Int32]) {
        next.removeAll(keepingCapacity: true)
        next.append(contentsOf: repeatElement(-1, count: n))
        repeated.removeAll(keepingCapacity: true)
        repeated.append(contentsOf: repeatElement(false, count: n))
        var size = 16
        while size < 2 * n { size <<= 1 }
        table.removeAll(keepingCapacity: true)
        table.append(contentsOf: repeatElement(-1, count: size))
        text.withUnsafeBytes { t in
            for i in 0..<n {
                var slot = Int(items[i].hash) & (size - 1)
                while true {
                    let last = Int(table[slot])
                    if last < 0 {
                        table[slot] = Int32(i)
                        break
                    }
                    if sameKey(items[last], items[i], t) {
                        next[last] = Int32(i)
                        repeated[i] = true
                        table[slot] = Int32(i)
                        break
                    }
                    slot = (slot + 1) & (size - 1)
                }
            }
        }
    }

    /// Writes item `i`'s key: a string or null when it occurs once, else an array of its values in order.
    private func writeKey(of i: Int, _ t: UnsafeRawBufferPointer, into sink: inout DocumentSink) {
        let item = items[i]
        let name = UnsafeRawBufferPointer(rebasing: t[item.key])
        let suffix: StaticString = shadowsRawField(i, t) ? "_name" : ""
        if item.kind != .element && next[i] < 0 {
            if item.kind == .null {
                sink.null(name: name, suffix: suffix)
            } else {
                sink.string(name: name, suffix: suffix, bytes: UnsafeRawBufferPointer(rebasing: t[item.value]))
            }
            return
        }
        sink.strings(name: name, suffix: suffix) { element in
            var k = i
            while k >= 0 {
                let other = items[k]
                if other.kind == .null {
                    ("(null)" as StaticString).withUTF8Buffer { element(UnsafeRawBufferPointer($0)) }
                } else {
                    element(UnsafeRawBufferPointer(rebasing: t[other.value]))
                }
                k = Int(next[k])
            }
        }
    }

    /// An ENRICHED field whose name equals a raw field's ignoring case (other than `SYSCALL`): written as `<NAME>_name`.
    private func shadowsRawField(_ i: Int, _ t: UnsafeRawBufferPointer) -> Bool {
        let item = items[i]
        guard item.enriched, !AuditScanner.equals(t, item.key, "SYSCALL") else { return false }
        let key = UnsafeRawBufferPointer(rebasing: t[item.key])
        return items.contains { other in
            !other.enriched && other.key.count == key.count
                && zip(t[other.key], key).allSatisfy { Self.folded($0) == Self.folded($1) }
        }
    }

    private func sameKey(_ a: Item, _ b: Item, _ t: UnsafeRawBufferPointer) -> Bool {
        a.hash == b.hash && a.key.count == b.key.count && t[a.key].elementsEqual(t[b.key])
    }

    // MARK: - Building the buffer

    private mutating func push(key: Range<Int>, value: Range<Int>, kind: Kind = .text, enriched: Bool = false) {
        var hash: UInt32 = 2_166_136_261
        for k in key { hash = (hash ^ UInt32(text[k])) &* 16_777_619 }
        items.append(Item(key: key, value: value, kind: kind, hash: hash, enriched: enriched))
    }

    private mutating func copy(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        let start = text.count
        text.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[range]))
        return start..<text.count
    }

    private mutating func appendKey(_ name: StaticString) -> Range<Int> {
        let start = text.count
        name.withUTF8Buffer { text.append(contentsOf: $0) }
        return start..<text.count
    }

    // MARK: - Byte tests

    /// `aN` or `aN[k]` (EXECVE argv): the `aN` part.
    static func argvKey(_ b: UnsafeRawBufferPointer, _ k: Range<Int>) -> Range<Int>? {
        guard k.count >= 2, b[k.lowerBound] == UInt8(ascii: "a") else { return nil }
        var i = k.lowerBound + 1
        while i < k.upperBound, b[i] &- 0x30 < 10 { i += 1 }
        guard i > k.lowerBound + 1 else { return nil }
        if i == k.upperBound { return k.lowerBound..<i }
        guard b[i] == UInt8(ascii: "["), b[k.upperBound - 1] == UInt8(ascii: "]") else { return nil }
        return k.lowerBound..<i
    }

    /// SYSCALL's register arguments `a0`…`a3`.
    static func isRegister(_ b: UnsafeRawBufferPointer, _ k: Range<Int>) -> Bool {
        k.count == 2 && b[k.lowerBound] == UInt8(ascii: "a") && b[k.lowerBound + 1] &- 0x30 < 4
    }

    /// Even-length uppercase hex, as audit encodes untrusted strings.
    static func isHex(_ raw: UnsafeRawBufferPointer) -> Bool {
        raw.count >= 2 && raw.count % 2 == 0 && raw.allSatisfy { $0 &- 0x30 < 10 || $0 &- 0x41 < 6 }
    }

    static func appendHexDecoded(_ raw: UnsafeRawBufferPointer, to out: inout [UInt8], nulAsSpace: Bool = true) {
        func nibble(_ c: UInt8) -> UInt8 { c &- 0x30 < 10 ? c - 0x30 : c - 0x41 + 10 }
        var i = 0
        while i + 1 < raw.count {
            let byte = nibble(raw[i]) << 4 | nibble(raw[i + 1])
            out.append(byte == 0 && nulAsSpace ? AuditScanner.space : byte)
            i += 2
        }
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, to: &out) }
        out.append(UInt8(value % 10) + 0x30)
    }

    static func folded(_ c: UInt8) -> UInt8 { c &- 0x41 < 26 ? c | 0x20 : c }
}
