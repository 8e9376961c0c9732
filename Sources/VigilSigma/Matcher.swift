// Matching one event against a RuleSet: index the event's fields into slots, pick candidate rules by
// channel and event ID, scan field values once for all rule literals, then evaluate only the rules
// whose literals occurred. Per-thread state lives in MatchContext and is reused: no per-event allocation
// on the common path.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import VigilCore

/// Per-thread scratch space for matching. Not shareable; make one per thread.
public final class MatchContext {
    let ruleSet: RuleSet
    var stamp: UInt32 = 0
    var slotStamp: [UInt32]
    var slotNode: [Int32]
    var foldStamp: [UInt32]
    var foldStart: [Int32]
    var foldLength: [Int32]
    var origStamp: [UInt32]
    var origStart: [Int32]
    var origLength: [Int32]
    var unitHit: [UInt32]
    var arena = ByteArena()
    var view: JSONView?
    var event: Event?
    /// Counters for reports.
    public internal(set) var eventsSeen = 0
    public internal(set) var rulesEvaluated = 0

    public init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        let n = ruleSet.slotNames.count
        slotStamp = Array(repeating: 0, count: n)
        slotNode = Array(repeating: 0, count: n)
        foldStamp = Array(repeating: 0, count: n)
        foldStart = Array(repeating: 0, count: n)
        foldLength = Array(repeating: 0, count: n)
        origStamp = Array(repeating: 0, count: n)
        origStart = Array(repeating: 0, count: n)
        origLength = Array(repeating: 0, count: n)
        unitHit = Array(repeating: 0, count: ruleSet.unitCount)
    }

    deinit { arena.free() }

    @inline(__always) func present(_ slot: Int32) -> Bool { slotStamp[Int(slot)] == stamp }

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

    func begin(_ event: Event) {
        stamp &+= 1
        if stamp == 0 {
            // Wrapped: clear so that stale stamps cannot alias.
            for i in slotStamp.indices { slotStamp[i] = 0; foldStamp[i] = 0; origStamp[i] = 0 }
            for i in unitHit.indices { unitHit[i] = 0 }
            stamp = 1
        }
        arena.count = 0
        eventsSeen += 1
        self.view = event.view
        self.event = event
        let rs = ruleSet
        let flat = event.shape == .flat
        event.forEachField { name, value in
            if let slot = rs.slot(forEventField: name) {
                slotStamp[Int(slot)] = stamp
                slotNode[Int(slot)] = Int32(value)
                if flat {
                    let target = rs.aliasTarget[Int(slot)]
                    if target >= 0 && slotStamp[Int(target)] != stamp {
                        slotStamp[Int(target)] = stamp
                        slotNode[Int(target)] = Int32(value)
                    }
                }
            }
        }
    }
}

