// Compiled renderings of template instances. Most records are one template instance, and where
// each substitution's text lands in the JSON or XML, and all the text around it, depends only on
// the template and on each substitution's type and emptiness: the writers decide layout (null or
// string, `#attributes`, `#text`, `Data` flattening, `_1` suffixes, dropped optional values) on
// nothing else. So the first record of each template and shape is rendered through the expanded
// tree while the spans its substitutions wrote are noted; later records of that shape copy the
// literal runs and write their own values in between, with no tree and no tree walk.
//
// Records of any other form (nested BinXML values, arrays that repeat their element, several
// fragments) take the tree path every time.

/// A literal run of a program's output, then one substitution's text (none when `substitution` < 0).
struct ProgramStep {
    var literalStart: Int32
    var literalCount: Int32
    var substitution: Int32
    var mode: UInt8
}

/// The compiled rendering of one template for one shape of substitutions, in one format.
struct TemplateProgram {
    /// The next program whose shape has the same hash, -1 at the end of the list.
    var next: Int32
    var format: UInt8
    /// Per substitution: its type, with 0x40 set when it is empty (`Substitution.empty`).
    var shapeStart: Int32
    var shapeCount: Int32
    var stepStart: Int32
    var stepCount: Int32
}

/// Output written from one substitution while a program is being recorded.
struct SubstitutionSpan {
    var start: Int
    var end: Int
    var substitution: Int32
    var mode: UInt8
}

/// A decoder's programs, by shape: the shape holds the template roots (indices into the decoder's
/// template tree) of the record's instances, so programs live as long as those templates and are
/// dropped with them. One template (a provider's `System` part) can have hundreds of shapes, one
/// per nested `EventData` template and per pattern of empty values.
struct ProgramCache: ~Copyable {
    /// Beyond these sizes (crafted input) the cache starts over.
    static let maxLiteralBytes = 1 << 24
    static let maxPrograms = 1 << 16
    /// A crafted instance can hold thousands of values, each a step and a shape byte.
    static let maxSteps = 1 << 22
    static let maxShapeBytes = 1 << 24

    /// First program of each shape hash.
    var heads: [UInt64: Int32] = [:]
    var programs = Pool<TemplateProgram>(capacity: 256)
    var steps = Pool<ProgramStep>(capacity: 4096)
    var literals = Pool<UInt8>(capacity: 1 << 16)
    var shapes = Pool<UInt8>(capacity: 4096)
    /// The current record's shape, and the spans noted while recording it.
    var shape = Pool<UInt8>(capacity: 256)
    var spans = Pool<SubstitutionSpan>(capacity: 128)
    var instances = Pool<InstanceRef>(capacity: 16)
    var recording = false

    init() {}

    mutating func removeAll() {
        heads.removeAll(keepingCapacity: true)
        programs.removeAll()
        steps.removeAll()
        literals.removeAll()
        shapes.removeAll()
    }

    @inline(__always) static func modeCode(_ mode: TextMode) -> UInt8 {
        switch mode {
        case .json: 0
        case .xml(let attribute): attribute ? 2 : 1
        }
    }

    @inline(__always) static func mode(_ code: UInt8) -> TextMode {
        code == 0 ? .json : .xml(attribute: code == 2)
    }

    @inline(__always) static func formatCode(_ format: RecordFormat) -> UInt8 {
        switch format {
        case .json: 0
        case .xml: 1
        }
    }

    @inline(__always) mutating func appendShape(_ v: UInt32) {
        shape.append(UInt8(truncatingIfNeeded: v))
        shape.append(UInt8(truncatingIfNeeded: v >> 8))
        shape.append(UInt8(truncatingIfNeeded: v >> 16))
        shape.append(UInt8(truncatingIfNeeded: v >> 24))
    }

    @inline(__always) mutating func noteSpan(start: Int, end: Int, substitution: Int32, mode: TextMode) {
        spans.append(SubstitutionSpan(start: start, end: end, substitution: substitution, mode: ProgramCache.modeCode(mode)))
    }

    /// The hash of the current shape in `format`.
    func shapeHash(format: UInt8) -> UInt64 {
        TemplateStore.hash(UnsafeRawBufferPointer(start: shape.base, count: shape.count)) &+ UInt64(format)
    }

    /// The program for the current shape (hashing to `hash`) in `format`, or -1.
    func find(hash: UInt64, format: UInt8) -> Int32 {
        var p = heads[hash] ?? -1
        let count = shape.count
        while p >= 0 {
            let program = programs[Int(p)]
            if program.format == format && Int(program.shapeCount) == count
                && ProgramCache.equal(shapes.base + Int(program.shapeStart), shape.base, count)
            {
                return p
            }
            p = program.next
        }
        return -1
    }

