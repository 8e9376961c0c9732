// A compiled, immutable set of Sigma rules: the entry point for matching. Build it once from loaded
// rules; share it between threads; give each thread its own `MatchContext`.
import VigilCore

public final class RuleSet: Sendable {
    public let rules: [SigmaRule]
    public let correlations: [SigmaCorrelation]
    /// Rules that loaded but cannot run (no logsource mapping, unsupported features), with reasons.
    public let diagnostics: [Diagnostic]
    /// Indices (into `rules`) of rules that run.
    public let activeRules: [Int]

    let units: FrozenBuffer<Unit>
    let nodes: FrozenBuffer<ProgramNode>
    let children: FrozenBuffer<Int32>
    let fieldTests: FrozenBuffer<FieldTest>
    let valueTests: FrozenBuffer<ValueTest>
    let pool: FrozenBuffer<UInt8>
    let globs: [Glob]
    let regexes: [RegexBox]
    let cidrs: [IPNetwork]
    let fields: ByteKeyTable
    let slotNames: [String]
    /// Flat events only: a field also fills this slot (e.g. `Hostname` → `Computer`); -1 when none.
    let aliasTarget: [Int32]
    let stripPrefixes: [[UInt8]]
    /// The logsource mapping the rules were compiled with (correlations read group-by fields through it).
    public let mapping: LogsourceMapping
    let channelSlot: Int32
    let eventIDSlot: Int32
    let channels: ByteKeyTable
    /// Candidate units per (channel, event id), per channel, for unknown channels, and for channel-less events.
    let byChannelAndID: [Int: CandidateList]
    let byChannel: [CandidateList]
    /// Per known channel: whether it is a non-Windows source.
    let channelIsNonWindows: [Bool]
    /// Folded prefixes of non-Windows channels, for channels no rule names.
    let nonWindowsPrefixes: [[UInt8]]
    /// Per rule (index into `rules`): where it runs, for reporting rules that saw no event of their logsource.
    let ruleScopes: [Int: [UnitScope]]
    /// The same, each distinct scope once: `scopeTable`, and per rule (in rule order) indices into it.
    let scopeTable: [UnitScope]
    let scopesByRule: [(rule: Int, scopes: [Int])]
    /// Rules whose logsource nothing maps.
    let unmappedRules: [Int]
    let windowsFallback: CandidateList
    /// Number of candidate lists (each has a `seenSlot`).
    let candidateListCount: Int
    let nonWindows: CandidateList
    /// Automata over keyword literals, run on every field value of an event whose candidates include keyword rules:
    /// one per set of keyword rules a candidate list holds, with only their literals (a Sysmon event meets the
    /// mimikatz keywords, not the Exchange or antivirus ones: a smaller automaton, fewer false hits).
    let keywordAutomata: [SlotAutomaton]
    /// Prefilter automata: one per field slot, with the (kind, unit) list of each pattern.
    let automata: [SlotAutomaton]
    let unitCount: Int

