// Which event fields hold what kind of value, for the parts of an indicator sweep that depend on the
// field. Hashes, URLs and whole-value IP addresses are looked for in every field; this table only adds
// what a value cannot tell about itself: that a Sysmon QueryResults is a list of addresses, that a
// QueryName is a host name (and so a domain indicator may match a sub-domain of it), that an Image is a
// path (matched by its tails) and that a CommandLine is made of tokens that may be paths.

/// How a field's value is read, beyond the checks every value gets.
public enum IndicatorFieldRole: Int32, Sendable, CaseIterable {
    /// One or more IP addresses, possibly with a port (`10.0.0.5:443`, `[fe80::1]:80`) or in a list.
    case address
    /// A host name: matched against domain indicators, sub-domains included.
    case hostName
    /// A file, registry or pipe path, or a bare file name: matched as a whole and by its tails.
    case path
    /// A command line: each token (quoted or not) is read as a path.
    case commandLine
}

public enum IndicatorFields {
    /// Field names (Sigma's names for Windows and Sysmon events, and ECS names for flat exports) by role.
    /// Matched ignoring case; `winlog.event_data.X` and `event_data.X` are looked up as `X`.
    public static let table: [(name: String, role: IndicatorFieldRole)] =
        [
            // Sysmon 3 and 22, Security 4624/4625/4648/4768/4769/5140/5145/5156, RDP 21/25, ECS, W3C.
            "SourceIp", "DestinationIp", "IpAddress", "ClientAddress", "ClientIP", "SourceAddress", "DestAddress", "DestinationAddress",
            "RemoteAddress", "RemoteIP", "Address", "QueryResults", "source.ip", "destination.ip", "client.ip", "server.ip", "host.ip",
            "related.ip", "c-ip", "s-ip", "src_ip", "dst_ip",
        ].map { ($0, .address) }
        + [
            // Sysmon 3 and 22, Security 4648, ECS.
            "QueryName", "DestinationHostname", "SourceHostname", "TargetServerName", "dns.question.name", "url.domain",
            "destination.domain",
            "source.domain", "server.domain", "client.domain", "cs-host", "query",
        ].map { ($0, .hostName) }
        + [
            // Sysmon 1/5/6/7/8/10/11/15/17/18/23/26, Security 4688/4689/4663/5145/5156, PowerShell 4104, ECS.
            "Image", "ParentImage", "TargetFilename", "ImageLoaded", "SourceImage", "TargetImage", "OriginalFileName", "NewProcessName",
            "ParentProcessName", "ProcessName", "Application", "TargetObject", "PipeName", "RelativeTargetName", "ShareName", "ObjectName",
            "CurrentDirectory", "Path", "ScriptName", "FileName", "file.path", "file.name", "process.executable", "process.name",
            "process.parent.executable", "process.parent.name", "dll.path", "dll.name", "registry.path",
        ].map { ($0, .path) }
        + [
            // Sysmon 1 and 13, Security 4688 and 7045 (service command), ECS.
            "CommandLine", "ParentCommandLine", "ProcessCommandLine", "ServiceFileName", "ImagePath", "Details", "process.command_line",
            "process.parent.command_line",
        ].map { ($0, .commandLine) }
}
