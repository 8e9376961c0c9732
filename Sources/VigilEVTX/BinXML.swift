// Binary XML: the token stream of records and template definitions, values, template instances
// with their substitutions, and the tree they expand to (templates applied, arrays repeated) that
// the JSON and XML renderers walk. Semantics follow the Rust `evtx` crate, the reference.

/// A decoding failure inside one chunk: what went wrong and where (offset within the chunk).
struct DecodeError: Error {
    var reason: String
    var offset: Int
    init(_ reason: String, _ offset: Int) {
        self.reason = reason
        self.offset = offset
    }
}

enum NodeKind: UInt8 {
    case element, attribute, text, ansiText, value, entityRef, charRef, cdata, piTarget, piData, placeholder
}

/// One node of a BinXML tree, 24 bytes, stored in flat arrays. Children and attribute values are
/// ranges of an edge array so that one subtree can appear under several parents (array expansion,
/// a substitution used twice). A record tree refers to the parts of its template that hold no
/// substitution instead of copying them: a negative edge `~i` means template node `i`, and a
/// template node's own edges are template indices.
struct Node {
    var kind: NodeKind
    /// Value type (value, placeholder nodes).
    var type: UInt8 = 0
    /// Bit 0 (`Node.bit`): element: has an element child; placeholder: optional; ansiText: is empty.
    /// `Node.dynamic`: template element or attribute with a substitution (or expandable array) inside.
    /// `Node.inTemplate`: the node lives in the template tree.
    var flag: UInt8 = 0

    static let bit: UInt8 = 0x01
    /// `Node.external`: the node's offset is into the decoder's template byte store, not the chunk.
    static let external: UInt8 = 0x20
    static let dynamic: UInt8 = 0x40
    static let inTemplate: UInt8 = 0x80
    /// element, attribute, entityRef, piTarget: name id; placeholder: substitution index; charRef: code unit;
    /// text, ansiText, value taken from a substitution: its index in `substitutions` (else -1).
    var name: Int32 = -1
    /// element: first attribute edge; attribute: first value edge; text/value/cdata/piData: chunk offset.
    var offset: Int32 = 0
    /// element: attribute count; attribute: value count; text/cdata/piData: UTF-16 units; value: byte length.
    var count: Int32 = 0
    /// element: first child edge; value arrays: item count.
    var childStart: Int32 = 0
    /// element: child count.
    var childCount: Int32 = 0
}

/// A decoded substitution value of a template instance (or a value token).
struct Substitution {
    var type: UInt8
    var empty: Bool = false
    var offset: Int32 = 0
    var length: Int32 = 0
    /// UTF-16 units for strings, item count for arrays.
    var count: Int32 = 0
    /// Root element of a BinXML-typed substitution, once parsed.
    var element: Int32 = -1
}

/// Names (elements, attributes, entities). Each distinct name is decoded once per file: chunks
/// repeat the same few dozen names, so names are interned by their UTF-16 text across chunks, and
/// each chunk only maps its string offsets to ids (a direct-mapped table, no hashing).
struct NameTable: ~Copyable {
    static let isData: UInt8 = 1, isName: UInt8 = 2, isContainer: UInt8 = 4, isBinary: UInt8 = 8
    /// Interned names: UTF-8 text `bytes[starts[id]..<starts[id + 1]]`, the UTF-16 text it came
    /// from (to confirm hash matches), and flags for the names the renderer treats specially.
    var bytes: [UInt8] = []
    var starts: [Int32] = [0]
    var utf16: [UInt8] = []
    var utf16Starts: [Int32] = [0]
    var flags: [UInt8] = []
    var byHash: [UInt64: Int32] = [:]
    /// Chunk offset → id for the current chunk: an open-addressing table whose slots count as
    /// empty unless stamped with the current chunk's generation (so a new chunk clears nothing).
    private var slotGeneration: UnsafeMutablePointer<UInt32>
    private var slotOffset: UnsafeMutablePointer<UInt32>
    private var slotID: UnsafeMutablePointer<Int32>
    private var slotCount = 1024
    private var used = 0
    var current: UInt32 = 1

    init() {
        slotGeneration = .allocate(capacity: slotCount)
        slotGeneration.initialize(repeating: 0, count: slotCount)
        slotOffset = .allocate(capacity: slotCount)
        slotID = .allocate(capacity: slotCount)
    }

    deinit {
        slotGeneration.deallocate()
        slotOffset.deallocate()
        slotID.deallocate()
    }

    /// Starts a chunk: its offsets map to ids afresh; interned names stay.
    mutating func startChunk() {
        current &+= 1
        used = 0
        if current == 0 {
            slotGeneration.update(repeating: 0, count: slotCount)
            current = 1
        }
    }

