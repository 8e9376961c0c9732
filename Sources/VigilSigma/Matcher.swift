import VigilCore

// Matching one event against a RuleSet: index the event's fields into slots, pick candidate rules by
// channel and event ID, scan field values once for all rule literals, then evaluate only the rules
// whose literals occurred. Per-thread state lives in MatchContext and is reused: no per-event allocation
// on the common path.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Per-thread scratch space for matching. Not shareable; make one per thread.
public final class MatchContext {
    let ruleSet: RuleSet
    var stamp: UInt32 = 0
    // Per-slot state as raw buffers: no copy-on-write or exclusivity checks on the hot path.
    let slotStamp: UnsafeMutablePointer<UInt32>
    let slotNode: UnsafeMutablePointer<Int32>
    let foldStamp: UnsafeMutablePointer<UInt32>
    let foldStart: UnsafeMutablePointer<Int32>
    let foldLength: UnsafeMutablePointer<Int32>
    let origStamp: UnsafeMutablePointer<UInt32>
    let origStart: UnsafeMutablePointer<Int32>
    let origLength: UnsafeMutablePointer<Int32>
    let unitHitPointer: UnsafeMutablePointer<UInt32>
    let slotCount: Int
    var arena = ByteArena()
    var view: JSONView?
    var event: Event?
    /// Nodes of the channel and event ID that pick the event's candidate rules (-1 when absent): the first the
    /// event gives, which a data field of the same name never replaces.
    var logsourceChannelNode: Int32 = -1
    var logsourceEventIDNode: Int32 = -1
    /// Which candidate lists (`CandidateList.seenSlot`) events were routed to: what the events' sources were, for
    /// naming rules that met no event of their logsource.
    let seenLists: UnsafeMutablePointer<Bool>
    /// Counters for reports.
    public internal(set) var eventsSeen = 0
    public internal(set) var rulesEvaluated = 0

