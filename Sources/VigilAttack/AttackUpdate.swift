// `vigil attack update`: fetch the latest bundles from MITRE's public attack-stix-data repository
// (or any mirror with the same layout, e.g. inside an air-gapped network) and install them.

import VigilCore
import VigilHTTP

public enum AttackUpdate {
    /// MITRE's repository layout: `<base>/<domain>/<domain>.json` is the latest release of each domain.
    public static let defaultBaseURL = "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master"

    public struct Installed: Sendable {
        public var domain: Domain
        public var version: String
        public var path: String
        public var bytes: Int
    }

    /// Downloads each domain's latest bundle, validates it with the STIX loader and installs it.
    /// A domain that fails is reported and the others still install.
    public static func run(
        baseURL: String = defaultBaseURL, domains: [Domain], into folder: String = AttackSource.attackFolder, timeout: Double = 120
    )
        -> (installed: [Installed], failures: [Diagnostic])
    {
        var installed: [Installed] = []
        var failures: [Diagnostic] = []
        for domain in domains {
            let url =
                baseURL.hasSuffix("/")
                ? baseURL + "\(domain.rawValue)/\(domain.rawValue).json" : baseURL + "/\(domain.rawValue)/\(domain.rawValue).json"
            do {
                let bytes = try download(url, timeout: timeout)
                let kb = try STIXLoader.load(bytes: bytes, source: url)
                guard kb.info.domain == domain else {
                    throw Diagnostic(
                        SourceLocation(file: url), code: "attack-wrong-domain", "expected \(domain.title), got \(kb.info.domain.title)")
                }
                let path = try AttackSource.install(bytes, inflated: bytes, as: kb.info, into: folder)
                installed.append(Installed(domain: domain, version: kb.info.version, path: path, bytes: bytes.count))
            } catch let error as Diagnostic {
                failures.append(error)
            } catch {
                failures.append(Diagnostic(SourceLocation(file: url), code: "attack-download", "\(error)"))
            }
        }
        return (installed, failures)
    }

    /// A blocking HTTP(S) GET (redirects followed); non-2xx answers and transport errors become diagnostics.
    static func download(_ address: String, timeout: Double) throws(Diagnostic) -> [UInt8] {
        let response: HTTP.Response
        do { response = try HTTP.get(address, timeout: timeout, maxBytes: 1 << 30) } catch {
            throw Diagnostic(SourceLocation(file: address), code: "attack-download", "download failed: \(error.reason)")
        }
        guard response.isSuccess else {
            throw Diagnostic(SourceLocation(file: address), code: "attack-download", "server answered HTTP \(response.status)")
        }
        return response.body
    }
}