    /// Forgets every name (when crafted input made the table large).
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        starts = [0]
        utf16.removeAll(keepingCapacity: true)
        utf16Starts = [0]
        flags.removeAll(keepingCapacity: true)
        byHash.removeAll(keepingCapacity: true)
        startChunk()
    }

    @inline(__always) private func slot(_ offset: UInt32) -> Int {
        Int(truncatingIfNeeded: (offset &* 2_654_435_761) >> 7) & (slotCount - 1)
    }

    @inline(__always) func id(at offset: UInt32) -> Int32? {
        var i = slot(offset)
        while slotGeneration[i] == current {
            if slotOffset[i] == offset { return slotID[i] }
            i = (i + 1) & (slotCount - 1)
        }
        return nil
    }

    mutating func remember(_ id: Int32, at offset: UInt32) {
        if (used + 1) * 2 > slotCount { grow() }
        var i = slot(offset)
        while slotGeneration[i] == current {
            if slotOffset[i] == offset {
                slotID[i] = id
                return
            }
            i = (i + 1) & (slotCount - 1)
        }
        slotGeneration[i] = current
        slotOffset[i] = offset
        slotID[i] = id
        used += 1
    }

    private mutating func grow() {
        let (oldGeneration, oldOffset, oldID, oldCount) = (slotGeneration, slotOffset, slotID, slotCount)
        slotCount *= 2
        slotGeneration = .allocate(capacity: slotCount)
        slotGeneration.initialize(repeating: 0, count: slotCount)
        slotOffset = .allocate(capacity: slotCount)
        slotID = .allocate(capacity: slotCount)
        let generation = current
        used = 0
        for i in 0..<oldCount where oldGeneration[i] == generation {
            var j = slot(oldOffset[i])
            while slotGeneration[j] == generation { j = (j + 1) & (slotCount - 1) }
            slotGeneration[j] = generation
            slotOffset[j] = oldOffset[i]
            slotID[j] = oldID[i]
            used += 1
        }
        oldGeneration.deallocate()
        oldOffset.deallocate()
        oldID.deallocate()
    }

    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in raw { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The id of an already interned name with this UTF-16 text, if any.
    func find(_ raw: UnsafeRawBufferPointer, hash: UInt64) -> Int32? {
        var key = hash
        while let id = byHash[key] {
            let start = Int(utf16Starts[Int(id)]), end = Int(utf16Starts[Int(id) + 1])
            if end - start == raw.count && utf16[start..<end].elementsEqual(raw) { return id }
            key &+= 1
        }
        return nil
    }

    mutating func add(utf8: [UInt8], utf16 raw: UnsafeRawBufferPointer, hash: UInt64) -> Int32 {
        let id = Int32(flags.count)
        var key = hash
        while byHash[key] != nil { key &+= 1 }
        byHash[key] = id
        bytes.append(contentsOf: utf8)
        starts.append(Int32(bytes.count))
        utf16.append(contentsOf: raw)
        utf16Starts.append(Int32(utf16.count))
        var f: UInt8 = 0
        if utf8.elementsEqual("Data".utf8) { f |= NameTable.isData }
        if utf8.elementsEqual("Name".utf8) { f |= NameTable.isName }
        if utf8.elementsEqual("EventData".utf8) || utf8.elementsEqual("UserData".utf8) { f |= NameTable.isContainer }
        if utf8.elementsEqual("Binary".utf8) { f |= NameTable.isBinary }
        flags.append(f)
        return id
    }

    /// The id of a name given as text (names the decoder makes up, like an empty record's `Event`).
    mutating func intern(_ text: String) -> Int32 {
        let utf16Bytes = text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        return utf16Bytes.withUnsafeBytes { raw in
            let h = NameTable.hash(raw)
            return find(raw, hash: h) ?? add(utf8: Array(text.utf8), utf16: raw, hash: h)
        }
    }
}

/// Template definitions parsed in earlier chunks of the file, by content.
struct TemplateStore {
    struct Entry {
        var root: Int32
        var base: Int
        var count: Int
        /// Names the definition refers to outside its own bytes (chunk offset, name id): another chunk may
        /// use the definition only if its string table holds the same names at those offsets.
        var externalNames: [(offset: UInt32, id: Int32)] = []
    }
    var entries: [UInt64: Entry] = [:]

    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ bytes.le64(i)) &* 0x0000_0100_0000_01B3
            h ^= h >> 29
            i += 8
        }
        while i < bytes.count {
            h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
            i += 1
        }
        return h
    }

    func find(_ identity: UnsafeRawBufferPointer, hash: UInt64, bytes: borrowing Pool<UInt8>) -> Entry? {
        guard let entry = entries[hash], entry.count == identity.count else { return nil }
        let stored = UnsafeRawBufferPointer(start: bytes.base + entry.base, count: entry.count)
        var i = 0
        while i + 8 <= identity.count {
            if stored.le64(i) != identity.le64(i) { return nil }
            i += 8
        }
        while i < identity.count {
            if stored[i] != identity[i] { return nil }
            i += 1
        }
        return entry
    }

    mutating func add(hash: UInt64, root: Int32, base: Int, count: Int, externalNames: [(offset: UInt32, id: Int32)]) {
        entries[hash] = Entry(root: root, base: base, count: count, externalNames: externalNames)
    }
}

/// Limits that keep crafted input from recursing deeply or claiming huge counts.
enum BinXMLLimits {
    static let maxNesting = 64
    static let maxElementDepth = 512
    static let maxNodesPerRecord = 1 << 20
}

/// An element whose start tag is open on the builder's stack.
struct OpenElement {
    var node: Int32
    var childMark: Int
}

extension ChunkDecoder {
    // MARK: bounds-checked reads within the chunk

    @inline(__always) mutating func need(_ offset: Int, _ count: Int, _ what: StaticString) throws(DecodeError) {
        if offset < 0 || count < 0 || count > data.count - offset {
            throw DecodeError("\(what) runs past the end of the chunk", offset)
        }
    }
    @inline(__always) mutating func u8(_ o: Int) throws(DecodeError) -> UInt8 {
        try need(o, 1, "value")
        return data[o]
    }
    @inline(__always) mutating func u16(_ o: Int) throws(DecodeError) -> UInt16 {
        try need(o, 2, "value")
        return data.le16(o)
    }
    @inline(__always) mutating func u32(_ o: Int) throws(DecodeError) -> UInt32 {
        try need(o, 4, "value")
        return data.le32(o)
    }

