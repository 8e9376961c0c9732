// Elastic index patterns and integrations → data components: the most specific map key a pattern falls under,
// else the union of the keys a wildcard pattern covers; never "whichever key a Dictionary yields first".

import Testing
import VigilCore

@testable import VigilCoverage

@Suite struct ElasticIndexMatchTests {
    static let keys = [
        "logs-endpoint.events.process: [Process Creation]", "logs-endpoint.events.network: [Network Connection Creation]",
        "logs-endpoint.events.file: [File Creation]", "logs-endpoint.alerts: [Malware Metadata]",
        "logs-azure: [Cloud Service Modification]",
        "logs-system.security: [Logon Session Creation]", "logs-system.system: [Service Creation]", "winlogbeat: [Script Execution]",
    ]

    /// The same map with its keys written in the given order.
    static func map(_ keys: [String]) throws -> LogSourceMap {
        try LogSourceMap.parse("format: 1\nelastic_index:\n" + keys.map { "  " + $0 + "\n" }.joined(), source: "test")
    }

    static func components(_ map: LogSourceMap, _ kind: LogSourceNeed.Kind, _ name: String) -> [String]? {
        map.dataComponents(for: LogSourceNeed(kind: kind, product: name))
    }

    @Test func patternsResolveByARuleNotByOrder() throws {
        for keys in [Self.keys, Self.keys.reversed()] {
            let map = try Self.map(keys)
            // The longest key the pattern falls under, ending at a name boundary.
            #expect(Self.components(map, .elasticIndex, "logs-endpoint.events.process-*") == ["Process Creation"])
            #expect(Self.components(map, .elasticIndex, "logs-endpoint.events.process*") == ["Process Creation"])
            #expect(Self.components(map, .elasticIndex, "logs-azure.activitylogs-*") == ["Cloud Service Modification"])
            #expect(Self.components(map, .elasticIndex, "winlogbeat-*") == ["Script Execution"])
            #expect(Self.components(map, .elasticIndex, "logs-azure_openai*") == nil)
            #expect(Self.components(map, .elasticIndex, "endgame-*") == nil)
            // A wildcard broader than every key: all the keys it covers, in key order.
            #expect(
                Self.components(map, .elasticIndex, "logs-endpoint.events.*") == [
                    "File Creation", "Network Connection Creation", "Process Creation",
                ])
            // An integration is its data streams, logs-<integration>.*.
            #expect(
                Self.components(map, .elasticIntegration, "endpoint") == [
                    "Malware Metadata", "File Creation", "Network Connection Creation", "Process Creation",
                ])
            #expect(Self.components(map, .elasticIntegration, "system") == ["Logon Session Creation", "Service Creation"])
            #expect(Self.components(map, .elasticIntegration, "azure") == ["Cloud Service Modification"])
            #expect(Self.components(map, .elasticIntegration, "azure_openai") == nil)
        }
    }
}
