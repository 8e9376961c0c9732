// The one locator for the read-only reference data (ATT&CK bundles, rule repositories, logs)
// that tests use: env VIGIL_SHARED, else `../shared` beside the package root. Test support, not product:
// nothing Vigil ships looks for this folder.
import VigilCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum SharedData {
    public struct Missing: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "shared data not found at \(path): set VIGIL_SHARED to the folder holding attack/, rules/, logs/ and dettect/"
        }
    }

    /// The package root, derived from a source file path inside `Sources/` or `Tests/`.
    public static func packageRoot(from sourceFile: String = #filePath) -> String {
        var parts = sourceFile.split(separator: "/", omittingEmptySubsequences: false)
        while let last = parts.popLast() {
            if last == "Sources" || last == "Tests" || last == "Benchmarks" { break }
        }
        return parts.joined(separator: "/")
    }

    public static func root(from sourceFile: String = #filePath) -> String {
        if let env = getenv("VIGIL_SHARED"), env.pointee != 0 { return String(cString: env) }
        return packageRoot(from: sourceFile) + "/../shared"
    }

    /// Path of an item under the shared folder; throws a clear error when it is absent.
    public static func path(_ relative: String, from sourceFile: String = #filePath) throws -> String {
        let path = root(from: sourceFile) + "/" + relative
        guard FileBytes.exists(path) else { throw Missing(path: path) }
        return path
    }
}