    /// Compiles `rules`. Filters are applied to the rules they name; correlations are kept for the caller.
    public init(
        rules input: [SigmaRule], filters: [SigmaFilter] = [], correlations: [SigmaCorrelation] = [],
        mapping: LogsourceMapping = .builtin
    ) {
        var builder = ProgramBuilder()
        var diagnostics: [Diagnostic] = []
        var units: [Unit] = []
        var unitAtoms: [[Atom]?] = []
        var scopes: [UnitScope: [Int32]] = [:]
        var ruleScopes: [Int: [UnitScope]] = [:]
        var unmappedRules: [Int] = []
        var active: [Int] = []
        _ = builder.slot(ProgramBuilder.anyFieldName)
        let channelSlot = builder.slot("Channel")
        let eventIDSlot = builder.slot("EventID")
        // Aliases resolve to the slot of their Sigma name; names already used by rules keep their own slot.
        // Rules share a few hundred logsources: each is resolved once (resolving walks every mapping entry).
        var resolutions: [SigmaLogsource: LogsourceMapping.Resolution] = [:]
        for (index, rule) in input.enumerated() {
            let applicable = filters.filter { f in
                f.rules.contains { $0 == rule.id || ($0 == rule.name && rule.name != nil) }
            }
            var sources: [EventSource?] = []
            var scopeList: [UnitScope] = []
            let resolution = resolutions[rule.logsource] ?? mapping.resolve(rule.logsource)
            resolutions[rule.logsource] = resolution
            switch resolution {
            case .unmapped:
                diagnostics.append(
                    Diagnostic(
                        rule.location, .warning, code: "logsource-unmapped",
                        "no event source is mapped for logsource \(rule.logsource); the rule cannot run"))
                unmappedRules.append(index)
                continue
            case .anyEvent:
                sources = [nil]
                scopeList = [rule.logsource.product == "windows" ? .windowsEvents : .anyEvent]
            case .nonWindowsEvents:
                sources = [nil]
                scopeList = [.otherEvents]
            case .sources(let list):
                let used = Self.fieldsUsed(rule.detection)
                for source in list {
                    let absent = used.filter { source.recordedName($0) == nil }.sorted()
                    if !absent.isEmpty {
                        diagnostics.append(
                            Diagnostic(
                                rule.location, .note, code: "fields-absent",
                                "\(source.label) does not record \(absent.joined(separator: ", ")); tests of "
                                    + (absent.count == 1 ? "it" : "them") + " see an absent field there"))
                    }
                    sources.append(source)
                    scopeList.append(
                        source.channel.map { .channel(String(decoding: Folding.fold(Array($0.utf8)), as: UTF8.self), source.eventIDs) }
                            ?? .windowsEvents)
                }
            }
            var compiledAny = false
            for (source, scope) in zip(sources, scopeList) {
                do {
                    let (root, atoms) = try builder.compile(rule, source: source, filters: applicable)
                    let unit = Int32(units.count)
                    units.append(Unit(rule: Int32(index), root: root, atomized: atoms != nil))
                    unitAtoms.append(atoms)
                    scopes[scope, default: []].append(unit)
                    compiledAny = true
                } catch {
                    diagnostics.append(
                        Diagnostic(
                            SourceLocation(file: rule.location.file, line: error.line, column: error.column), code: error.code,
                            error.message))
                    break
                }
            }
            if compiledAny {
                active.append(index)
                ruleScopes[index] = scopeList
            }
        }
        // Flat-JSON aliases: the aliased name keeps its own slot (a rule may use it) and also feeds its target.
        var aliasPairs: [(Int32, Int32)] = []
        for (alias, target) in mapping.fieldAliases.sorted(by: { $0.key < $1.key }) {
            let targetSlot = builder.slot(target)
            let aliasSlot = builder.slot(alias)
            if aliasSlot != targetSlot { aliasPairs.append((aliasSlot, targetSlot)) }
        }
        var aliasTarget = Array(repeating: Int32(-1), count: builder.slotNames.count)
        for (a, t) in aliasPairs { aliasTarget[Int(a)] = t }
        self.aliasTarget = aliasTarget

        // Candidate lists.
        var channelTable = ByteKeyTable(capacity: 64)
        var channelNames: [String] = []
        for scope in scopes.keys {
            if case .channel(let name, _) = scope, channelTable.lookup(name) == nil {
                channelTable.insert(Array(name.utf8), Int32(channelNames.count))
                channelNames.append(name)
            }
        }
        let anyEvent = scopes[.anyEvent] ?? []
        let windows = (scopes[.windowsEvents] ?? []) + anyEvent
        // Rules for Windows as a whole run on Windows channels only; a non-Windows source starts with the rules
        // that run on every event.
        let nonWindowsChannel = channelNames.map { mapping.isNonWindows(channel: $0) }
        var perChannel = nonWindowsChannel.map { $0 ? anyEvent : windows }
        var perKey: [Int: [Int32]] = [:]
        for (scope, list) in scopes {
            guard case .channel(let name, let ids) = scope, let c = channelTable.lookup(name) else { continue }
            if ids.isEmpty { perChannel[Int(c)] += list }
        }
        for (scope, list) in scopes {
            guard case .channel(let name, let ids) = scope, let c = channelTable.lookup(name) else { continue }
            for id in ids { perKey[Int(c) << 32 | id, default: perChannel[Int(c)]] += list }
        }
        // Prefilter automata per slot (built in place: no copies of the growing per-slot tables).
        var slotPatterns: [[[UInt8]]] = Array(repeating: [], count: builder.slotNames.count)
        var slotIndex: [[[UInt8]: Int]] = Array(repeating: [:], count: builder.slotNames.count)
        var slotTargets: [[[(TestKind, Int32)]]] = Array(repeating: [], count: builder.slotNames.count)
        for (unit, atoms) in unitAtoms.enumerated() {
            guard let atoms else { continue }
            for atom in Set(atoms) {
                let s = Int(atom.slot)
                let p: Int
                if let existing = slotIndex[s][atom.bytes] {
                    p = existing
                } else {
                    p = slotPatterns[s].count
                    slotPatterns[s].append(atom.bytes)
                    slotIndex[s][atom.bytes] = p
                    slotTargets[s].append([])
                }
                slotTargets[s][p].append((atom.kind, Int32(unit)))
            }
        }
        // Built on all cores, largest first (a few fields hold most literals), kept in slot order.
        let built = slotPatterns.indices.filter { !slotPatterns[$0].isEmpty && $0 != Int(ProgramBuilder.anyFieldSlot) }
            .sorted { (slotPatterns[$0].count, $1) > (slotPatterns[$1].count, $0) }
            .map { (slot: $0, patterns: slotPatterns[$0], targets: slotTargets[$0]) }
        let automata = Parallel.map(built, serialBelow: 4) {
            SlotAutomaton(slot: Int32($0.slot), patterns: $0.patterns, targets: $0.targets)
        }
        .sorted { $0.slot < $1.slot }
        self.automata = automata
        // Keyword automata, one per distinct set of keyword units (built as the candidate lists ask for them).
        let anySlot = Int(ProgramBuilder.anyFieldSlot)
        var keywordAutomata: [SlotAutomaton] = []
        var keywordAutomatonOf: [[Int32]: Int32] = [:]
        func keywordAutomaton(_ keywordUnits: [Int32]) -> Int32 {
            if keywordUnits.isEmpty { return -1 }
            if let known = keywordAutomatonOf[keywordUnits] { return known }
            let wanted = Set(keywordUnits)
            var patterns: [[UInt8]] = []
            var targets: [[(TestKind, Int32)]] = []
            for (p, pattern) in slotPatterns[anySlot].enumerated() {
                let mine = slotTargets[anySlot][p].filter { wanted.contains($0.1) }
                if mine.isEmpty { continue }
                patterns.append(pattern)
                targets.append(mine)
            }
            keywordAutomata.append(SlotAutomaton(slot: ProgramBuilder.anyFieldSlot, patterns: patterns, targets: targets))
            keywordAutomatonOf[keywordUnits] = Int32(keywordAutomata.count - 1)
            return Int32(keywordAutomata.count - 1)
        }

        let keywordUnits = Set(
            unitAtoms.enumerated().compactMap { u, atoms in
                atoms?.contains { $0.slot == ProgramBuilder.anyFieldSlot } == true ? Int32(u) : nil
            })
        var automataOfUnit = Array(repeating: [Int32](), count: units.count)
        for (index, automaton) in automata.enumerated() {
            for unit in Set(automaton.targetUnit) { automataOfUnit[Int(unit)].append(Int32(index)) }
        }
        func list(_ units: [Int32]) -> CandidateList {
            let sorted = Array(Set(units)).sorted()
            let scanned = Set(sorted.flatMap { automataOfUnit[Int($0)] }).sorted()
            return CandidateList(units: sorted, automata: scanned, keywordAutomaton: keywordAutomaton(sorted.filter(keywordUnits.contains)))
        }
        // Every list gets a slot in the contexts' record of where events went.
        var slots: Int32 = 0
        func slotted(_ units: [Int32]) -> CandidateList {
            var l = list(units)
            l.seenSlot = slots
            slots += 1
            return l
        }
        var byKey: [Int: CandidateList] = [:]
        for key in perKey.keys.sorted() { byKey[key] = slotted(perKey[key]!) }
        self.byChannelAndID = byKey
        self.byChannel = perChannel.map(slotted)
        self.channelIsNonWindows = nonWindowsChannel
        self.nonWindowsPrefixes = mapping.nonWindowsChannels.map { Folding.fold(Array($0.utf8)) }
        self.ruleScopes = ruleScopes
        var scopeIndex: [UnitScope: Int] = [:]
        var scopeTable: [UnitScope] = []
        self.scopesByRule = ruleScopes.keys.sorted().map { rule in
            (
                rule,
                ruleScopes[rule]!.map { scope in
                    if let i = scopeIndex[scope] { return i }
                    scopeIndex[scope] = scopeTable.count
                    scopeTable.append(scope)
                    return scopeTable.count - 1
                }
            )
        }
        self.scopeTable = scopeTable
        self.unmappedRules = unmappedRules
        self.windowsFallback = slotted(windows)
        self.nonWindows = slotted((scopes[.otherEvents] ?? []) + anyEvent)
        self.candidateListCount = Int(slots)
        self.keywordAutomata = keywordAutomata

        self.rules = input
        self.correlations = correlations
        self.diagnostics = diagnostics
        self.activeRules = active
        self.units = FrozenBuffer(units)
        self.unitCount = units.count
        self.nodes = FrozenBuffer(builder.nodes)
        self.children = FrozenBuffer(builder.children)
        self.fieldTests = FrozenBuffer(builder.fieldTests)
        self.valueTests = FrozenBuffer(builder.valueTests)
        self.pool = FrozenBuffer(builder.pool)
        self.globs = builder.globs
        self.regexes = builder.regexes
        self.cidrs = builder.cidrs
        self.fields = builder.fields
        self.slotNames = builder.slotNames
        self.stripPrefixes = mapping.stripPrefixes.map { Array($0.utf8) }
        self.mapping = mapping
        self.channelSlot = channelSlot
        self.eventIDSlot = eventIDSlot
        self.channels = channelTable
    }

