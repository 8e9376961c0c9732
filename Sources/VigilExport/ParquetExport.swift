// `vigil export --format parquet`: events as Parquet in the flat or the nested EVTX layout. A Parquet schema is
// fixed before the first row, but the columns are only known once every event has been seen, so the logs are
// read twice: the first pass collects the columns (first-seen order, the order `--columns` writes), the second
// writes row groups. Memory stays at one row group plus the column names, whatever the size of the logs.
import VigilCore
import VigilLogs

public enum ParquetExport {
    public struct Outcome {
        /// Rows written.
        public var written = 0
        /// Flat JSON events in the EVTX layout (they have no record to write).
        public var skipped = 0
        /// Columns (flat) or leaf paths joined with dots (evtx), in schema order.
        public var columns: [String] = []
        /// Fields met only on the second pass (a log that changed between the passes), not written.
        public var unknownFields = 0
        /// The second pass's counts and diagnostics.
        public var report = EventStreamReport()
    }

    /// Flat layout: one optional string column per field, named as `vigil export` names it in JSON lines.
    public static func flat(
        _ files: [String], flattener: EventFlattener, to path: String, compression: ParquetCompression, threads: Int = 2,
        rowGroupRows: Int = 65_536
    ) throws(Diagnostic) -> Outcome {
        var columns = FlatColumns()
        var first = EventStreamReport()
        EventStream.forEach(files, threads: threads, report: &first) { event, origin in
            var row = flattener.row(event, origin: origin)
            columns.add(&row)
        }
        var outcome = Outcome()
        // Even no events make a valid file with the origin column, so a loader gets a table.
        let names = columns.names.isEmpty ? [EventFlattener.originColumn] : columns.names
        outcome.columns = names
        let writer = try ParquetWriter(
            path: path, schema: ParquetSchema(paths: names.map { [$0] }), compression: compression, rowGroupRows: rowGroupRows)
        // The schema keeps first-seen order, so leaf k is column k; exact names skip the lower-casing.
        var exact: [String: Int] = [:]
        var failure: Diagnostic?
        EventStream.forEach(files, threads: threads, report: &outcome.report) { event, origin in
            guard failure == nil else { return }
            for column in flattener.row(event, origin: origin).columns {
                guard let k = exact[column.name] ?? columns.position(column.name) else {
                    outcome.unknownFields += 1
                    continue
                }
                exact[column.name] = k
                if let cell = column.value.cell { writer.set(k, cell) }
            }
            do throws(Diagnostic) { try writer.endRow() } catch { failure = error }
            outcome.written += 1
        }
        if let failure { throw failure }
        try writer.close()
        return outcome
    }

    /// Nested EVTX layout: the records' objects as optional groups (`Event.System.EventID`), every leaf an
    /// optional string. A path that is an object in one record and a value in another is a string column
    /// holding the object's JSON text; lists are JSON text too.
    public static func evtx(
        _ files: [String], to path: String, compression: ParquetCompression, threads: Int = 2, rowGroupRows: Int = 65_536
    ) throws(Diagnostic) -> Outcome {
        let trie = PathTrie()
        var first = EventStreamReport()
        EventStream.forEach(files, threads: threads, report: &first) { event, _ in
            guard event.shape == .evtx else { return }
            trie.collect(event.view, event.root, into: 0)
        }
        let leaves = trie.leafPaths()
        var outcome = Outcome()
        outcome.columns = leaves.map { $0.joined(separator: ".") }
        let schema = ParquetSchema(paths: leaves.isEmpty ? [["Event", "System", "EventID"]] : leaves)
        trie.resolve(schema)
        let writer = try ParquetWriter(path: path, schema: schema, compression: compression, rowGroupRows: rowGroupRows)
        var failure: Diagnostic?
        EventStream.forEach(files, threads: threads, report: &outcome.report) { event, _ in
            guard failure == nil else { return }
            guard event.shape == .evtx else {
                outcome.skipped += 1
                return
            }
            outcome.unknownFields += trie.write(event.view, event.root, from: 0, to: writer)
            do throws(Diagnostic) { try writer.endRow() } catch { failure = error }
            outcome.written += 1
        }
        if let failure { throw failure }
        try writer.close()
        return outcome
    }
}

