// Rule inputs shared by the commands that load Sigma rules (rules check, hunt, timeline, convert): placeholder values
// and the logsource mapping.
import ArgumentParser
import VigilCore
import VigilLogs
import VigilSigma

struct SigmaInputs: ParsableArguments {
    @Option(help: "YAML file with values for %placeholders% used by |expand.")
    var placeholders: String?

    @Option(
        name: [.customLong("mapping"), .customLong("pipeline")],
        help: "YAML logsource/field mapping (the processing pipeline: logsources, renames, value maps) that extends the built-in one.")
    var mapping: String?

    /// How JSON events of non-Windows sources are recognised: the built-in event sources, after those of
    /// `--mapping FILE` (its `event-sources` section).
    func eventSources() throws -> JSONSources {
        guard let mapping else { return .builtin }
        do {
            let bytes = try FileBytes.read(mapping)
            return JSONSources.builtin.overlaid(with: try JSONSources(yaml: String(decoding: bytes, as: UTF8.self), file: mapping))
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
    }

    /// This command's placeholder values and logsource mapping.
    func load() throws -> (Placeholders, LogsourceMapping) { try Self.load(placeholders: placeholders, mapping: mapping) }

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
