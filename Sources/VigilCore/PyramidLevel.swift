// The Pyramid of Pain's levels, shared by coverage (what a rule keys on) and hunting (what an indicator
// is): from the cheapest thing for an adversary to change (hash values) to the most expensive (behaviour).

public enum PyramidLevel: Int, Sendable, Codable, CaseIterable, Comparable {
    case hashValues = 1
    case ipAddresses
    case domainNames
    case artifacts
    case tools
    case ttps

    public var title: String {
        switch self {
        case .hashValues: "hash values"
        case .ipAddresses: "IP addresses"
        case .domainNames: "domain names"
        case .artifacts: "network/host artifacts"
        case .tools: "tools"
        case .ttps: "TTPs"
        }
    }

    public var key: String {
        switch self {
        case .hashValues: "hash"
        case .ipAddresses: "ip"
        case .domainNames: "domain"
        case .artifacts: "artifact"
        case .tools: "tool"
        case .ttps: "ttp"
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