    public init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        let n = max(1, ruleSet.slotNames.count)
        slotCount = n
        func zeros<T: FixedWidthInteger>(_ count: Int) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: count)
            p.initialize(repeating: 0, count: count)
            return p
        }
        slotStamp = zeros(n)
        slotNode = zeros(n)
        foldStamp = zeros(n)
        foldStart = zeros(n)
        foldLength = zeros(n)
        origStamp = zeros(n)
        origStart = zeros(n)
        origLength = zeros(n)
        unitHitPointer = zeros(max(1, ruleSet.unitCount))
        seenLists = UnsafeMutablePointer<Bool>.allocate(capacity: ruleSet.candidateListCount)
        seenLists.initialize(repeating: false, count: ruleSet.candidateListCount)
        posix = Array(repeating: nil, count: ruleSet.regexes.count)
        posixTried = Array(repeating: false, count: ruleSet.regexes.count)
    }

    deinit {
        arena.free()
        for p in [slotStamp, foldStamp, origStamp, unitHitPointer] { p.deallocate() }
        seenLists.deallocate()
        for p in [slotNode, foldStart, foldLength, origStart, origLength] { p.deallocate() }
    }

    @inline(__always) func present(_ slot: Int32) -> Bool { slotStamp[Int(slot)] == stamp }

    /// Whether an event was routed to candidate list `slot`.
    func saw(_ slot: Int32) -> Bool { seenLists[Int(slot)] }

    /// Forgets which sources events came from, to serve another pass (its compiled regexes and buffers are kept).
    func forgetSeen() { seenLists.update(repeating: false, count: ruleSet.candidateListCount) }

    /// Text of a scalar node into the arena.
    @inline(__always) func text(of node: Int, fold: Bool) -> (Int32, Int32) {
        let view = self.view!
        switch view.kind(node) {
        case .string, .number, .bool:
            let start = arena.append(view.raw(node), escaped: view.tape[node].flag && view.kind(node) == .string, fold: fold)
            return (start, Int32(arena.count) - start)
        default:
            return (Int32(arena.count), 0)
        }
    }

    @inline(__always) func folded(_ slot: Int32) -> UnsafeRawBufferPointer {
        let s = Int(slot)
        if foldStamp[s] != stamp {
            let (a, n) = text(of: Int(slotNode[s]), fold: true)
            foldStart[s] = a
            foldLength[s] = n
            foldStamp[s] = stamp
        }
        return arena.bytes(foldStart[s], foldLength[s])
    }

    @inline(__always) func original(_ slot: Int32) -> UnsafeRawBufferPointer {
        let s = Int(slot)
        if origStamp[s] != stamp {
            let (a, n) = text(of: Int(slotNode[s]), fold: false)
            origStart[s] = a
            origLength[s] = n
            origStamp[s] = stamp
        }
        return arena.bytes(origStart[s], origLength[s])
    }

    /// This thread's compiled POSIX forms of the rule regexes (compiled on first use).
    var posix: [CompiledPosixRegex?]
    var posixTried: [Bool]

    func regex(_ index: Int, _ text: UnsafeRawBufferPointer) -> Bool {
        let box = ruleSet.regexes[index]
        if !box.literalsOccur(text) { return false }
        if !posixTried[index] {
            posixTried[index] = true
            posix[index] = box.compilePosix()
        }
        if let compiled = posix[index], box.posixAgrees(text) { return compiled.matches(text) }
        return box.matchesSwift(text)
    }

    var allFieldsStamp: UInt32 = 0
    var allFieldsCache: [(Int32, Int32, Int32, Int32)] = []

    /// Every string or number value of the event, folded and original (computed once per event).
    func allFields() -> [(Int32, Int32, Int32, Int32)] {
        if allFieldsStamp == stamp { return allFieldsCache }
        allFieldsStamp = stamp
        allFieldsCache.removeAll(keepingCapacity: true)
        guard let event else { return [] }
        let view = event.view
        event.forEachField { _, v in
            let kind = view.kind(v)
            guard kind == .string || kind == .number else { return }
            let (fa, fn) = text(of: v, fold: true)
            let (oa, on) = text(of: v, fold: false)
            allFieldsCache.append((fa, fn, oa, on))
        }
        return allFieldsCache
    }

    func begin(_ event: Event) {
        stamp &+= 1
        if stamp == 0 {
            // Wrapped: clear so that stale stamps cannot alias.
            slotStamp.update(repeating: 0, count: slotCount)
            foldStamp.update(repeating: 0, count: slotCount)
            origStamp.update(repeating: 0, count: slotCount)
            unitHitPointer.update(repeating: 0, count: max(1, ruleSet.unitCount))
            allFieldsStamp = 0
            stamp = 1
        }
        arena.count = 0
        eventsSeen += 1
        self.view = event.view
        self.event = event
        let rs = ruleSet
        let flat = event.shape == .flat
        // The logsource reads the first Channel and EventID the event gives: System's for EVTX (emitted before
        // EventData/UserData), the header keys or `vigil_channel` (an alias) ahead of a flat export's data.
        // Later fields of the same name (event 104's cleared `Channel`) only replace the slot rule tests read.
        logsourceChannelNode = -1
        logsourceEventIDNode = -1
        @inline(__always) func fill(_ slot: Int32, _ value: Int) {
            slotStamp[Int(slot)] = stamp
            slotNode[Int(slot)] = Int32(value)
            if slot == rs.channelSlot && logsourceChannelNode < 0 { logsourceChannelNode = Int32(value) }
            if slot == rs.eventIDSlot && logsourceEventIDNode < 0 { logsourceEventIDNode = Int32(value) }
        }
        event.forEachField { name, value in
            if let slot = rs.slot(forEventField: name) {
                fill(slot, value)
                if flat {
                    let target = rs.aliasTarget[Int(slot)]
                    if target >= 0 && slotStamp[Int(target)] != stamp { fill(target, value) }
                }
            }
        }
    }

    /// The folded text of a node (for logsource checks).
    @inline(__always) func foldedNode(_ node: Int32) -> UnsafeRawBufferPointer {
        let (a, n) = text(of: Int(node), fold: true)
        return arena.bytes(a, n)
    }
}

