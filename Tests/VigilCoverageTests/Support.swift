// Test support: the shared rule repositories (read once per test process) and scratch folders for bad input.

import Testing
import VigilCore
import VigilTestSupport

@testable import VigilCoverage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum Repositories {
    /// `shared/rules/<name>`; throws SharedData.Missing (failing the test) when the data is absent.
    static func path(_ name: String) throws -> String { try SharedData.path("rules/" + name) }

    /// Each repository read once: the readers are deterministic and the suites only look.
    static let imports: [String: RuleImport] = {
        var result: [String: RuleImport] = [:]
        for name in ["sigma", "elastic", "car", "eqllib", "sentinel-attack", "threat-hunter-playbook"] {
            guard let path = try? path(name) else { continue }
            result[name] = RuleRepositories.read([path]).imports.first
        }
        return result
    }()

    static func read(_ name: String) throws -> RuleImport {
        _ = try path(name)
        return try #require(imports[name], "\(name) was not recognised as a rule repository")
    }

    static func rule(_ name: String, id: String) throws -> DetectionRule {
        try #require(try read(name).rules.first { $0.id == id }, "no rule \(id) in \(name)")
    }
}

/// A fresh folder under /tmp holding the given files (name → bytes), removed by `remove()`.
struct ScratchFolder {
    let path: String

    init(_ files: [String: [UInt8]]) throws {
        var template = Array("/tmp/vigil-coverage-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: try #require(made))
        for (name, bytes) in files {
            let full = path + "/" + name
            if let slash = full.lastIndex(of: "/") { mkdirs(String(full[..<slash])) }
            let handle = try #require(fopen(full, "wb"), "cannot write \(full)")
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, handle) }
            fclose(handle)
        }
    }

    init(text files: [String: String]) throws { try self.init(files.mapValues { Array($0.utf8) }) }

    private func mkdirs(_ folder: String) {
        var current = ""
        for part in folder.split(separator: "/") {
            current += "/" + part
            mkdir(current, 0o755)
        }
    }

    func remove() {
        for file in FileBytes.files(under: path) { unlink(file) }
        // Deepest folders first.
        var folders: [String] = []
        var pending = [path]
        while let folder = pending.popLast() {
            folders.append(folder)
            pending.append(contentsOf: RepositoryFiles.entries(folder).folders)
        }
        for folder in folders.reversed() { rmdir(folder) }
    }
}
