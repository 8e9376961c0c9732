// The rating table Vigil ships, embedded so that a copied binary has it; `vigil coverage --ratings FILE`
// replaces it with a user's copy of this text (print it, edit it, pass it back).

extension RatingTable {
    public static let defaultYAML = """
        # Vigil rating table, version 1.
        #
        # Every rule gets a severity and a detection rating. For each rule Vigil takes the FIRST row of the
        # rule's source whose `when` conditions all hold; a row without `when` matches every rule of its source.
        #
        # rating (1-5): how far an alert of the rule can be trusted as a detection of its techniques.
        #   5 excellent  mature, high-fidelity: alerting on it is routine
        #   4 good       reviewed or tested, a medium or higher signal
        #   3 fair       works, expect tuning in most estates (test status, low signal, ML anomalies)
        #   2 weak       experimental, low confidence, hunting queries and building blocks (no alert of their own)
        #   1 minimal    deprecated, unsupported or enrichment-only: it does not detect on its own
        # severity: used only when the rule has no severity of its own (CAR, EQL, THP, Elastic hunting queries);
        #   a rule's own severity (Sigma level, Elastic severity, Sentinel Severity) is always kept.
        # when: conditions on the rule, all of which must hold. Keys:
        #   status      the source's maturity word (Sigma status, Elastic maturity, CAR coverage, EQL confidence)
        #   severity    informational, low, medium, high, critical
        #   deprecated  true or false
        #   any qualifier a reader records: level, maturity, risk_score, type, language, purpose (hunting,
        #   building-block, detect, hunt, enrich), coverage, confidence, unsupported, Severity-like header fields
        # A condition's value is a word or a list of words (any of them, case-insensitive), a number range
        # (">= 73", "< 47", "21..46"), or `absent` (the rule has no such field).
        # why: a short reason, repeated in every rule's explanation.
        version: 1
        rows:
          # Sigma: `status` (stable > test > experimental) and `level`. Low and informational levels are, by
          # Sigma's own definition, signals to combine rather than alerts to act on.
          - source: sigma
            when: { deprecated: true }
            rating: 1
            why: deprecated Sigma rule
          - source: sigma
            when: { unsupported: true }
            rating: 1
            why: Sigma rule in unsupported/ (syntax current backends cannot run)
          - source: sigma
            when: { severity: informational }
            rating: 2
            why: informational level
          - source: sigma
            when: { severity: low, status: [stable, test] }
            rating: 3
            why: low level, stable or test status
          - source: sigma
            when: { severity: low }
            rating: 2
            why: low level, experimental status
          - source: sigma
            when: { status: stable, severity: [high, critical] }
            rating: 5
            why: stable status, high or critical level
          - source: sigma
            when: { status: stable }
            rating: 4
            why: stable status
          - source: sigma
            when: { status: test, severity: [high, critical] }
            rating: 4
            why: test status, high or critical level
          - source: sigma
            when: { status: test }
            rating: 3
            why: test status
          - source: sigma
            when: { status: experimental, severity: [high, critical] }
            rating: 3
            why: experimental status, high or critical level
          - source: sigma
            rating: 2
            severity: medium
            why: experimental or unmarked Sigma rule

          # Elastic: `metadata.maturity`, `risk_score` (21 low, 47 medium, 73 high, 99 critical by Elastic's
          # convention) and the rule type. Building blocks and hunting queries raise no alert of their own.
          - source: elastic
            when: { deprecated: true }
            rating: 1
            why: deprecated Elastic rule
          - source: elastic
            when: { purpose: hunting }
            rating: 2
            severity: low
            why: Elastic hunting query (run by an analyst, no alert)
          - source: elastic
            when: { purpose: building-block }
            rating: 2
            why: Elastic building-block rule (feeds other rules, no alert)
          - source: elastic
            when: { maturity: production, type: machine_learning }
            rating: 3
            why: production machine-learning anomaly rule
          - source: elastic
            when: { maturity: production, risk_score: ">= 73" }
            rating: 5
            why: production rule, risk score 73 or more
          - source: elastic
            when: { maturity: production, risk_score: ">= 47" }
            rating: 4
            why: production rule, risk score 47-72
          - source: elastic
            when: { maturity: production }
            rating: 3
            why: production rule, risk score under 47
          - source: elastic
            rating: 2
            severity: medium
            why: Elastic rule not in production maturity

          # MITRE CAR: the analytic's own `coverage` level (the weakest over its techniques). CAR has no severity.
          - source: car
            when: { coverage: high }
            rating: 4
            severity: medium
            why: CAR coverage High
          - source: car
            when: { coverage: [medium, moderate] }
            rating: 3
            severity: medium
            why: CAR coverage Moderate
          - source: car
            when: { coverage: low }
            rating: 2
            severity: medium
            why: CAR coverage Low
          - source: car
            rating: 2
            severity: medium
            why: CAR analytic without a coverage level

          # Endgame EQL: `confidence`, and the category (enrichment analytics gather context only).
          - source: eql
            when: { purpose: enrich }
            rating: 1
            severity: informational
            why: EQL enrichment analytic (context, not detection)
          - source: eql
            when: { purpose: hunt }
            rating: 2
            severity: low
            why: EQL hunting analytic
          - source: eql
            when: { confidence: high }
            rating: 4
            severity: high
            why: EQL confidence high
          - source: eql
            when: { confidence: medium }
            rating: 3
            severity: medium
            why: EQL confidence medium
          - source: eql
            rating: 2
            severity: low
            why: EQL confidence low or unstated

          # Sentinel-ATT&CK: community Sysmon rules (last updated 2021) with a Severity header and no maturity.
          - source: sentinel
            when: { severity: [high, critical] }
            rating: 3
            why: Sentinel-ATT&CK rule, severity High
          - source: sentinel
            rating: 2
            severity: medium
            why: Sentinel-ATT&CK rule, severity Medium or unstated

          # Threat Hunter Playbook: hunt notebooks an analyst runs; they raise no alert.
          - source: thp
            rating: 2
            severity: medium
            why: Threat Hunter Playbook hunt (manual, no alert)
        """
}