extension RuleSet {
    /// Whether a folded channel no rule names is a non-Windows source.
    func isNonWindows(_ channel: UnsafeRawBufferPointer) -> Bool {
        nonWindowsPrefixes.contains { prefix in
            prefix.count <= channel.count && prefix.indices.allSatisfy { channel[$0] == prefix[$0] }
        }
    }

    /// Matches one event; calls `onMatch(ruleIndex)` for every rule that fires (at most once per rule).
    public func match(_ event: Event, context ctx: MatchContext, _ onMatch: (Int) -> Void) {
        ctx.begin(event)
        // Candidates by channel and event ID.
        let candidates: CandidateList
        if ctx.logsourceChannelNode >= 0 {
            let channel = ctx.foldedNode(ctx.logsourceChannelNode)
            if let c = channels.lookup(channel) {
                var id = -1
                if ctx.logsourceEventIDNode >= 0 {
                    let digits = ctx.foldedNode(ctx.logsourceEventIDNode)
                    if !digits.isEmpty && digits.count < 10 {
                        id = 0
                        for d in digits {
                            guard d &- 0x30 < 10 else {
                                id = -1
                                break
                            }
                            id = id * 10 + Int(d &- 0x30)
                        }
                    }
                }
                candidates = id >= 0 ? (byChannelAndID[Int(c) << 32 | id] ?? byChannel[Int(c)]) : byChannel[Int(c)]
            } else if isNonWindows(channel) {
                candidates = nonWindows
            } else {
                candidates = windowsFallback
            }
        } else {
            candidates = nonWindows
        }
        ctx.seenLists[Int(candidates.seenSlot)] = true
        if candidates.units.isEmpty { return }
        // Prefilter: one pass per field over all literals.
        let stamp = ctx.stamp
        let view = ctx.view!
        for index in candidates.automata {
            let automaton = automata[Int(index)]
            guard ctx.present(automaton.slot) else { continue }
            let node = Int(ctx.slotNode[Int(automaton.slot)])
            if view.kind(node) == .array {
                view.forEachElement(node) { e in scanValue(automaton, ctx.event!.scalar(e), ctx, stamp) }
            } else {
                scanValue(automaton, node, ctx, stamp)
            }
        }
        if candidates.keywordAutomaton >= 0 {
            let keywords = keywordAutomata[Int(candidates.keywordAutomaton)]
            ctx.event!.forEachField { _, v in scanValue(keywords, v, ctx, stamp) }
        }
        var lastRule: Int32 = -1
        for u in candidates.units {
            let unit = units[Int(u)]
            if unit.atomized && ctx.unitHitPointer[Int(u)] != stamp { continue }
            if unit.rule == lastRule { continue }
            ctx.rulesEvaluated += 1
            if evaluate(unit.root, ctx) {
                lastRule = unit.rule
                onMatch(Int(unit.rule))
            }
        }
    }

    /// Scans one value: in place when it needs no unescaping (the automaton ignores ASCII case), else folded.
    @inline(__always)
    private func scanValue(_ a: SlotAutomaton, _ node: Int, _ ctx: MatchContext, _ stamp: UInt32) {
        let view = ctx.view!
        switch view.kind(node) {
        case .string where !view.tape[node].flag, .number, .bool:
            scan(a, view.raw(node), ctx, stamp)
        case .string:
            // Unescaped but not folded: the automaton ignores ASCII case, and Unicode lower-casing (costly) changes
            // what an ASCII literal finds only through the two characters it lowers to ASCII letters.
            let mark = ctx.arena.count
            var start = ctx.arena.append(view.raw(node), escaped: true, fold: false)
            var text = ctx.arena.bytes(start, Int32(ctx.arena.count) - start)
            if !CompiledPosixRegex.isASCII(text) && (!a.patternsAreASCII || Self.lowersToASCII(text)) {
                ctx.arena.count = mark
                start = ctx.arena.append(view.raw(node), escaped: true, fold: true)
                text = ctx.arena.bytes(start, Int32(ctx.arena.count) - start)
            }
            scan(a, text, ctx, stamp)
            ctx.arena.count = mark
        default:
            break
        }
    }

