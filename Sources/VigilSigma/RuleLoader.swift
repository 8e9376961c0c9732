// Loading rule files and folders: every `.yml`/`.yaml` below the given paths, parsed on all cores,
// with per-file diagnostics and a summary of what loaded and what was rejected and why.
import Dispatch
import VigilCore
import Yams

/// Everything loaded from a set of paths.
public struct RuleCollection: Sendable {
    public var rules: [SigmaRule] = []
    public var correlations: [SigmaCorrelation] = []
    public var filters: [SigmaFilter] = []
    /// Rejected documents and unreadable files.
    public var diagnostics: [Diagnostic] = []
    public var filesRead = 0

    public init() {}

    /// The rules, correlations and filters of parsed documents.
    public init(documents: [SigmaDocument]) { add(documents) }

    public mutating func add(_ documents: [SigmaDocument]) {
        for document in documents {
            switch document {
            case .rule(let r): rules.append(r)
            case .correlation(let c): correlations.append(c)
            case .filter(let f): filters.append(f)
            }
        }
    }

    public var rejectedCount: Int { diagnostics.count(where: { $0.severity == .error }) }

    /// Correlations referring to rules or correlations that are not loaded.
    public var correlationDiagnostics: [Diagnostic] {
        var known = Set(rules.compactMap(\.id) + rules.compactMap(\.name))
        known.formUnion(correlations.compactMap(\.id) + correlations.compactMap(\.name))
        return correlations.compactMap { c in
            let missing = c.rules.filter { !known.contains($0) }
            guard !missing.isEmpty else { return nil }
            return Diagnostic(
                c.location, code: "correlation-unknown-rule", "correlation refers to unknown rule(s): \(missing.joined(separator: ", "))")
        }
    }
}

public enum RuleLoader {
    /// Rule files under `paths` (files are taken as given; folders are searched for .yml/.yaml).
    public static func ruleFiles(_ paths: [String]) -> [String] {
        var files: [String] = []
        for path in paths {
            if FileBytes.isDirectory(path) {
                files += FileBytes.files(under: path).filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
            } else {
                files.append(path)
            }
        }
        return files
    }

    /// Loads and parses every rule file, in parallel. Order of the result follows the file order.
    public static func load(_ paths: [String], placeholders: Placeholders = [:]) -> RuleCollection {
        let files = ruleFiles(paths)
        let parser = RuleParser(placeholders: placeholders)
        let results = ParallelSlots<([SigmaDocument], [Diagnostic])>(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let file = files[i]
            switch Result(catching: { () throws(Diagnostic) -> [UInt8] in try FileBytes.read(file) }) {
            case .success(let bytes): results.set(i, parser.parse(bytes: bytes, file: file))
            case .failure(let error): results.set(i, ([], [error]))
            }
        }
        var collection = RuleCollection()
        collection.filesRead = files.count
        for (documents, diagnostics) in results.values {
            collection.diagnostics += diagnostics
            collection.add(documents)
        }
        collection.diagnostics += collection.correlationDiagnostics
        return collection
    }

    /// Placeholder values from a YAML file: `name: [value, ...]`.
    public static func placeholders(file: String) throws(Diagnostic) -> Placeholders {
        let bytes = try FileBytes.read(file)
        return try PlaceholderFile.parse(String(decoding: bytes, as: UTF8.self), file: file)
    }
}

/// Results written by index from concurrent workers.
final class ParallelSlots<T>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = Lock()

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: T) {
        lock.withLock { storage[i] = value }
    }

    var values: [T] { storage.compactMap { $0 } }
}

enum PlaceholderFile {
    static func parse(_ text: String, file: String) throws(Diagnostic) -> Placeholders {
        let node: Node?
        do { node = try Yams.compose(yaml: text, .basic) } catch let e as YamlError { throw RuleParser.yamlDiagnostic(e, file: file) } catch
        {
            throw Diagnostic(SourceLocation(file: file), code: "yaml-syntax", "\(error)")
        }
        guard case .mapping(let m)? = node else {
            throw Diagnostic(SourceLocation(file: file), code: "placeholders-invalid", "placeholder file must map names to value lists")
        }
        var result: Placeholders = [:]
        for (k, v) in m {
            guard let name = k.string else { continue }
            result[name] = RuleParser.strings(v)
        }
        return result
    }
}