    @inline(__always) static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var i = 0
        while count - i >= 8 {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// Turns the rendering `output` (one record, recorded with the current shape, which hashes to
    /// `hash`) and the spans noted while it was written into a program.
    mutating func compile(hash: UInt64, format: UInt8, output: UnsafeRawBufferPointer, outputStart: Int) {
        if literals.count > ProgramCache.maxLiteralBytes || programs.count > ProgramCache.maxPrograms
            || steps.count > ProgramCache.maxSteps || shapes.count > ProgramCache.maxShapeBytes
        {
            removeAll()
        }
        let stepStart = steps.count
        var previous = 0
        for i in 0..<spans.count {
            let span = spans[i]
            let start = span.start - outputStart
            let end = span.end - outputStart
            // Spans come in output order and never overlap; anything else is not a program.
            guard start >= previous, end >= start, end <= output.count else {
                steps.shrink(to: stepStart)
                return
            }
            addStep(output, from: previous, to: start, substitution: span.substitution, mode: span.mode)
            previous = end
        }
        addStep(output, from: previous, to: output.count, substitution: -1, mode: 0)
        let shapeStart = shapes.count
        shapes.append(shape.base, count: shape.count)
        programs.append(
            TemplateProgram(
                next: heads[hash] ?? -1, format: format, shapeStart: Int32(shapeStart), shapeCount: Int32(shape.count),
                stepStart: Int32(stepStart), stepCount: Int32(steps.count - stepStart)))
        heads[hash] = Int32(programs.count - 1)
    }

    private mutating func addStep(
        _ output: UnsafeRawBufferPointer, from: Int, to: Int, substitution: Int32, mode: UInt8
    ) {
        let literalStart = literals.count
        if to > from {
            literals.append((output.baseAddress! + from).assumingMemoryBound(to: UInt8.self), count: to - from)
        }
        steps.append(
            ProgramStep(literalStart: Int32(literalStart), literalCount: Int32(to - from), substitution: substitution, mode: mode))
    }
}

/// A template instance read by the program path: nested instances (BinXML values that are one
/// template instance) come before the instance holding them.
struct InstanceRef {
    var root: Int32
    var base: Int32
    var count: Int32
    /// The substitution (index in `substitutions`) whose value this instance is; -1 for the record's.
    var parent: Int32
}

extension ChunkDecoder {
    static let maxProgramNesting = 8

    /// Renders the record `start..<end` from a template program when it is a template instance
    /// whose BinXML values are template instances too (and so on), with no array that repeats its
    /// element; records the program the first time. Returns false, having written nothing, for any
    /// other record and for any error: the caller then builds its tree, which reports the error
    /// exactly as it always has.
    mutating func renderCompiled(_ start: Int, _ end: Int, format: RecordFormat) -> Bool {
        let recordStart = out.count
        do {
            programs.shape.removeAll()
            programs.instances.removeAll()
            var pos = start
            guard try readCompilable(&pos, end, parent: -1, depth: 0) else { return false }
            let formatCode = ProgramCache.formatCode(format)
            let hash = programs.shapeHash(format: formatCode)
            let program = programs.find(hash: hash, format: formatCode)
            if program >= 0 {
                try run(programs.programs[Int(program)])
                programRuns += 1
                return true
            }
            // First record of this shape: render it through the tree, noting the substitutions' spans.
            programs.spans.removeAll()
            programs.recording = true
            defer { programs.recording = false }
            var element: Int32 = -1
            for i in 0..<programs.instances.count {
                let instance = programs.instances[i]
                element = try clone(instance.root, base: Int(instance.base), count: Int(instance.count)).node
                if instance.parent >= 0 { substitutions[Int(instance.parent)].element = element }
            }
            switch format {
            case .json: try renderJSON(element)
            case .xml: try renderXML(element)
            }
            programs.compile(
                hash: hash, format: formatCode,
                output: UnsafeRawBufferPointer(start: out.base + recordStart, count: out.count - recordStart),
                outputStart: recordStart)
            return true
        } catch {
            out.truncate(to: recordStart)
            return false
        }
    }

    /// Reads a fragment at `pos` that is one template instance (optionally after a fragment
    /// header) and nothing more, its BinXML values likewise, in the tree path's order; appends
    /// the values to `substitutions`, the instances to `programs.instances` and the shape to
    /// `programs.shape`. False when the fragment has any other form.
    mutating func readCompilable(_ pos: inout Int, _ end: Int, parent: Int32, depth: Int) throws(DecodeError) -> Bool {
        guard depth < ChunkDecoder.maxProgramNesting, pos < end else { return false }
        if data[pos] == 0x0F {
            // Fragment header: the token and three bytes.
            guard data.count - pos >= 4 else { return false }
            pos += 4
        }
        guard pos < end, data[pos] == 0x0C else { return false }
        pos += 1
        let base = substitutions.count
        let (definition, count) = try readInstance(&pos)
        // Shape: the count, one byte per value (type, 0x40 when empty), the nested instances' shapes.
        programs.appendShape(UInt32(truncatingIfNeeded: count))
        for i in base..<base + count {
            let v = substitutions[i]
            if ValueType.isExpandableArray(v.type) && v.count > 1 { return false }
            programs.shape.append(v.type | (v.empty ? 0x40 : 0))
        }
        for i in base..<base + count where substitutions[i].type == ValueType.binXml {
            let v = substitutions[i]
            var nested = Int(v.offset)
            guard try readCompilable(&nested, Int(v.offset + v.length), parent: Int32(i), depth: depth + 1) else { return false }
        }
        let root = try templateRoot(at: definition, depth: depth)
        programs.appendShape(UInt32(bitPattern: root))
        programs.instances.append(InstanceRef(root: root, base: Int32(base), count: Int32(count), parent: parent))
        // After the instance the fragment must end, or the tree path has more to read.
        return pos >= end || data[pos] == 0x00
    }

    /// Writes a record from `program`: literal runs and the current substitutions' text.
    mutating func run(_ program: TemplateProgram) throws(DecodeError) {
        let literals = UnsafeRawPointer(programs.literals.base)
        for s in Int(program.stepStart)..<Int(program.stepStart + program.stepCount) {
            let step = programs.steps[s]
            if step.literalCount > 0 {
                out.append(raw: UnsafeRawBufferPointer(start: literals + Int(step.literalStart), count: Int(step.literalCount)))
            }
            guard step.substitution >= 0 else { continue }
            let node = valueNode(substitutions[Int(step.substitution)])
            let mode = ProgramCache.mode(step.mode)
            if node.kind == .value {
                try writeValueText(node, mode)
            } else {
                writeText(node, mode)
            }
        }
    }
}