    /// Whether `text` holds U+0130 (İ, lowered to `i` and a combining dot) or U+212A (the Kelvin sign, lowered to `k`):
    /// the only characters whose lower case has ASCII letters.
    static func lowersToASCII(_ text: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = text.count
        while i + 1 < n {
            let b = text[i]
            if b == 0xC4 && text[i + 1] == 0xB0 { return true }
            if b == 0xE2 && i + 2 < n && text[i + 1] == 0x84 && text[i + 2] == 0xAA { return true }
            i += 1
        }
        return false
    }

    @inline(__always)
    private func scan(_ a: SlotAutomaton, _ text: UnsafeRawBufferPointer, _ ctx: MatchContext, _ stamp: UInt32) {
        let n = text.count
        let hits = ctx.unitHitPointer
        a.prefixLengths.withUnsafeBufferPointer { prefixLengths in
            a.prefixStart.withUnsafeBufferPointer { prefixStart in
                a.prefixLiterals.withUnsafeBufferPointer { prefixLiterals in
                    a.literalBytes.withUnsafeBytes { literalBytes in
                        a.literalStart.withUnsafeBufferPointer { literalStart in
                            a.targetStart.withUnsafeBufferPointer { starts in
                                a.targetKind.withUnsafeBufferPointer { kinds in
                                    a.targetUnit.withUnsafeBufferPointer { units in
                                        a.matcher.scan(text) { prefix, prefixEnd in
                                            let p = Int(prefix)
                                            let start = prefixEnd - Int(prefixLengths[p])
                                            for m in Int(prefixStart[p])..<Int(prefixStart[p + 1]) {
                                                let l = Int(prefixLiterals[m])
                                                let ls = Int(literalStart[l])
                                                let length = Int(literalStart[l + 1]) - ls
                                                let end = start + length
                                                if end > n { continue }
                                                let checked = Int(prefixLengths[p])
                                                if length > checked {
                                                    // The rest of the literal, ignoring ASCII case (the text may be unfolded).
                                                    var same = true
                                                    var k = checked
                                                    while k < length {
                                                        if ByteKeyTable.fold(text[start + k]) != literalBytes[ls + k] {
                                                            same = false
                                                            break
                                                        }
                                                        k += 1
                                                    }
                                                    if !same { continue }
                                                }
                                                for t in Int(starts[l])..<Int(starts[l + 1]) {
                                                    let ok: Bool
                                                    switch kinds[t] {
                                                    case .exact: ok = start == 0 && end == n
                                                    case .prefix: ok = start == 0
                                                    case .suffix: ok = end == n
                                                    default: ok = true
                                                    }
                                                    if ok { hits[Int(units[t])] = stamp }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func evaluate(_ index: Int32, _ ctx: MatchContext) -> Bool {
        let node = nodes[Int(index)]
        switch node.kind {
        case .and:
            for k in node.a..<(node.a + node.b) where !evaluate(children[Int(k)], ctx) { return false }
            return true
        case .or:
            for k in node.a..<(node.a + node.b) where evaluate(children[Int(k)], ctx) { return true }
            return false
        case .not:
            return !evaluate(node.a, ctx)
        case .test:
            return evaluateField(fieldTests[Int(node.a)], ctx)
        case .yes: return true
        case .no: return false
        }
    }

    func evaluateField(_ test: FieldTest, _ ctx: MatchContext) -> Bool {
        let range = Int(test.first)..<Int(test.first + test.count)
        var result: Bool
        if test.slot < 0 {
            result = test.all ? range.allSatisfy { keyword(valueTests[$0], ctx) } : range.contains { keyword(valueTests[$0], ctx) }
        } else if !ctx.present(test.slot) {
            result = test.all ? range.allSatisfy { absent(valueTests[$0]) } : range.contains { absent(valueTests[$0]) }
        } else {
            let node = Int(ctx.slotNode[Int(test.slot)])
            if ctx.view!.kind(node) == .array {
                // A list-valued field matches when any element does.
                result = false
                ctx.view!.forEachElement(node) { e in
                    if result { return }
                    let element = ctx.event!.scalar(e)
                    let (fa, fn) = ctx.text(of: element, fold: true)
                    let (oa, on) = ctx.text(of: element, fold: false)
                    let check = { (i: Int) in
                        self.value(
                            self.valueTests[i], folded: ctx.arena.bytes(fa, fn), original: ctx.arena.bytes(oa, on), isNull: false, ctx)
                    }
                    result = test.all ? range.allSatisfy(check) : range.contains(where: check)
                }
            } else {
                let isNull = ctx.view!.kind(node) == .null
                let check = { (i: Int) in self.value(self.valueTests[i], slot: test.slot, isNull: isNull, ctx) }
                result = test.all ? range.allSatisfy(check) : range.contains(where: check)
            }
        }
        return test.negated ? !result : result
    }

    @inline(__always) func absent(_ t: ValueTest) -> Bool { t.kind == .null || t.kind == .notExists }

    @inline(__always)
    func value(_ t: ValueTest, slot: Int32, isNull: Bool, _ ctx: MatchContext) -> Bool {
        switch t.kind {
        case .exists: return true
        case .notExists: return false
        case .null: return isNull
        case .exact, .prefix, .suffix, .contains, .glob:
            return literal(t, t.cased ? ctx.original(slot) : ctx.folded(slot))
        default:
            return value(t, folded: ctx.folded(slot), original: ctx.original(slot), isNull: isNull, ctx)
        }
    }

    func value(_ t: ValueTest, folded: UnsafeRawBufferPointer, original: UnsafeRawBufferPointer, isNull: Bool, _ ctx: MatchContext) -> Bool
    {
        switch t.kind {
        case .exists: return true
        case .notExists: return false
        case .null: return isNull
        case .exact, .prefix, .suffix, .contains, .glob: return literal(t, t.cased ? original : folded)
        case .regex: return ctx.regex(Int(t.a), original)
        case .compare:
            guard let number = Self.number(original, part: t.part) else { return false }
            return t.op.holds(number, t.number)
        case .cidr:
            guard let address = IPAddress.parse(original) else { return false }
            return cidrs[Int(t.a)].contains(address)
        case .fieldref:
            guard ctx.present(t.a) else { return false }
            let other = t.cased ? ctx.original(t.a) : ctx.folded(t.a)
            let mine = t.cased ? original : folded
            // Re-fetch: fetching `other` may have grown the arena and moved `mine`.
            let here = t.cased ? original : folded
            _ = mine
            switch t.b {
            case 0: return Self.equal(here, other)
            case 1: return here.count >= other.count && Self.equal(UnsafeRawBufferPointer(rebasing: here[..<other.count]), other)
            case 2:
                return here.count >= other.count && Self.equal(UnsafeRawBufferPointer(rebasing: here[(here.count - other.count)...]), other)
            default: return Self.find(other, in: here)
            }
        }
    }

    @inline(__always)
    func literal(_ t: ValueTest, _ text: UnsafeRawBufferPointer) -> Bool {
        if t.kind == .glob { return globs[Int(t.a)].matches(text) }
        let n = Int(t.b)
        do {
            let lit = UnsafeRawBufferPointer(start: pool.base + Int(t.a), count: n)
            switch t.kind {
            case .exact: return text.count == n && Self.equal(text, lit)
            case .prefix: return text.count >= n && Self.equal(UnsafeRawBufferPointer(rebasing: text[..<n]), lit)
            case .suffix: return text.count >= n && Self.equal(UnsafeRawBufferPointer(rebasing: text[(text.count - n)...]), lit)
            default: return Self.find(lit, in: text)
            }
        }
    }

    /// Keywords: the value occurs in any field of the event (as a substring unless it has wildcards).
    func keyword(_ t: ValueTest, _ ctx: MatchContext) -> Bool {
        var k = t
        if k.kind == .exact { k.kind = .contains }  // a plain keyword is searched within values
        for f in ctx.allFields() {
            if value(k, folded: ctx.arena.bytes(f.0, f.1), original: ctx.arena.bytes(f.2, f.3), isNull: false, ctx) { return true }
        }
        return false
    }

    @inline(__always) static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    @inline(__always) static func find(_ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer) -> Bool {
        if needle.isEmpty { return true }
        if haystack.count < needle.count { return false }
        let first = Int32(needle[0])
        var p = haystack.baseAddress!
        let end = haystack.baseAddress! + (haystack.count - needle.count + 1)
        while p < end {
            guard let hit = memchr(p, first, end - p) else { return false }
            let h = UnsafeRawPointer(hit)
            if memcmp(h, needle.baseAddress!, needle.count) == 0 { return true }
            p = h + 1
        }
        return false
    }

    /// A number from field text (decimal or 0x-hex), or a part of a timestamp in it.
    static func number(_ text: UnsafeRawBufferPointer, part: TimePart?) -> Double? {
        let s = String(decoding: text, as: UTF8.self)
        if let part { return Timestamp.part(s, part).map(Double.init) }
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16).map(Double.init) }
        return Double(s)
    }
}

/// Parts of ISO-8601-ish timestamps (`2020-10-23T02:36:43.128Z`, `2025-10-24 23:41:00.589`).
public enum Timestamp {
    /// Seconds since 1970 → `YYYY-MM-DDTHH:MM:SSZ`.
    public static func iso(_ epoch: Double) -> String {
        let total = Int(epoch.rounded(.down))
        let days = total >= 0 ? total / 86400 : (total - 86399) / 86400
        let secs = total - days * 86400
        let (y, m, d) = CivilDate.date(days: days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))Z"
    }

    static func fields(_ s: String) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Double)? {
        let u = Array(s.utf8)
        func num(_ a: Int, _ b: Int) -> Int? {
            guard b <= u.count else { return nil }
            var v = 0
            for i in a..<b {
                guard u[i] &- 0x30 < 10 else { return nil }
                v = v * 10 + Int(u[i] - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10) else { return nil }
        let h = num(11, 13) ?? 0
        let mi = num(14, 16) ?? 0
        var sec = Double(num(17, 19) ?? 0)
        if u.count > 20 && u[19] == UInt8(ascii: ".") {
            var frac = 0.0
            var scale = 0.1
            var i = 20
            while i < u.count, u[i] &- 0x30 < 10 {
                frac += Double(u[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            sec += frac
        }
        return (y, mo, d, h, mi, sec)
    }

    /// Seconds since 1970 (UTC assumed).
    public static func epoch(_ s: String) -> Double? {
        guard let f = fields(s) else { return nil }
        return Double(CivilDate.days(year: f.year, month: f.month, day: f.day)) * 86400 + Double(f.hour * 3600 + f.minute * 60) + f.second
    }

    static func part(_ s: String, _ part: TimePart) -> Int? {
        guard let f = fields(s) else { return nil }
        switch part {
        case .minute: return f.minute
        case .hour: return f.hour
        case .day: return f.day
        case .month: return f.month
        case .year: return f.year
        case .week:
            // ISO 8601 week number.
            let days = CivilDate.days(year: f.year, month: f.month, day: f.day)
            let weekday = ((days % 7) + 10) % 7 + 1  // Monday = 1 … Sunday = 7 (1970-01-01 was a Thursday)
            let ordinal = days - CivilDate.days(year: f.year, month: 1, day: 1) + 1
            var week = (ordinal - weekday + 10) / 7
            if week < 1 {
                week = 52
            } else if week == 53 {
                let jan1Next = CivilDate.days(year: f.year + 1, month: 1, day: 1)
                let wdNext = ((jan1Next % 7) + 10) % 7 + 1
                if wdNext <= 4 { week = 1 }
            }
            return week
        }
    }
}
