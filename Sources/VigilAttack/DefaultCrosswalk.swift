// Vigil's default ATT&CK version crosswalk, shipped in the binary. `vigil attack crosswalk` prints it;
// a user's copy (--crosswalk FILE, or crosswalk.yaml in Vigil's data folder) replaces it.

enum DefaultCrosswalk {
    static let yaml = #"""
        # Vigil ATT&CK crosswalk (format 1).
        # Rules in the wild carry technique IDs from other ATT&CK versions. Each entry below says how IDs of
        # one version map to another. Vigil resolves in both directions: an ID of the newer version on data of
        # the older one (T1685 on v18.1 -> T1562.001), and an older ID on newer data.
        #
        # enterprise 18.1 -> 19 is PARTIAL: no v19 STIX bundle was available. Its facts come from
        # elastic/detection-rules' attack_v18_to_v19.yaml (which follows MITRE's revoked-by links for the IDs
        # Elastic's rules use), Elastic's remap notes, and the Sigma specification's v19 tactic list
        # (SigmaHQ/sigma-specification #218, #221). Replace this file with a complete one when MITRE's v19
        # bundle is at hand: `vigil attack diff` between two bundles lists the revoked IDs.
        format: 1
        crosswalks:
          - domain: enterprise-attack
            from: "18.1"
            to: "19"
            complete: false
            # old (from) ID -> the to-version ID that replaces it
            revoked:
              T1562: T1685
              T1562.001: T1685
              T1562.006: T1685
              T1562.002: T1685.001
              T1562.004: T1686
              T1562.007: T1686.001
              T1562.008: T1685.002
              T1562.010: T1689
              T1070.001: T1685.005
              T1070.002: T1685.006
              T1656: T1684.001
            # revoked in the to-version, replacement not known
            revoked_target_unknown: [T1562.003, T1562.009, T1562.011, T1562.012, T1562.013]
            # IDs new in the to-version, with their names
            new:
              T1684: Social Engineering
              T1684.001: Impersonation
              T1685: Disable or Modify Tools
              T1685.001: Disable or Modify Windows Event Log
              T1685.002: Disable or Modify Cloud Log
              T1685.005: Clear Windows Event Logs
              T1685.006: Clear Linux or Mac System Logs
              T1686: Disable or Modify System Firewall
              T1686.001: Cloud Firewall
              T1686.003: Windows Host Firewall
              T1687: Exploitation for Defense Impairment
              T1689: Downgrade Attack
            tactics:
              # to-version tactic shortname -> the from-version tactic it stands for on from-version data
              to_from:
                stealth: defense-evasion
                defense-impairment: defense-evasion
        """#
}
