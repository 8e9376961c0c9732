// Rendering a record's expanded BinXML tree as evtx_dump's JSON (`#attributes`, `#text`, `Data`
// elements with a `Name` flattened to keys, repeated names suffixed `_1`, `_2`…) or as its XML.
// The rules mirror the reference's materialized-tree JSON/XML writers one for one.

/// Output format of record renderings.
public enum RecordFormat: Sendable {
    /// evtx_dump / PyPI `evtx` `records_json()` JSON, compact, one object per record.
    case json
    /// evtx_dump XML, indented, each record starting with an XML declaration.
    case xml
}

extension ChunkDecoder {
    @inline(__always) mutating func child(_ e: Node, _ i: Int) -> Node { edgeNode(e, Int(e.childStart) + i) }
    @inline(__always) mutating func attribute(_ e: Node, _ i: Int) -> Node { edgeNode(e, Int(e.offset) + i) }
    @inline(__always) mutating func attributeValue(_ a: Node, _ i: Int) -> Node { edgeNode(a, Int(a.offset) + i) }
    @inline(__always) mutating func nameFlags(_ id: Int32) -> UInt8 { names.flags[Int(id)] }

    mutating func appendName(_ id: Int32) {
        let start = Int(names.starts[Int(id)])
        let end = Int(names.starts[Int(id) + 1])
        names.bytes.withUnsafeBytes { out.append(raw: UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// The bytes a node's offset refers to: the chunk, or the file's template store.
    @inline(__always) mutating func source(_ n: Node) -> UnsafeRawBufferPointer {
        n.flag & Node.external != 0 ? UnsafeRawBufferPointer(start: templateBytes.base, count: templateBytes.count) : data
    }

    /// Optional-empty values (is_optional_empty): null, empty binary, empty arrays.
    @inline(__always) mutating func valueIsEmpty(_ n: Node) -> Bool {
        if n.type == ValueType.null { return true }
        if n.type == ValueType.binary || n.type == ValueType.binXml { return n.count == 0 }
        if n.type & ValueType.array != 0 { return n.childStart == 0 }
        return false
    }

    /// Whether a node is non-empty text-like content.
    @inline(__always) mutating func isContent(_ n: Node) -> Bool {
        switch n.kind {
        case .text, .cdata: return n.count > 0
        case .ansiText: return n.flag & Node.bit == 0
        case .entityRef, .charRef, .placeholder: return true
        case .value: return !valueIsEmpty(n)
        case .element, .attribute, .piTarget, .piData: return false
        }
    }

    mutating func attributeHasContent(_ a: Node) -> Bool {
        for i in 0..<Int(a.count) where isContent(attributeValue(a, i)) { return true }
        return false
    }

    // MARK: values

    /// The text of a value node (no quotes); while a template program is recorded, a node taken
    /// from a substitution notes where its text went.
    @inline(__always) mutating func appendValueText(_ n: Node, _ mode: TextMode) throws(DecodeError) {
        guard n.name >= 0, programs.recording else { return try writeValueText(n, mode) }
        let start = out.count
        try writeValueText(n, mode)
        programs.noteSpan(start: start, end: out.count, substitution: n.name, mode: mode)
    }

    mutating func writeValueText(_ n: Node, _ mode: TextMode) throws(DecodeError) {
        let o = Int(n.offset)
        let data = source(n)
        switch n.type {
        case ValueType.null: return
        case ValueType.int8: TextWriter.appendDecimal(Int64(Int8(bitPattern: data[o])), &out)
        case ValueType.uint8: TextWriter.appendDecimal(UInt64(data[o]), &out)
        case ValueType.int16: TextWriter.appendDecimal(Int64(Int16(bitPattern: data.le16(o))), &out)
        case ValueType.uint16: TextWriter.appendDecimal(UInt64(data.le16(o)), &out)
        case ValueType.int32: TextWriter.appendDecimal(Int64(Int32(bitPattern: data.le32(o))), &out)
        case ValueType.uint32: TextWriter.appendDecimal(UInt64(data.le32(o)), &out)
        case ValueType.int64: TextWriter.appendDecimal(Int64(bitPattern: data.le64(o)), &out)
        case ValueType.uint64: TextWriter.appendDecimal(data.le64(o), &out)
        case ValueType.real32: TextWriter.appendFloat(Double(Float(bitPattern: data.le32(o))), single: true, &out)
        case ValueType.real64: TextWriter.appendFloat(Double(bitPattern: data.le64(o)), single: false, &out)
        case ValueType.bool: out.append(data.le32(o) != 0 ? "true" : "false")
        case ValueType.binary: TextWriter.appendHexUpper(data.slice(o, Int(n.count)), &out)
        case ValueType.guid: TextWriter.appendGUID(data.slice(o, 16), &out)
        case ValueType.hexInt32: TextWriter.appendHexPrefixed(UInt64(data.le32(o)), &out)
        case ValueType.hexInt64: TextWriter.appendHexPrefixed(data.le64(o), &out)
        case ValueType.fileTime: CivilTime(filetime: data.le64(o))?.appendISO(to: &out)
        case ValueType.sysTime: CivilTime(systemTime: data.slice(o, 16))?.appendISO(to: &out)
        case ValueType.sid: TextWriter.appendSID(data.slice(o, Int(n.count)), &out)
        case ValueType.string | ValueType.array:
            var at = o
            for i in 0..<Int(n.childStart) {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                var end = at
                while data.le16(end) != 0 { end += 2 }
                TextWriter.appendUTF16(data.baseAddress! + at, units: (end - at) / 2, mode: mode, &out)
                at = end + 2
            }
        default:
            let base = n.type & 0x7F
            guard n.type & ValueType.array != 0, base != ValueType.string else {
                throw DecodeError("value type 0x\(String(n.type, radix: 16)) cannot be rendered", o)
            }
            var at = o
            for i in 0..<Int(n.childStart) {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                let size = base == ValueType.sid ? 8 + 4 * Int(data[at + 1]) : ValueType.fixedSize(base)
                try writeValueText(
                    Node(kind: .value, type: base, flag: n.flag & Node.external, offset: Int32(at), count: Int32(size)), mode)
                at += size
            }
        }
    }

    @inline(__always) mutating func appendText(_ n: Node, _ mode: TextMode) {
        guard n.name >= 0, programs.recording else { return writeText(n, mode) }
        let start = out.count
        writeText(n, mode)
        programs.noteSpan(start: start, end: out.count, substitution: n.name, mode: mode)
    }

    @inline(__always) mutating func writeText(_ n: Node, _ mode: TextMode) {
        let data = source(n)
        if n.kind == .ansiText {
            TextWriter.appendANSI(data.slice(Int(n.offset), Int(n.count)), mode: mode, &out)
        } else if n.count > 0 {
            TextWriter.appendUTF16(data.baseAddress! + Int(n.offset), units: Int(n.count), mode: mode, &out)
        }
    }

    // MARK: JSON

    /// `{"<root>": …}` for the tree under `root`.
    mutating func renderJSON(_ root: Int32) throws(DecodeError) {
        let e = recNodes[Int(root)]
        out.append("{\"")
        appendName(e.name)
        out.append("\":")
        try jsonElementValue(e, container: false)
        out.append(UInt8(ascii: "}"))
    }

    /// (has text content, has an element child)
    mutating func layout(_ e: Node) -> (Bool, Bool) {
        var text = false
        var element = e.flag & Node.bit != 0
        for i in 0..<Int(e.childCount) {
            let c = child(e, i)
            if c.kind == .element { element = true } else if isContent(c) { text = true }
            if text && element { break }
        }
        return (text, element)
    }

    mutating func attributesHaveText(_ e: Node) -> Bool {
        for i in 0..<Int(e.count) where attributeHasContent(attribute(e, i)) { return true }
        return false
    }

    mutating func jsonElementValue(_ e: Node, container: Bool) throws(DecodeError) {
        if e.count == 0, try jsonLeaf(e, emptyAsString: false) { return }
        let (hasText, hasElement) = layout(e)
        let attributeText = attributesHaveText(e)
        if !hasElement && !hasText && !attributeText {
            out.append("null")
        } else if !hasElement && !attributeText {
            try jsonContentValue(children: e, skipElements: false)
        } else {
            try jsonElementBody(e, container: container, omitAttributes: false, hasText: hasText)
        }
    }

    /// A single text or value child written as a JSON scalar.
    mutating func jsonLeaf(_ e: Node, emptyAsString: Bool) throws(DecodeError) -> Bool {
        guard e.flag & Node.bit == 0, e.childCount == 1 else { return false }
        let c = child(e, 0)
        switch c.kind {
        case .text, .ansiText:
            if !isContent(c) {
                out.append(emptyAsString ? "\"\"" : "null")
            } else {
                out.append(UInt8(ascii: "\""))
                appendText(c, .json)
                out.append(UInt8(ascii: "\""))
            }
            return true
        case .value:
            if valueIsEmpty(c) {
                out.append(emptyAsString ? "\"\"" : "null")
            } else if ValueType.isJSONBare(c.type) {
                try appendValueText(c, .json)
            } else {
                out.append(UInt8(ascii: "\""))
                try appendValueText(c, .json)
                out.append(UInt8(ascii: "\""))
            }
            return true
        default:
            return false
        }
    }

    /// The nodes of an element's children (`children: e`) or of an attribute's value (`attribute: a`).
    @inline(__always) mutating func contentNodes(_ n: Node) -> (start: Int, count: Int) {
        n.kind == .element ? (Int(n.childStart), Int(n.childCount)) : (Int(n.offset), Int(n.count))
    }

    /// try_write_as_number: a lone numeric value among the nodes is written bare.
    mutating func jsonTryNumber(_ owner: Node, skipElements: Bool) throws(DecodeError) -> Bool {
        let (start, count) = contentNodes(owner)
        var single: Node? = nil
        for i in 0..<count {
            let n = edgeNode(owner, start + i)
            switch n.kind {
            case .element:
                if skipElements { continue }
                return false
            case .text, .ansiText, .cdata:
                if skipElements {
                    if isContent(n) { return false }
                } else {
                    if single != nil || isContent(n) { return false }
                    single = n
                }
            case .value:
                if skipElements && valueIsEmpty(n) { continue }
                if single != nil { return false }
                single = n
            case .charRef, .entityRef:
                return false
            case .piTarget, .piData:
                if !skipElements {
                    if single != nil { return false }
                    single = n
                }
            case .placeholder:
                if skipElements { throw DecodeError("unresolved placeholder", 0) }
                return false
            case .attribute:
                return false
            }
        }
        guard let single, single.kind == .value, ValueType.isJSONBare(single.type) else { return false }
        try appendValueText(single, .json)
        return true
    }

    mutating func jsonContentValue(children owner: Node, skipElements: Bool) throws(DecodeError) {
        if try jsonTryNumber(owner, skipElements: skipElements) { return }
        out.append(UInt8(ascii: "\""))
        try jsonTextContent(owner, skipElements: skipElements)
        out.append(UInt8(ascii: "\""))
    }

    mutating func jsonTextContent(_ owner: Node, skipElements: Bool) throws(DecodeError) {
        let (start, count) = contentNodes(owner)
        for i in 0..<count {
            let n = edgeNode(owner, start + i)
            switch n.kind {
            case .text, .ansiText, .cdata: appendText(n, .json)
            case .value: try appendValueText(n, .json)
            case .charRef:
                if let scalar = Unicode.Scalar(UInt32(n.name)) {
                    var utf8: [UInt8] = []
                    UTF8.encode(scalar) { utf8.append($0) }
                    if utf8.count == 1 && (utf8[0] < 0x20 || utf8[0] == 0x22 || utf8[0] == 0x5C) {
                        TextWriter.appendJSONEscaped(ascii: utf8[0], &out)
                    } else {
                        out.append(contentsOf: utf8)
                    }
                } else {
                    out.append("&#")
                    TextWriter.appendDecimal(UInt64(n.name), &out)
                    out.append(UInt8(ascii: ";"))
                }
            case .entityRef:
                let start = Int(names.starts[Int(n.name)]), end = Int(names.starts[Int(n.name) + 1])
                let name = names.bytes[start..<end]
                if name.elementsEqual("quot".utf8) {
                    out.append("\\\"")
                } else if name.elementsEqual("apos".utf8) {
                    out.append(UInt8(ascii: "'"))
                } else if name.elementsEqual("amp".utf8) {
                    out.append(UInt8(ascii: "&"))
                } else if name.elementsEqual("lt".utf8) {
                    out.append(UInt8(ascii: "<"))
                } else if name.elementsEqual("gt".utf8) {
                    out.append(UInt8(ascii: ">"))
                } else {
                    out.append(UInt8(ascii: "&"))
                    out.append(contentsOf: name)
                    out.append(UInt8(ascii: ";"))
                }
            case .piTarget, .piData: break
            case .placeholder: throw DecodeError("unresolved placeholder", 0)
            case .element, .attribute:
                if skipElements { continue }
                throw DecodeError("element inside text content", 0)
            }
        }
    }

    /// `"#attributes":{…}` when any attribute has content; returns whether anything was written.
    mutating func jsonAttributes(_ e: Node) throws(DecodeError) -> Bool {
        guard attributesHaveText(e) else { return false }
        out.append("\"#attributes\":{")
        var first = true
        for i in 0..<Int(e.count) {
            let a = attribute(e, i)
            if !attributeHasContent(a) { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            appendName(a.name)
            out.append("\":")
            if try jsonTryNumber(a, skipElements: false) { continue }
            out.append(UInt8(ascii: "\""))
            try jsonTextContent(a, skipElements: false)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return !first
    }

    /// The `Name` attribute of a `Data` element, if any.
    mutating func nameAttribute(_ e: Node) -> Node? {
        for i in 0..<Int(e.count) {
            let a = attribute(e, i)
            if nameFlags(a.name) & NameTable.isName != 0 { return a }
        }
        return nil
    }

    mutating func jsonElementBody(_ e: Node, container: Bool, omitAttributes: Bool, hasText: Bool) throws(DecodeError) {
        var flatten = false
        if container {
            for i in 0..<Int(e.childCount) {
                let c = child(e, i)
                guard c.kind == .element, nameFlags(c.name) & NameTable.isData != 0, let a = nameAttribute(c) else { continue }
                if attributeHasContent(a) {
                    flatten = true
                    break
                }
            }
        }
        out.append(UInt8(ascii: "{"))
        var wrote = false
        if !omitAttributes && e.count > 0, try jsonAttributes(e) { wrote = true }
        if hasText {
            if wrote { out.append(UInt8(ascii: ",")) }
            wrote = true
            out.append("\"#text\":")
            try jsonContentValue(children: e, skipElements: true)
        }
        var positionalCount = 0
        if container && !flatten {
            for i in 0..<Int(e.childCount) {
                let c = child(e, i)
                if c.kind == .element && nameFlags(c.name) & NameTable.isData != 0 { positionalCount += 1 }
            }
        }
        var positionalDone = false
        let suffixMark = suffixCounts.count
        defer { suffixCounts.shrink(to: suffixMark) }
        for i in 0..<Int(e.childCount) {
            let c = child(e, i)
            guard c.kind == .element else { continue }
            if container && nameFlags(c.name) & NameTable.isData != 0 {
                if flatten {
                    guard let a = nameAttribute(c), attributeHasContent(a) else { continue }
                    if wrote { out.append(UInt8(ascii: ",")) }
                    wrote = true
                    out.append(UInt8(ascii: "\""))
                    try jsonTextContent(a, skipElements: false)
                    out.append("\":")
                    try jsonDataValue(c)
                } else if !positionalDone && positionalCount > 0 {
                    if wrote { out.append(UInt8(ascii: ",")) }
                    wrote = true
                    positionalDone = true
                    out.append("\"Data\":{\"#text\":")
                    if positionalCount == 1 {
                        try jsonDataValue(c)
                    } else {
                        out.append(UInt8(ascii: "["))
                        var first = true
                        for j in 0..<Int(e.childCount) {
                            let d = child(e, j)
                            guard d.kind == .element, nameFlags(d.name) & NameTable.isData != 0 else { continue }
                            if !first { out.append(UInt8(ascii: ",")) }
                            first = false
                            try jsonDataValue(d)
                        }
                        out.append(UInt8(ascii: "]"))
                    }
                    out.append(UInt8(ascii: "}"))
                }
                continue
            }
            // Repeated element names become name, name_1, name_2…
            var suffix = 0
            var found = false
            for k in suffixMark..<suffixCounts.count where suffixCounts[k].name == c.name {
                suffixCounts[k].count += 1
                suffix = Int(suffixCounts[k].count)
                found = true
                break
            }
            if !found { suffixCounts.append(SuffixCount(name: c.name, count: 0)) }
            if wrote { out.append(UInt8(ascii: ",")) }
            wrote = true
            out.append(UInt8(ascii: "\""))
            appendName(c.name)
            if suffix > 0 {
                out.append(UInt8(ascii: "_"))
                TextWriter.appendDecimal(UInt64(suffix), &out)
            }
            out.append("\":")
            try jsonElementValue(c, container: nameFlags(c.name) & NameTable.isContainer != 0)
        }
        out.append(UInt8(ascii: "}"))
    }

    mutating func jsonDataValue(_ e: Node) throws(DecodeError) {
        if try jsonLeaf(e, emptyAsString: true) { return }
        let (hasText, hasElement) = layout(e)
        if !hasText && !hasElement {
            out.append("\"\"")
        } else if hasElement {
            try jsonElementBody(e, container: false, omitAttributes: true, hasText: hasText)
        } else {
            try jsonContentValue(children: e, skipElements: false)
        }
    }

    // MARK: XML

    mutating func renderXML(_ root: Int32) throws(DecodeError) {
        out.append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
        try xmlElement(recNodes[Int(root)], indent: 0)
    }

    @inline(__always) mutating func spaces(_ n: Int) {
        for _ in 0..<n { out.append(0x20) }
    }

    mutating func xmlClose(_ e: Node) {
        out.append("</")
        appendName(e.name)
        out.append(">\n")
    }

    mutating func xmlElement(_ e: Node, indent: Int) throws(DecodeError) {
        spaces(indent)
        out.append(UInt8(ascii: "<"))
        appendName(e.name)
        for i in 0..<Int(e.count) {
            let a = attribute(e, i)
            var nonEmpty = false
            for j in 0..<Int(a.count) {
                let v = attributeValue(a, j)
                switch v.kind {
                case .element: throw DecodeError("element inside an attribute value", 0)
                case .piTarget, .piData: throw DecodeError("processing instruction inside an attribute value", 0)
                case .cdata, .entityRef, .charRef: nonEmpty = true
                default: if isContent(v) { nonEmpty = true }
                }
            }
            guard nonEmpty else { continue }
            out.append(0x20)
            appendName(a.name)
            out.append("=\"")
            for j in 0..<Int(a.count) { try xmlLiteral(attributeValue(a, j), attribute: true) }
            out.append(UInt8(ascii: "\""))
        }
        if e.childCount == 0 {
            out.append(UInt8(ascii: ">"))
            if nameFlags(e.name) & NameTable.isBinary == 0 {
                out.append(0x0A)
                spaces(indent)
            }
            xmlClose(e)
            return
        }
        var hasElement = false
        for i in 0..<Int(e.childCount) where child(e, i).kind == .element {
            hasElement = true
            break
        }
        out.append(UInt8(ascii: ">"))
        if !hasElement {
            var i = 0
            while i < Int(e.childCount) {
                let c = child(e, i)
                if c.kind == .piTarget {
                    out.append("<?")
                    appendName(c.name)
                    if i + 1 < Int(e.childCount), child(e, i + 1).kind == .piData {
                        let d = child(e, i + 1)
                        out.append(0x20)
                        TextWriter.appendUTF16Raw(source(d).baseAddress! + Int(d.offset), units: Int(d.count), &out)
                        out.append("?>")
                        i += 2
                        continue
                    }
                    out.append("?>")
                } else if c.kind == .piData {
                    throw DecodeError("processing instruction data without a target", 0)
                } else {
                    try xmlLiteral(c, attribute: false)
                }
                i += 1
            }
            xmlClose(e)
            return
        }
        out.append(0x0A)
        for i in 0..<Int(e.childCount) {
            let c = child(e, i)
            if c.kind == .element {
                try xmlElement(c, indent: indent + 2)
            } else {
                spaces(indent + 2)
                try xmlLiteral(c, attribute: false)
                out.append(0x0A)
            }
        }
        spaces(indent)
        xmlClose(e)
    }

    mutating func xmlLiteral(_ n: Node, attribute: Bool) throws(DecodeError) {
        switch n.kind {
        case .text, .ansiText: appendText(n, .xml(attribute: attribute))
        case .value: try appendValueText(n, .xml(attribute: attribute))
        case .entityRef:
            out.append(UInt8(ascii: "&"))
            appendName(n.name)
            out.append(UInt8(ascii: ";"))
        case .charRef:
            out.append("&#")
            TextWriter.appendDecimal(UInt64(n.name), &out)
            out.append(UInt8(ascii: ";"))
        case .cdata:
            if attribute {
                appendText(n, .xml(attribute: true))
            } else {
                out.append("<![CDATA[")
                TextWriter.appendUTF16Raw(source(n).baseAddress! + Int(n.offset), units: Int(n.count), &out)
                out.append("]]>")
            }
        case .piTarget, .piData: break
        case .element, .attribute: throw DecodeError("element inside text content", 0)
        case .placeholder: throw DecodeError("unresolved placeholder", 0)
        }
    }
}
