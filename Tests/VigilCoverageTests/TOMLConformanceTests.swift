// The TOML reader against toml-test (toml-lang/toml-test, in the shared conformance folder), on the cases
// its `files-toml-1.0.0` lists: every valid case read to the value of its tagged-JSON twin (read with
// Foundation's JSONSerialization), every invalid case rejected with a line and column.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilCoverage

@Suite struct TOMLConformanceTests {
    static let folder = "conformance/toml-test/tests"

    /// The cases toml-test lists for TOML 1.0, without the `.toml` suffix.
    static func cases(_ kind: String) -> [String] {
        guard let list = try? String(contentsOfFile: try SharedData.path(folder + "/files-toml-1.0.0"), encoding: .utf8) else {
            return []
        }
        return list.split(separator: "\n").map(String.init).filter { $0.hasPrefix(kind + "/") && $0.hasSuffix(".toml") }
            .map { String($0.dropLast(5)) }
    }

    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: try SharedData.path(folder + "/" + path))))
    }

    @Test func suiteIsPresent() throws {
        _ = try SharedData.path(Self.folder + "/files-toml-1.0.0")
        #expect(Self.cases("valid").count == 210)
        #expect(Self.cases("invalid").count == 499)
    }

    @Test(arguments: cases("valid"))
    func reads(_ name: String) throws {
        let table: TOMLTable
        do {
            table = try TOMLDocument.parse(try Self.read(name + ".toml"), file: name)
        } catch let error as Diagnostic {
            Issue.record("\(name): rejected: \(error)")
            return
        }
        let expected = try JSONSerialization.jsonObject(with: Data(try Self.read(name + ".json")))
        if let mismatch = Self.compare(.table(table), expected, path: "") {
            Issue.record("\(name): \(mismatch)")
        }
    }

    @Test(arguments: cases("invalid"))
    func rejects(_ name: String) throws {
        let bytes = try Self.read(name + ".toml")
        do {
            let table = try TOMLDocument.parse(bytes, file: name)
            Issue.record("\(name): accepted, read as \(Self.describe(.table(table)))")
        } catch {
            #expect((error.location.line ?? 0) >= 1 && (error.location.column ?? 0) >= 1, "\(name): \(error)")
            #expect(error.description.contains(name))
        }
    }

    // MARK: Tagged JSON

    /// Nil when `value` is what toml-test's tagged JSON `expected` says, else where and how they differ.
    static func compare(_ value: TOMLValue, _ expected: Any, path: String) -> String? {
        switch value {
        case .table(let table):
            guard let object = expected as? [String: Any], !isTagged(object) else { return "\(path): a table, expected \(expected)" }
            guard Set(table.keys) == Set(object.keys) else {
                return "\(path): keys \(table.keys.sorted()), expected \(object.keys.sorted())"
            }
            for key in table.keys {
                if let m = compare(table[key]!, object[key]!, path: path + "." + key) { return m }
            }
            return nil
        case .tableArray(let array):
            return compare(.array(array.tables.map { .table($0) }), expected, path: path)
        case .array(let items):
            guard let list = expected as? [Any], list.count == items.count else {
                return "\(path): \(items.count) items, expected \(expected)"
            }
            for (k, item) in items.enumerated() {
                if let m = compare(item, list[k], path: "\(path)[\(k)]") { return m }
            }
            return nil
        default:
            guard let tagged = expected as? [String: Any], isTagged(tagged), let type = tagged["type"] as? String,
                let text = tagged["value"] as? String
            else { return "\(path): a scalar, expected \(expected)" }
            let ok: Bool
            switch (value, type) {
            case (.string(let s), "string"): ok = s == text
            case (.integer(let i), "integer"): ok = Int(text) == i
            case (.boolean(let b), "bool"): ok = String(b) == text
            case (.float(let d), "float"):
                switch text {
                case "nan", "+nan", "-nan": ok = d.isNaN
                case "inf", "+inf": ok = d == .infinity
                case "-inf": ok = d == -.infinity
                default: ok = Double(text) == d
                }
            case (.datetime(let s), _):
                ok = TOMLDatetime(s).map { $0.kind.rawValue == type && $0.normalized == TOMLDatetime(text)?.normalized } ?? false
            default: ok = false
            }
            return ok ? nil : "\(path): \(describe(value)), expected \(type) \(text)"
        }
    }

    static func isTagged(_ object: [String: Any]) -> Bool {
        object.count == 2 && object["type"] is String && object["value"] is String
    }

    static func describe(_ value: TOMLValue) -> String {
        switch value {
        case .string(let s): "string \(JSONString.quoted(s))"
        case .integer(let i): "integer \(i)"
        case .float(let d): "float \(d)"
        case .boolean(let b): "bool \(b)"
        case .datetime(let s): "datetime \(s)"
        case .array(let items): "[" + items.map(describe).joined(separator: ", ") + "]"
        case .table(let t): "{" + t.keys.map { "\($0) = \(describe(t[$0]!))" }.joined(separator: ", ") + "}"
        case .tableArray(let a): "[" + a.tables.map { describe(.table($0)) }.joined(separator: ", ") + "]"
        }
    }
}