/// The member paths of the records seen so far, in first-seen order, and what each held: objects, values, nulls.
final class PathTrie {
    struct Node {
        var name: String
        var children: [String: Int] = [:]
        var order: [Int] = []
        var object = false
        var value = false
        var null = false
        /// After `resolve`: the schema leaf, or the schema group node, that this path writes to (nil: not written).
        var leaf: Int?
        var group: Int?

        /// A value anywhere makes the path a string column; nulls alone make one too (the column exists).
        var isLeaf: Bool { value || (null && !object) }
    }

    var nodes = [Node(name: "")]

    func collect(_ view: JSONView, _ object: Int, into parent: Int) {
        view.forEachMember(object) { key, value in
            let name = view.string(key) ?? ""
            let node: Int
            if let existing = nodes[parent].children[name] {
                node = existing
            } else {
                node = nodes.count
                nodes.append(Node(name: name))
                nodes[parent].children[name] = node
                nodes[parent].order.append(node)
            }
            switch view.kind(value) {
            case .object:
                nodes[node].object = true
                collect(view, value, into: node)
            case .null: nodes[node].null = true
            default: nodes[node].value = true
            }
        }
    }

    /// Leaf paths depth first; groups without any leaf below (only empty objects) are left out.
    func leafPaths() -> [[String]] {
        var out: [[String]] = []
        func visit(_ node: Int, _ path: [String]) {
            for child in nodes[node].order {
                let p = path + [nodes[child].name]
                if nodes[child].isLeaf { out.append(p) } else { visit(child, p) }
            }
        }
        visit(0, [])
        return out
    }

    func resolve(_ schema: ParquetSchema) {
        func visit(_ node: Int, _ path: [String]) {
            for child in nodes[node].order {
                let p = path + [nodes[child].name]
                if nodes[child].isLeaf {
                    nodes[child].leaf = schema.leaf(p)
                } else {
                    nodes[child].group = schema.group(p)
                    visit(child, p)
                }
            }
        }
        visit(0, [])
    }

    /// Writes the members of `object` under trie node `parent`; returns how many the first pass did not see.
    func write(_ view: JSONView, _ object: Int, from parent: Int, to writer: ParquetWriter) -> Int {
        var unknown = 0
        view.forEachMember(object) { key, value in
            guard let name = view.string(key), let node = nodes[parent].children[name] else {
                unknown += 1
                return
            }
            let kind = view.kind(value)
            if let leaf = nodes[node].leaf {
                switch kind {
                case .null: break
                case .string: writer.set(leaf, view.string(value) ?? "")
                case .number, .bool: writer.set(leaf, bytes: view.raw(value))
                case .array, .object:
                    var text = ""
                    Self.appendJSON(view, value, to: &text)
                    writer.set(leaf, text)
                }
            } else if let group = nodes[node].group, kind == .object {
                writer.present(group: group)
                unknown += write(view, value, from: node, to: writer)
            }
        }
        return unknown
    }

    /// A JSON value as compact JSON text, strings escaped as DuckDB writes them.
    static func appendJSON(_ view: JSONView, _ i: Int, to out: inout String) {
        switch view.kind(i) {
        case .string: JSONString.appendQuoted(view.string(i) ?? "", to: &out, style: .duckDB)
        case .number, .bool: out += String(decoding: view.raw(i), as: UTF8.self)
        case .null: out += "null"
        case .array:
            out += "["
            var first = true
            view.forEachElement(i) { e in
                if !first { out += "," }
                first = false
                appendJSON(view, e, to: &out)
            }
            out += "]"
        case .object:
            out += "{"
            var first = true
            view.forEachMember(i) { k, v in
                if !first { out += "," }
                first = false
                JSONString.appendQuoted(view.string(k) ?? "", to: &out, style: .duckDB)
                out += ":"
                appendJSON(view, v, to: &out)
            }
            out += "}"
        }
    }
}
