// The entry point for reading rule repositories: tells which kind of repository a folder is (or reads each
// recognised repository in a folder of repositories) and reads every path the user gave.

import VigilCore

/// Everything read from the paths given: one import per repository, and the paths that could not be read at all.
public struct RepositoryImport: Sendable {
    public var imports: [RuleImport] = []
    /// Paths that do not exist or that no reader recognises.
    public var diagnostics: [Diagnostic] = []
    /// Rules read a second time (from another path, or the same file through two paths), each dropped with a
    /// warning that names both places: every rule counts once.
    public var duplicates: [Diagnostic] = []
    /// Different rules (other titles) that share an id: both count, each later one with a warning naming the first.
    public var sharedIDs: [Diagnostic] = []

    public init() {}

    public var rules: [DetectionRule] { imports.flatMap(\.rules) }
    /// Every problem: the paths' own, each repository's files', then the rules read twice and the ids shared.
    public var allDiagnostics: [Diagnostic] { diagnostics + imports.flatMap(\.diagnostics) + duplicates + sharedIDs }
    public var filesSeen: Int { imports.reduce(0) { $0 + $1.filesSeen } }
}

public enum RuleRepositories {
    /// Checked in this order: the more specific layouts first (a Sigma folder is any folder of YAML files).
    public static let detectionOrder: [RuleSource] = [.threatHunterPlaybook, .car, .eql, .sentinel, .elastic, .sigma]

    public static func recognises(_ source: RuleSource, _ path: String) -> Bool {
        switch source {
        case .sigma: SigmaMetadataReader.recognises(path)
        case .elastic: ElasticReader.recognises(path)
        case .car: CARReader.recognises(path)
        case .eql: EQLReader.recognises(path)
        case .sentinel: SentinelReader.recognises(path)
        case .threatHunterPlaybook: ThreatHunterPlaybookReader.recognises(path)
        }
    }

    public static func read(_ path: String, as source: RuleSource) -> RuleImport {
        switch source {
        case .sigma: SigmaMetadataReader.read(path)
        case .elastic: ElasticReader.read(path)
        case .car: CARReader.read(path)
        case .eql: EQLReader.read(path)
        case .sentinel: SentinelReader.read(path)
        case .threatHunterPlaybook: ThreatHunterPlaybookReader.read(path)
        }
    }

    /// The kind of repository at `path`, or nil when no reader recognises it.
    public static func kind(of path: String) -> RuleSource? {
        detectionOrder.first { recognises($0, path) }
    }

    /// Reads every path: a repository (of the kind given, or recognised), a single rule file, or a folder whose
    /// immediate subfolders are repositories (such as `shared/rules`).
    public static func read(_ paths: [String], as source: RuleSource? = nil) -> RepositoryImport {
        var result = RepositoryImport()
        for path in paths {
            guard FileBytes.exists(path) else {
                result.diagnostics.append(Diagnostic(SourceLocation(file: path), code: "io-open", "no such file or folder"))
                continue
            }
            if let source {
                result.imports.append(read(path, as: source))
                continue
            }
            // A folder of repositories of different kinds (`shared/rules`) is read repository by repository, unless
            // its own layout says what it is (CAR's data_model/ beside analytics/ is no Sigma repository). Sigma's
            // test, "a folder of YAML files", is too weak to decide that on its own.
            let kind = kind(of: path)
            let repositories =
                kind == nil || kind == .sigma ? subfolders(path).compactMap { folder in self.kind(of: folder).map { (folder, $0) } } : []
            if Set(repositories.map(\.1)).count < 2 {
                if let kind {
                    result.imports.append(read(path, as: kind))
                    continue
                } else if repositories.isEmpty {
                    result.diagnostics.append(
                        Diagnostic(
                            SourceLocation(file: path), code: "unrecognised-repository",
                            "not a rule repository Vigil knows (Sigma, Elastic, CAR, EQL, Sentinel-ATT&CK, Threat Hunter Playbook)"))
                    continue
                }
            }
            for (folder, kind) in repositories { result.imports.append(read(folder, as: kind)) }
        }
        result.countEachRuleOnce()
        return result
    }

    static func subfolders(_ path: String) -> [String] { RepositoryFiles.entries(path).folders }
}