    /// UTF-16 units before the first NUL among `units` units at `offset` (bounds already checked).
    @inline(__always) mutating func unitsBeforeNul(_ offset: Int, _ units: Int) -> Int {
        var i = 0
        // Four units at a time while none of them is zero.
        while units - i >= 4 {
            let v = data.le64(offset + 2 * i)
            if (v &- 0x0001_0001_0001_0001) & ~v & 0x8000_8000_8000_8000 != 0 { break }
            i += 4
        }
        while i < units {
            if data.le16(offset + 2 * i) == 0 { return i }
            i += 1
        }
        return units
    }

    // MARK: nodes

    @inline(__always) mutating func addNode(_ node: Node, template: Bool) -> Int32 {
        var node = node
        if template {
            node.flag |= Node.inTemplate
            tplNodes.append(node)
            return Int32(tplNodes.count - 1)
        }
        node.flag &= ~Node.inTemplate
        recNodes.append(node)
        return Int32(recNodes.count - 1)
    }

    /// The node an edge of the record tree points at (negative: a template node).
    @inline(__always) mutating func recordEdgeNode(_ edge: Int32) -> Node {
        edge >= 0 ? recNodes[Int(edge)] : tplNodes[Int(~edge)]
    }

    /// The node at `edges[index]` of `parent`'s tree.
    @inline(__always) mutating func edgeNode(_ parent: Node, _ index: Int) -> Node {
        if parent.flag & Node.inTemplate != 0 { return tplNodes[Int(tplEdges[index])] }
        return recordEdgeNode(recEdges[index])
    }

    /// Whether a template node makes its parent dynamic (must be copied per record).
    @inline(__always) static func makesDynamic(_ n: Node) -> Bool {
        switch n.kind {
        case .placeholder: return true
        case .element, .attribute: return n.flag & Node.dynamic != 0
        case .value: return ValueType.isExpandableArray(n.type) && n.childStart > 1
        default: return false
        }
    }

    /// Moves `pending[mark...]` to the edge array; returns the first edge index.
    @inline(__always) mutating func commitPending(from mark: Int, template: Bool) -> Int32 {
        let start = template ? tplEdges.count : recEdges.count
        let count = pending.count - mark
        if count > 0 {
            let source = UnsafePointer(pending.base + mark)
            if template { tplEdges.append(source, count: count) } else { recEdges.append(source, count: count) }
            pending.shrink(to: mark)
        }
        return Int32(start)
    }

    // MARK: names

    /// A name reference: a chunk offset of a string-table entry, stored inline right here the
    /// first time it is used (then skipped).
    mutating func readNameRef(_ pos: inout Int) throws(DecodeError) -> Int32 {
        let offset = try u32(pos)
        pos += 4
        let outside = nameScope.map { !$0.contains(Int(offset)) } ?? false
        if pos == Int(offset) {
            try need(pos, 8, "inline name")
            let length = data.le16(pos + 6)
            // The reference computes the skip in 16-bit arithmetic; keep its result on odd input.
            let skip = 6 + Int(length &* 2) + 4
            try need(pos, skip, "inline name")
            pos += skip
        }
        let id = try nameID(at: offset)
        if outside { externalNames.append((offset, id)) }
        return id
    }