extension RuleSet {
    /// Matches one event; calls `onMatch(ruleIndex)` for every rule that fires (at most once per rule).
    public func match(_ event: Event, context ctx: MatchContext, _ onMatch: (Int) -> Void) {
        ctx.begin(event)
        // Candidates by channel and event ID.
        let candidates: [Int32]
        if ctx.present(channelSlot) {
            let channel = ctx.folded(channelSlot)
            if let c = channels.lookup(channel) {
                var id = -1
                if ctx.present(eventIDSlot) {
                    let digits = ctx.folded(eventIDSlot)
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
            } else {
                candidates = windowsFallback
            }
        } else {
            candidates = nonWindows
        }
        if candidates.isEmpty { return }
        // Prefilter: one pass per field over all literals.
        let stamp = ctx.stamp
        for automaton in automata where ctx.present(automaton.slot) {
            let node = Int(ctx.slotNode[Int(automaton.slot)])
            if ctx.view!.kind(node) == .array {
                ctx.view!.forEachElement(node) { e in
                    let (a, n) = ctx.text(of: ctx.event!.scalar(e), fold: true)
                    scan(automaton.matcher, automaton.targets, ctx.arena.bytes(a, n), ctx, stamp)
                }
            } else {
                scan(automaton.matcher, automaton.targets, ctx.folded(automaton.slot), ctx, stamp)
            }
        }
        var lastRule: Int32 = -1
        for u in candidates {
            let unit = units[Int(u)]
            if unit.atomized && ctx.unitHit[Int(u)] != stamp { continue }
            if unit.rule == lastRule { continue }
            ctx.rulesEvaluated += 1
            if evaluate(unit.root, ctx) {
                lastRule = unit.rule
                onMatch(Int(unit.rule))
            }
        }
    }

    @inline(__always)
    private func scan(_ matcher: MultiPattern, _ targets: [[(TestKind, Int32)]], _ text: UnsafeRawBufferPointer, _ ctx: MatchContext, _ stamp: UInt32) {
        let n = text.count
        matcher.scan(text) { pattern, end in
            let start = end - Int(matcher.patternLengths[Int(pattern)])
            for (kind, unit) in targets[Int(pattern)] {
                let ok: Bool
                switch kind {
                case .exact: ok = start == 0 && end == n
                case .prefix: ok = start == 0
                case .suffix: ok = end == n
                default: ok = true
                }
                if ok { ctx.unitHit[Int(unit)] = stamp }
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
                        self.value(self.valueTests[i], folded: ctx.arena.bytes(fa, fn), original: ctx.arena.bytes(oa, on), isNull: false, ctx)
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

    func value(_ t: ValueTest, folded: UnsafeRawBufferPointer, original: UnsafeRawBufferPointer, isNull: Bool, _ ctx: MatchContext) -> Bool {
        switch t.kind {
        case .exists: return true
        case .notExists: return false
        case .null: return isNull
        case .exact, .prefix, .suffix, .contains, .glob: return literal(t, t.cased ? original : folded)
        case .regex: return regexes[Int(t.a)].matches(original)
        case .compare:
            guard let number = Self.number(original, part: t.part) else { return false }
            return t.op.holds(number, t.number)
        case .cidr:
            guard let address = IPAddress.parse(String(decoding: original, as: UTF8.self)) else { return false }
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
            case 2: return here.count >= other.count && Self.equal(UnsafeRawBufferPointer(rebasing: here[(here.count - other.count)...]), other)
            default: return Self.find(other, in: here)
            }
        }
    }

    @inline(__always)
    func literal(_ t: ValueTest, _ text: UnsafeRawBufferPointer) -> Bool {
        if t.kind == .glob { return globs[Int(t.a)].matches(text) }
        let n = Int(t.b)
        return pool.withUnsafeBytes { poolBytes in
            let lit = UnsafeRawBufferPointer(rebasing: poolBytes[Int(t.a)..<(Int(t.a) + n)])
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
        guard let event = ctx.event else { return false }
        var found = false
        let mark = ctx.arena.count
        event.forEachField { _, v in
            if found { return }
            let kind = ctx.view!.kind(v)
            guard kind == .string || kind == .number else { return }
            let (fa, fn) = ctx.text(of: v, fold: true)
            let (oa, on) = ctx.text(of: v, fold: false)
            let folded = ctx.arena.bytes(fa, fn)
            let original = ctx.arena.bytes(oa, on)
            var k = t
            if k.kind == .exact { k.kind = .contains }  // a plain keyword is searched within values
            found = value(k, folded: folded, original: original, isNull: false, ctx)
        }
        ctx.arena.count = max(mark, ctx.arena.count)
        return found
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
enum Timestamp {
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
    static func epoch(_ s: String) -> Double? {
        guard let f = fields(s) else { return nil }
        return Double(daysFromCivil(f.year, f.month, f.day)) * 86400 + Double(f.hour * 3600 + f.minute * 60) + f.second
    }

    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
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
            let days = daysFromCivil(f.year, f.month, f.day)
            let weekday = ((days % 7) + 10) % 7 + 1  // Monday = 1 … Sunday = 7 (1970-01-01 was a Thursday)
            let ordinal = days - daysFromCivil(f.year, 1, 1) + 1
            var week = (ordinal - weekday + 10) / 7
            if week < 1 {
                week = 52
            } else if week == 53 {
                let jan1Next = daysFromCivil(f.year + 1, 1, 1)
                let wdNext = ((jan1Next % 7) + 10) % 7 + 1
                if wdNext <= 4 { week = 1 }
            }
            return week
        }
    }
}