    /// The literals of one field and, per literal, the (position kind, unit) pairs it stands for.
    /// The automaton holds only the first `prefixLength` bytes of each literal (keeping it small enough
    /// for the cache: hash lists would otherwise need hundreds of thousands of states); a hit is then
    /// verified against the whole literal.
    final class SlotAutomaton: Sendable {
        static let prefixLength = 10
        let slot: Int32
        let matcher: MultiPattern
        let prefixLengths: [Int32]
        /// Literals sharing each automaton prefix: `prefixLiterals[prefixStart[p]..<prefixStart[p+1]]`.
        let prefixStart: [Int32]
        let prefixLiterals: [Int32]
        let literalBytes: [UInt8]
        let literalStart: [Int32]
        let targetStart: [Int32]
        let targetKind: [TestKind]
        let targetUnit: [Int32]
        /// No literal has a non-ASCII byte: values need no Unicode lower-casing before the scan.
        let patternsAreASCII: Bool

        init(slot: Int32, patterns: [[UInt8]], targets: [[(TestKind, Int32)]]) {
            self.slot = slot
            self.patternsAreASCII = patterns.allSatisfy { $0.allSatisfy { $0 < 0x80 } }
            var prefixes: [[UInt8]] = []
            var prefixIndex: [[UInt8]: Int] = [:]
            var members: [[Int32]] = []
            var literalBytes: [UInt8] = []
            var literalStart: [Int32] = [0]
            for (i, pattern) in patterns.enumerated() {
                let prefix = Array(pattern.prefix(Self.prefixLength))
                let p: Int
                if let existing = prefixIndex[prefix] {
                    p = existing
                } else {
                    p = prefixes.count
                    prefixes.append(prefix)
                    prefixIndex[prefix] = p
                    members.append([])
                }
                members[p].append(Int32(i))
                literalBytes += pattern
                literalStart.append(Int32(literalBytes.count))
            }
            matcher = MultiPattern(prefixes, asciiCaseInsensitive: true)
            prefixLengths = prefixes.map { Int32($0.count) }
            var prefixStart: [Int32] = [0]
            var prefixLiterals: [Int32] = []
            for list in members {
                prefixLiterals += list
                prefixStart.append(Int32(prefixLiterals.count))
            }
            var targetStart: [Int32] = [0]
            var targetKind: [TestKind] = []
            var targetUnit: [Int32] = []
            for list in targets {
                for (kind, unit) in list {
                    targetKind.append(kind)
                    targetUnit.append(unit)
                }
                targetStart.append(Int32(targetUnit.count))
            }
            self.literalBytes = literalBytes
            self.literalStart = literalStart
            self.prefixStart = prefixStart
            self.prefixLiterals = prefixLiterals
            self.targetStart = targetStart
            self.targetKind = targetKind
            self.targetUnit = targetUnit
        }
    }