    /// The id of the name whose entry (next offset, hash, length, UTF-16, NUL) is at `offset`.
    mutating func nameID(at offset: UInt32) throws(DecodeError) -> Int32 {
        if let id = names.id(at: offset) { return id }
        let start = Int(offset) + 6
        let length = Int(try u16(start))
        try need(start + 2, length * 2 + 2, "name")
        let units = unitsBeforeNul(start + 2, length)
        let raw = data.slice(start + 2, units * 2)
        let hash = NameTable.hash(raw)
        if let id = names.find(raw, hash: hash) {
            names.remember(id, at: offset)
            return id
        }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(units)
        var iterator = (0..<units).lazy.map { raw.le16(2 * $0) }.makeIterator()
        var decoder = UTF16()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): UTF8.encode(s) { utf8.append($0) }
            case .error: throw DecodeError("name is not valid UTF-16", Int(offset))
            case .emptyInput: break loop
            }
        }
        let id = names.add(utf8: utf8, utf16: raw, hash: hash)
        names.remember(id, at: offset)
        return id
    }

    // MARK: values

    /// Reads one value of `type` at `pos`. `size` is the descriptor size for substitutions and
    /// `nil` for value tokens in the stream (then strings and BinXML carry a length prefix).
    mutating func readValue(_ type: UInt8, _ pos: inout Int, size: Int?) throws(DecodeError) -> Substitution {
        var v = Substitution(type: type, offset: Int32(pos))
        let fixed = ValueType.fixedSize(type)
        if fixed > 0 {
            try need(pos, fixed, "value")
            if type == ValueType.fileTime {
                guard CivilTime.isValid(filetime: data.le64(pos)) else { throw DecodeError("invalid FILETIME", pos) }
            } else if type == ValueType.sysTime {
                guard CivilTime(systemTime: data.slice(pos, 16)) != nil else { throw DecodeError("invalid SYSTEMTIME", pos) }
            }
            if type == ValueType.bool && !boolsAreBinary(pos, 1) { v.type = ValueType.int32 }
            v.length = Int32(fixed)
            pos += fixed
            return v
        }
        switch type {
        case ValueType.null:
            v.empty = true
        case ValueType.string:
            var units = 0
            if let size {
                if size % 2 != 0 { throw DecodeError("string value of odd size \(size)", pos) }
                units = size / 2
            } else {
                units = Int(try u16(pos))
                pos += 2
                v.offset = Int32(pos)
            }
            try need(pos, units * 2, "string value")
            v.count = Int32(unitsBeforeNul(pos, units))
            v.length = Int32(units * 2)
            v.empty = v.count == 0
            pos += units * 2
        case ValueType.ansiString:
            guard let size else { throw DecodeError("unsized ANSI string value", pos) }
            try need(pos, size, "ANSI string value")
            v.length = Int32(size)
            v.empty = !data.slice(pos, size).contains { $0 != 0 }
            pos += size
        case ValueType.binary:
            guard let size else { throw DecodeError("unsized binary value", pos) }
            try need(pos, size, "binary value")
            v.length = Int32(size)
            v.empty = size == 0
            pos += size
        case ValueType.binXml:
            var length = 0
            if let size {
                length = size
            } else {
                length = Int(try u16(pos))
                pos += 2
                v.offset = Int32(pos)
            }
            try need(pos, length, "BinXML value")
            v.length = Int32(length)
            v.empty = length == 0
            pos += length
        case ValueType.sizeT:
            guard let size, size == 4 || size == 8 else { throw DecodeError("size_t value of unsupported size", pos) }
            try need(pos, size, "size_t value")
            // size_t renders as the hex integer of its width.
            v.type = size == 4 ? ValueType.hexInt32 : ValueType.hexInt64
            v.length = Int32(size)
            pos += size
        case ValueType.sid:
            let length = try sidLength(pos)
            v.length = Int32(length)
            pos += length
        case ValueType.string | ValueType.array:
            guard let size else { throw DecodeError("unsized string array", pos) }
            if size == 0 {
                v.empty = true
                return v
            }
            let start = pos
            let end = pos + size
            var count = 0
            while pos < end {
                while true {
                    let unit = try u16(pos)
                    pos += 2
                    if unit == 0 { break }
                }
                count += 1
            }
            v.count = Int32(count)
            v.length = Int32(pos - start)
        case ValueType.sid | ValueType.array:
            guard let size else { throw DecodeError("unsized SID array", pos) }
            let start = pos
            var count = 0
            while pos - start < size {
                pos += try sidLength(pos)
                count += 1
            }
            v.count = Int32(count)
            v.empty = count == 0
            v.length = Int32(pos - start)
        default:
            let base = type & 0x7F
            let element = ValueType.fixedSize(base)
            guard type & ValueType.array != 0, element > 0, base != ValueType.sizeT else {
                throw DecodeError("unsupported value type 0x\(String(type, radix: 16))", pos)
            }
            guard let size else { throw DecodeError("unsized array value", pos) }
            if size % element != 0 { throw DecodeError("array value of misaligned size \(size)", pos) }
            try need(pos, size, "array value")
            let count = size / element
            if base == ValueType.fileTime || base == ValueType.sysTime {
                for i in 0..<count {
                    let at = pos + i * element
                    let valid =
                        base == ValueType.fileTime
                        ? CivilTime.isValid(filetime: data.le64(at)) : CivilTime(systemTime: data.slice(at, 16)) != nil
                    if !valid { throw DecodeError("invalid time in array", at) }
                }
            }
            if base == ValueType.bool && !boolsAreBinary(pos, count) { v.type = ValueType.int32 | ValueType.array }
            v.count = Int32(count)
            v.empty = count == 0
            v.length = Int32(size)
            pos += size
        }
        return v
    }

    /// Whether the `count` BoolType values at `pos` are all 0 or 1. Windows also writes 8, 16, 65536…
    /// as BoolType; the reference writes false/true only for 0 and 1, and otherwise the value (and
    /// every item of an array holding such a value) as the signed 32-bit integer it is.
    @inline(__always) func boolsAreBinary(_ pos: Int, _ count: Int) -> Bool {
        for i in 0..<count where data.le32(pos + 4 * i) > 1 { return false }
        return true
    }

    @inline(__always) mutating func sidLength(_ pos: Int) throws(DecodeError) -> Int {
        try need(pos, 8, "SID")
        let length = 8 + 4 * Int(data[pos + 1])
        try need(pos, length, "SID")
        return length
    }

    /// A tree node for a scalar or array value (strings become text nodes).
    @inline(__always) mutating func valueNode(_ v: Substitution) -> Node {
        switch v.type {
        case ValueType.string:
            return Node(kind: .text, offset: v.offset, count: v.count)
        case ValueType.ansiString:
            return Node(kind: .ansiText, flag: v.empty ? 1 : 0, offset: v.offset, count: v.length)
        default:
            return Node(kind: .value, type: v.type, offset: v.offset, count: v.length, childStart: v.count)
        }
    }

    // MARK: the token stream

    /// Parses the BinXML in `start..<end` into the record tree (or the template tree when
    /// `template`), returning the root element. `definition` is template-definition mode:
    /// substitutions become placeholders, element starts carry a dependency id.
    mutating func build(
        _ start: Int, _ end: Int, definition: Bool, template: Bool, dependencyID: Bool, depth: Int
    ) throws(DecodeError) -> Int32 {
        if depth > BinXMLLimits.maxNesting { throw DecodeError("BinXML nested too deeply", start) }
        var pos = start
        let openBase = open.count
        var root: Int32 = -1
        // The element whose start tag is being read (attributes), -1 outside a start tag.
        var current: Int32 = -1
        var attributeName: Int32 = -1
        var attributeMark = 0
        defer { open.shrink(to: openBase) }

        func attach(_ element: Int32, _ d: inout ChunkDecoder) throws(DecodeError) {
            if d.open.count > openBase {
                d.pending.append(element)
            } else if root < 0 {
                root = element
            } else if definition {
                throw DecodeError("template has several root elements", pos)
            }
            // A record with several top-level fragments keeps the first, like the reference.
        }
        func finishAttribute(_ d: inout ChunkDecoder) {
            guard attributeName >= 0 else { return }
            if !d.attributeValues.isEmpty {
                let first: Int32
                let values = UnsafePointer(d.attributeValues.base)
                if template {
                    first = Int32(d.tplEdges.count)
                    d.tplEdges.append(values, count: d.attributeValues.count)
                } else {
                    first = Int32(d.recEdges.count)
                    d.recEdges.append(values, count: d.attributeValues.count)
                }
                var node = Node(kind: .attribute, name: attributeName, offset: first, count: Int32(d.attributeValues.count))
                if template {
                    for i in 0..<d.attributeValues.count where ChunkDecoder.makesDynamic(d.tplNodes[Int(d.attributeValues[i])]) {
                        node.flag |= Node.dynamic
                    }
                }
                d.pending.append(d.addNode(node, template: template))
                d.attributeValues.removeAll()
            }
            attributeName = -1
        }
        func closeStartTag(_ d: inout ChunkDecoder) {
            finishAttribute(&d)
            let count = d.pending.count - attributeMark
            if template {
                for i in attributeMark..<d.pending.count where ChunkDecoder.makesDynamic(d.tplNodes[Int(d.pending[i])]) {
                    d.tplNodes[Int(current)].flag |= Node.dynamic
                }
            }
            let first = d.commitPending(from: attributeMark, template: template)
            if template {
                d.tplNodes[Int(current)].offset = first
                d.tplNodes[Int(current)].count = Int32(count)
            } else {
                d.recNodes[Int(current)].offset = first
                d.recNodes[Int(current)].count = Int32(count)
            }
        }
        func push(_ node: Node, _ d: inout ChunkDecoder) throws(DecodeError) {
            if current >= 0 {
                // Values before the first attribute name have nowhere to go and are dropped.
                if attributeName >= 0 { d.attributeValues.append(d.addNode(node, template: template)) }
            } else {
                guard d.open.count > openBase else { throw DecodeError("content outside of any element", pos) }
                d.pending.append(d.addNode(node, template: template))
            }
        }

        var eof = false
        while !eof && pos < end {
            let token = try u8(pos)
            pos += 1
            switch token {
            case 0x00:
                eof = true
            case 0x0C:
                if definition || template { throw DecodeError("template instance inside a template definition", pos - 1) }
                if current >= 0 { throw DecodeError("template instance inside a start tag", pos - 1) }
                let element = try instantiate(&pos, depth: depth)
                try attach(element, &self)
            case 0x01, 0x41:
                if current >= 0 { throw DecodeError("element start inside a start tag", pos - 1) }
                if dependencyID { pos += 2 }
                pos += 4  // data size
                let name = try readNameRef(&pos)
                if token == 0x41 {
                    try need(pos, 4, "attribute list size")
                    pos += 4
                }
                current = addNode(Node(kind: .element, name: name), template: template)
                attributeName = -1
                attributeMark = pending.count
                attributeValues.removeAll()
            case 0x02:
                if current < 0 { throw DecodeError("start tag closed outside of a start tag", pos - 1) }
                if open.count - openBase >= BinXMLLimits.maxElementDepth {
                    throw DecodeError("elements nested too deeply", pos - 1)
                }
                closeStartTag(&self)
                open.append(OpenElement(node: current, childMark: pending.count))
                current = -1
            case 0x03:
                if current < 0 { throw DecodeError("empty element closed outside of a start tag", pos - 1) }
                closeStartTag(&self)
                let element = current
                current = -1
                try attach(element, &self)
            case 0x04:
                if current >= 0 || open.count <= openBase { throw DecodeError("end tag without an open element", pos - 1) }
                let element = open.removeLast()
                let count = pending.count - element.childMark
                var hasElementChild = false
                var dynamic = false
                for i in element.childMark..<pending.count {
                    let edge = pending[i]
                    let child = template ? tplNodes[Int(edge)] : recNodes[Int(edge)]
                    if child.kind == .element { hasElementChild = true }
                    if template && ChunkDecoder.makesDynamic(child) { dynamic = true }
                }
                let first = commitPending(from: element.childMark, template: template)
                let index = Int(element.node)
                if template {
                    tplNodes[index].childStart = first
                    tplNodes[index].childCount = Int32(count)
                    tplNodes[index].flag |= (hasElementChild ? Node.bit : 0) | (dynamic ? Node.dynamic : 0)
                } else {
                    recNodes[index].childStart = first
                    recNodes[index].childCount = Int32(count)
                    recNodes[index].flag |= hasElementChild ? Node.bit : 0
                }
                try attach(element.node, &self)
            case 0x05, 0x45:
                let type = try u8(pos)
                pos += 1
                guard ValueType.isKnown(type) else { throw DecodeError("unknown value type 0x\(String(type, radix: 16))", pos - 1) }
                let value = try readValue(type, &pos, size: nil)
                if type == ValueType.binXml {
                    if current >= 0 { throw DecodeError("BinXML value inside an attribute", pos) }
                    if value.empty { break }
                    let element = try build(
                        Int(value.offset), Int(value.offset + value.length), definition: false, template: template,
                        dependencyID: false, depth: depth + 1)
                    try attach(element, &self)
                } else {
                    try push(valueNode(value), &self)
                }
            case 0x06, 0x46:
                let name = try readNameRef(&pos)
                if current < 0 { throw DecodeError("attribute outside of a start tag", pos) }
                finishAttribute(&self)
                attributeName = name
            case 0x07, 0x47, 0x0B:
                let units = Int(try u16(pos))
                try need(pos + 2, units * 2, "character data")
                let node = Node(
                    kind: token == 0x0B ? .piData : .cdata, offset: Int32(pos + 2), count: Int32(unitsBeforeNul(pos + 2, units)))
                pos += 2 + units * 2
                try push(node, &self)
            case 0x08, 0x48:
                let code = try u16(pos)
                pos += 2
                try push(Node(kind: .charRef, name: Int32(code)), &self)
            case 0x09, 0x49:
                let name = try readNameRef(&pos)
                try push(Node(kind: .entityRef, name: name), &self)
            case 0x0A:
                let name = try readNameRef(&pos)
                try push(Node(kind: .piTarget, name: name), &self)
            case 0x0D, 0x0E:
                if !definition { throw DecodeError("substitution outside of a template definition", pos - 1) }
                let index = try u16(pos)
                let type = try u8(pos + 2)
                pos += 3
                guard ValueType.isKnown(type) else { throw DecodeError("unknown substitution type", pos - 1) }
                try push(Node(kind: .placeholder, type: type, flag: token == 0x0E ? 1 : 0, name: Int32(index)), &self)
            case 0x0F:
                try need(pos, 3, "fragment header")
                pos += 3
            default:
                throw DecodeError("unknown BinXML token 0x\(String(token, radix: 16))", pos - 1)
            }
            if recNodes.count > BinXMLLimits.maxNodesPerRecord { throw DecodeError("record expands to too many nodes", pos) }
        }
        if current >= 0 { throw DecodeError("unfinished start tag", pos) }
        if open.count != openBase { throw DecodeError("unclosed element", pos) }
        if root >= 0 { return root }
        if definition { throw DecodeError("template without a root element", start) }
        // An empty fragment (only EOF): an empty `Event`, like the reference.
        let name = names.intern("Event")
        return addNode(Node(kind: .element, name: name), template: template)
    }

    @inline(__always) mutating func nodeKind(_ index: Int32, template: Bool) -> NodeKind {
        template ? tplNodes[Int(index)].kind : recNodes[Int(index)].kind
    }

    // MARK: templates

    /// Whether this chunk holds the same names at the offsets a kept definition refers to.
    mutating func sameNames(_ names: [(offset: UInt32, id: Int32)]) -> Bool {
        for name in names where (try? nameID(at: name.offset)) != name.id { return false }
        return true
    }

    /// The parsed definition at chunk offset `offset` (header: next offset, GUID, data size).
    ///
    /// Chunks repeat the same templates, so a parsed definition is kept for the whole file, keyed
    /// by its bytes (GUID, size, BinXML): its text and values are read from a copy of those bytes.
    mutating func templateRoot(at offset: Int, depth: Int) throws(DecodeError) -> Int32 {
        let key = UInt32(truncatingIfNeeded: offset)
        for entry in templates where entry.offset == key { return entry.root }
        try need(offset, 24, "template definition header")
        let size = Int(data.le32(offset + 20))
        let start = offset + 24
        try need(start, size, "template definition")
        // GUID, size and definition, as one key.
        let identity = data.slice(offset + 4, 20 + size)
        let hash = TemplateStore.hash(identity)
        if let entry = templateStore.find(identity, hash: hash, bytes: templateBytes), sameNames(entry.externalNames) {
            templates.append((key, entry.root))
            return entry.root
        }
        let firstNode = tplNodes.count
        // Names the definition refers to outside its own bytes belong to this chunk's string table: they are
        // kept with the definition and checked before another chunk reuses it.
        let (outerScope, outerNames) = (nameScope, externalNames)
        nameScope = start..<(start + size)
        externalNames = []
        defer { (nameScope, externalNames) = (outerScope, outerNames) }
        let root = try build(start, start + size, definition: true, template: true, dependencyID: true, depth: depth)
        // Only a definition whose content all lies inside its own bytes can outlive the chunk.
        var contained = true
        for i in firstNode..<tplNodes.count {
            guard let range = ChunkDecoder.dataRange(tplNodes[i]) else { continue }
            if range.offset < start || range.offset + range.count > start + size {
                contained = false
                break
            }
        }
        if contained {
            let base = templateBytes.count
            templateBytes.append(identity.baseAddress!.assumingMemoryBound(to: UInt8.self), count: identity.count)
            let shift = base + 20 - start
            for i in firstNode..<tplNodes.count where ChunkDecoder.dataRange(tplNodes[i]) != nil {
                tplNodes[i].offset += Int32(shift)
                tplNodes[i].flag |= Node.external
            }
            templateStore.add(hash: hash, root: root, base: base, count: identity.count, externalNames: externalNames)
        }
        templates.append((key, root))
        return root
    }

    /// The bytes a node's text or value occupies, if it has any.
    @inline(__always) static func dataRange(_ n: Node) -> (offset: Int, count: Int)? {
        switch n.kind {
        case .text, .cdata, .piData: return (Int(n.offset), Int(n.count) * 2)
        case .ansiText, .value: return (Int(n.offset), Int(n.count))
        default: return nil
        }
    }

    /// Reads a template instance (after its 0x0C token) and expands it into the record tree.
    mutating func instantiate(_ pos: inout Int, depth: Int) throws(DecodeError) -> Int32 {
        let base = substitutions.count
        defer { substitutions.shrink(to: base) }
        let (definition, count) = try readInstance(&pos)
        for i in base..<substitutions.count where substitutions[i].type == ValueType.binXml {
            let v = substitutions[i]
            substitutions[i].element = try build(
                Int(v.offset), Int(v.offset + v.length), definition: false, template: false, dependencyID: false,
                depth: depth + 1)
        }
        let root = try templateRoot(at: definition, depth: depth)
        return try clone(root, base: base, count: count).node
    }

    /// Reads a template instance's header and substitution values (after its 0x0C token),
    /// appending the values to `substitutions`. Returns the definition's chunk offset and the
    /// number of values.
    mutating func readInstance(_ pos: inout Int) throws(DecodeError) -> (definition: Int, count: Int) {
        try need(pos, 9, "template instance")
        let definition = Int(data.le32(pos + 5))
        pos += 9
        if pos == definition {
            // The definition follows inline the first time a template is used: skip it.
            try need(pos, 24, "template definition header")
            let skip = 24 + Int(data.le32(pos + 20))
            try need(pos, skip, "template definition")
            pos += skip
        }
        let count = Int(try u32(pos))
        pos += 4
        try need(pos, count * 4, "substitution descriptors")
        var descriptor = pos
        pos += count * 4
        for _ in 0..<count {
            let size = Int(data.le16(descriptor))
            let type = data[descriptor + 2]
            descriptor += 4
            guard ValueType.isKnown(type) else { throw DecodeError("unknown substitution type", descriptor - 2) }
            let before = pos
            var value = try readValue(type, &pos, size: size)
            // Values shorter than their descriptor: skip the rest (dirty logs). Longer: carry on
            // from where the value ended, as the reference does.
            if pos < before + size {
                try need(before, size, "substitution")
                pos = before + size
            }
            if type == ValueType.binXml && value.empty { value.type = ValueType.null }
            substitutions.append(value)
        }
        return (definition, count)
    }

    // MARK: template expansion

    /// Copies template element `t` into the record tree with its placeholders resolved.
    /// `expand` is true when an array value with more than one item landed in it.
    mutating func clone(_ t: Int32, base: Int, count: Int) throws(DecodeError) -> (node: Int32, expand: Bool) {
        let element = tplNodes[Int(t)]
        var expand = false
        let mark = pending.count
        for a in 0..<Int(element.count) {
            let attributeIndex = tplEdges[Int(element.offset) + a]
            let attribute = tplNodes[Int(attributeIndex)]
            if attribute.flag & Node.dynamic == 0 {
                pending.append(~attributeIndex)
                continue
            }
            let valueMark = cloneValues.count
            for v in 0..<Int(attribute.count) {
                let before = cloneValues.count
                let source = tplEdges[Int(attribute.offset) + v]
                try resolve(source, base: base, count: count, intoAttribute: true)
                if !expand {
                    for i in before..<cloneValues.count where needsExpansion(cloneValues[i]) { expand = true }
                }
            }
            let valueCount = cloneValues.count - valueMark
            if valueCount > 0 {
                let first = Int32(recEdges.count)
                recEdges.append(UnsafePointer(cloneValues.base + valueMark), count: valueCount)
                cloneValues.shrink(to: valueMark)
                let node = Node(kind: .attribute, name: attribute.name, offset: first, count: Int32(valueCount))
                pending.append(addNode(node, template: false))
            }
        }
        let attributeCount = pending.count - mark
        let attributeStart = commitPending(from: mark, template: false)
        var hasElementChild = false
        for c in 0..<Int(element.childCount) {
            let before = pending.count
            let source = tplEdges[Int(element.childStart) + c]
            let sourceNode = tplNodes[Int(source)]
            if !ChunkDecoder.makesDynamic(sourceNode) {
                // Literal content and substitution-free subtrees are shared with the template.
                pending.append(~source)
                if sourceNode.kind == .element { hasElementChild = true }
                continue
            }
            if sourceNode.kind == .element {
                let (child, childExpand) = try clone(source, base: base, count: count)
                if childExpand {
                    try expandArrays(child, depth: 0)
                } else {
                    pending.append(child)
                }
            } else {
                try resolve(source, base: base, count: count, intoAttribute: false)
            }
            for i in before..<pending.count {
                let node = recordEdgeNode(pending[i])
                if node.kind == .element { hasElementChild = true }
                if !expand && needsExpansion(pending[i]) { expand = true }
            }
        }
        let childCount = pending.count - mark
        let childStart = commitPending(from: mark, template: false)
        let node = Node(
            kind: .element, flag: hasElementChild ? 1 : 0, name: element.name, offset: attributeStart,
            count: Int32(attributeCount), childStart: childStart, childCount: Int32(childCount))
        if recNodes.count > BinXMLLimits.maxNodesPerRecord { throw DecodeError("record expands to too many nodes", 0) }
        return (addNode(node, template: false), expand)
    }

    /// Appends the record-tree nodes for one non-element template node to `list`.
    /// (Into the attribute-value scratch list or the pending children.)
    mutating func resolve(_ source: Int32, base: Int, count: Int, intoAttribute: Bool) throws(DecodeError) {
        let node = tplNodes[Int(source)]
        var resolved: Int32
        if node.kind != .placeholder {
            resolved = ~source
        } else {
            let index = Int(node.name)
            if index >= count { return }
            let value = substitutions[base + index]
            if node.flag & Node.bit != 0 && value.empty { return }
            if value.element >= 0 {
                resolved = value.element
            } else {
                // The value's place in `substitutions` marks the node's text for template programs.
                var n = valueNode(value)
                n.name = Int32(base + index)
                resolved = addNode(n, template: false)
            }
        }
        if intoAttribute { cloneValues.append(resolved) } else { pending.append(resolved) }
    }

    @inline(__always) mutating func needsExpansion(_ index: Int32) -> Bool {
        let node = recordEdgeNode(index)
        return node.kind == .value && ValueType.isExpandableArray(node.type) && node.childStart > 1
    }

    /// Repeats `element` once per item of its first array value with more than one item, each
    /// copy holding that item; recursively for further arrays. Empty string items vanish.
    mutating func expandArrays(_ element: Int32, depth: Int) throws(DecodeError) {
        let e = recNodes[Int(element)]
        // Find the first expandable array: children first, then attribute values.
        var childIndex = -1
        var attributeIndex = -1
        var valueIndex = -1
        for c in 0..<Int(e.childCount) where needsExpansion(recEdges[Int(e.childStart) + c]) {
            childIndex = c
            break
        }
        if childIndex < 0 {
            search: for a in 0..<Int(e.count) {
                // Attributes shared with the template hold no arrays (those are copied).
                let edge = recEdges[Int(e.offset) + a]
                if edge < 0 { continue }
                let attribute = recNodes[Int(edge)]
                for v in 0..<Int(attribute.count) where needsExpansion(recEdges[Int(attribute.offset) + v]) {
                    attributeIndex = a
                    valueIndex = v
                    break search
                }
            }
        }
        if childIndex < 0 && attributeIndex < 0 || depth > 64 {
            pending.append(element)
            return
        }
        let arrayNode =
            childIndex >= 0
            ? recEdges[Int(e.childStart) + childIndex]
            : recEdges[Int(recNodes[Int(recEdges[Int(e.offset) + attributeIndex])].offset) + valueIndex]
        let array = recordEdgeNode(arrayNode)
        let source = self.source(array)
        var itemOffset = Int(array.offset)
        for _ in 0..<Int(array.childStart) {
            // The item as a node of its own; -1 when it vanishes (an empty string).
            var item: Int32 = -1
            let base = array.type & 0x7F
            if base == ValueType.string {
                var end = itemOffset
                while source.le16(end) != 0 { end += 2 }
                let units = (end - itemOffset) / 2
                if units > 0 {
                    let text = Node(kind: .text, flag: array.flag & Node.external, offset: Int32(itemOffset), count: Int32(units))
                    item = addNode(text, template: false)
                }
                itemOffset = end + 2
            } else {
                let size = base == ValueType.sid ? 8 + 4 * Int(source[itemOffset + 1]) : ValueType.fixedSize(base)
                let value = Node(kind: .value, type: base, flag: array.flag & Node.external, offset: Int32(itemOffset), count: Int32(size))
                item = addNode(value, template: false)
                itemOffset += size
            }
            var copy = e
            if childIndex >= 0 {
                let start = recEdges.count
                for c in 0..<Int(e.childCount) {
                    if c == childIndex {
                        if item >= 0 { recEdges.append(item) }
                    } else {
                        recEdges.append(recEdges[Int(e.childStart) + c])
                    }
                }
                copy.childStart = Int32(start)
                copy.childCount = Int32(recEdges.count - start)
            } else {
                let attributeNode = recNodes[Int(recEdges[Int(e.offset) + attributeIndex])]
                let valueStart = recEdges.count
                for v in 0..<Int(attributeNode.count) {
                    if v == valueIndex {
                        if item >= 0 { recEdges.append(item) }
                    } else {
                        recEdges.append(recEdges[Int(attributeNode.offset) + v])
                    }
                }
                var newAttribute = attributeNode
                newAttribute.offset = Int32(valueStart)
                newAttribute.count = Int32(recEdges.count - valueStart)
                let replaced = newAttribute.count > 0 ? addNode(newAttribute, template: false) : -1
                let start = recEdges.count
                for a in 0..<Int(e.count) {
                    if a == attributeIndex {
                        if replaced >= 0 { recEdges.append(replaced) }
                    } else {
                        recEdges.append(recEdges[Int(e.offset) + a])
                    }
                }
                copy.offset = Int32(start)
                copy.count = Int32(recEdges.count - start)
            }
            let copyIndex = addNode(copy, template: false)
            try expandArrays(copyIndex, depth: depth + 1)
        }
        if recNodes.count > BinXMLLimits.maxNodesPerRecord { throw DecodeError("record expands to too many nodes", 0) }
    }
}

extension Array {
    /// Drops elements past `length` one by one: the builder's stacks shrink by a few elements at
    /// a time, and `removeLast(_:)` goes through the generic range replacement.
    @inline(__always) mutating func shrink(to length: Int) {
        while count > length { removeLast() }
    }
}
