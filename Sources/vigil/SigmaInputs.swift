// Rule inputs shared by `vigil rules check` and `vigil hunt`: placeholder values and the logsource mapping.
import ArgumentParser
import VigilCore
import VigilSigma

enum SigmaInputs {
    /// Placeholder values (`--placeholders FILE`) and the built-in logsource mapping overlaid with
    /// `--mapping FILE`; an unreadable file prints why and exits 2.
    static func load(placeholders: String?, mapping: String?) throws -> (Placeholders, LogsourceMapping) {
        var values: Placeholders = [:]
        if let placeholders {
            do { values = try RuleLoader.placeholders(file: placeholders) } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
        }
        var logsources = LogsourceMapping.builtin
        if let mapping {
            do {
                let bytes = try FileBytes.read(mapping)
                logsources = logsources.overlaid(with: try LogsourceMapping(yaml: String(decoding: bytes, as: UTF8.self), file: mapping))
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
        }
        return (values, logsources)
    }
}