    struct CandidateList: Sendable {
        var units: [Int32]
        /// Automata (indices into `automata`) holding literals of these units: the only fields worth scanning.
        var automata: [Int32]
        /// The keyword automaton (index into `keywordAutomata`) to run on every field value, when some unit has
        /// keyword atoms; -1 when none has.
        var keywordAutomaton: Int32
        /// Where a match context records that an event was routed here.
        var seenSlot: Int32 = 0
    }

    deinit {
        units.free()
        nodes.free()
        children.free()
        fieldTests.free()
        valueTests.free()
        pool.free()
    }

    /// Field names a detection reads (for checking them against what a source provides).
    public static func fieldsUsed(_ detection: SigmaDetection) -> Set<String> {
        var names: Set<String> = []
        func walk(_ node: DetectionNode) {
            switch node {
            case .allOf(let xs), .anyOf(let xs): xs.forEach(walk)
            case .item(let item):
                if let f = item.field { names.insert(f) }
                for case .fieldref(let other, _, _) in item.values { names.insert(other) }
            }
        }
        detection.identifiers.forEach { walk($0.node) }
        return names
    }

    /// Number of compiled (rule, source) units and prefilter patterns, for reports.
    public var statistics: (units: Int, patterns: Int, automatonStates: Int, regexes: Int) {
        (units.count, automata.reduce(0) { $0 + $1.matcher.patternCount }, automata.reduce(0) { $0 + $1.matcher.stateCount }, regexes.count)
    }

    /// Per field: literal count, automaton states and byte classes (largest first), for tuning.
    public var automatonSizes: [(field: String, patterns: Int, states: Int, classes: Int)] {
        automata.map { (slotNames[Int($0.slot)], $0.matcher.patternCount, $0.matcher.stateCount, $0.matcher.classCount) }.sorted {
            $0.states > $1.states
        }
    }

    /// Slot of a field name as it appears in an event, after aliases and prefix stripping.
    @inline(__always)
    func slot(forEventField name: UnsafeRawBufferPointer) -> Int32? {
        if let s = fields.lookup(name) { return s }
        for prefix in stripPrefixes where name.count > prefix.count {
            var same = true
            for k in 0..<prefix.count where ByteKeyTable.fold(name[k]) != prefix[k] {
                same = false
                break
            }
            if same { return fields.lookup(UnsafeRawBufferPointer(rebasing: name[prefix.count...])) }
        }
        return nil
    }
}
