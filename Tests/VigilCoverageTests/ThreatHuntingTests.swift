// Threat-informed hunting: rules chosen by technique, tactic and actor, counted against Python's reading of the
// SigmaHQ rule files and MITRE's bundle; the observed-technique layer loaded by mitreattack-python's navlayers, its
// scores counted from the hunt's own JSON lines, and the closest groups recomputed in Python from the STIX bundle.
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite struct ThreatHuntingTests {
    /// The `selection:` lines of a hunt's standard error: selector name → rules chosen.
    static func chosen(_ stderr: String) -> [String: Int] {
        var result: [String: Int] = [:]
        for line in stderr.split(separator: "\n") where line.hasPrefix("selection: ") {
            guard let colon = line.range(of: ": ", range: line.index(line.startIndex, offsetBy: 11)..<line.endIndex),
                let count = line[colon.upperBound...].split(separator: ",").dropFirst().first?.split(separator: " ").first.flatMap({
                    Int($0)
                })
            else { continue }
            result[String(line[line.index(line.startIndex, offsetBy: 11)..<colon.lowerBound])] = count
        }
        return result
    }

    /// Python: SigmaHQ's rule files read with PyYAML; a rule is chosen when a tag names a technique of the selection
    /// (the technique and its sub-techniques; the actor's techniques from MITRE's bundle, `uses` relationships of the
    /// intrusion set to active attack patterns) or, for a tactic, when its tags name the tactic or one of its techniques.
    static let reference = """
        import glob, gzip, json, sys, yaml
        rules_dir, bundle_path, crosswalk_path = sys.argv[1], sys.argv[2], sys.argv[3]
        objects = json.load(gzip.open(bundle_path))['objects']
        active = lambda o: not o.get('revoked') and not o.get('x_mitre_deprecated')
        ext = lambda o: next((r['external_id'] for r in o.get('external_references', []) if r.get('source_name') == 'mitre-attack'), None)
        patterns = {o['id']: o for o in objects if o['type'] == 'attack-pattern' and active(o)}
        # A tag resolves as rule tags do: an active ID as itself, a revoked one along MITRE's revoked-by relationships,
        # a v19 ID to the v18.1 techniques the shared crosswalk revokes into it (or into its parent).
        by_ext = {ext(o): o for o in objects if o['type'] == 'attack-pattern'}
        revoked_by = {r['source_ref']: r['target_ref'] for r in objects if r['type'] == 'relationship' and r['relationship_type'] == 'revoked-by'}
        replaced_by = {}
        for old, new in yaml.safe_load(open(crosswalk_path))['revoked'].items(): replaced_by.setdefault(new, []).append(old)
        def resolve(tag):
            o = by_ext.get(tag)
            if o is None:
                # A v19 sub-technique the crosswalk does not list lands where its parent does (Vigil says so: "via parent").
                olds = replaced_by.get(tag) or replaced_by.get(tag.split('.')[0], [])
                return [t for t in olds if t in by_ext]
            seen = 0
            while o.get('revoked') and o['id'] in revoked_by and seen < 10:
                o = next(x for x in objects if x['id'] == revoked_by[o['id']]); seen += 1
            return [ext(o)] if active(o) else []
        group = next(o for o in objects if o['type'] == 'intrusion-set' and ext(o) == 'G0016')
        apt29 = {ext(patterns[r['target_ref']]) for r in objects if r['type'] == 'relationship' and r['relationship_type'] == 'uses'
                 and r['source_ref'] == group['id'] and r['target_ref'] in patterns and active(r)}
        evasion = {ext(o) for o in patterns.values() if any(p['phase_name'] == 'defense-evasion' for p in o.get('kill_chain_phases', []))}
        selections = {
            'T1003': lambda techs, tactics: any(t == 'T1003' or t.startswith('T1003.') for t in techs),
            'APT29': lambda techs, tactics: any(t in apt29 for t in techs),
            'Defense Evasion': lambda techs, tactics: 'defense-evasion' in tactics or any(t in evasion for t in techs),
        }
        counts = {name: 0 for name in selections}
        for path in glob.glob(rules_dir + '/**/*.yml', recursive=True):
            for doc in yaml.safe_load_all(open(path, encoding='utf-8')):
                if not isinstance(doc, dict) or 'detection' not in doc: continue
                tags = [str(t).lower() for t in doc.get('tags') or []]
                techs = [r for t in tags if t.startswith('attack.t') and t[8:9].isdigit() for r in resolve(t[7:].upper())]
                tactics = [t[7:] for t in tags if t.startswith('attack.')]
                for name, chosen in selections.items():
                    if chosen(techs, tactics): counts[name] += 1
        print(json.dumps(counts))
        """

    @Test func rulesChosenByTechniqueActorAndTacticAreThoseAReadingOfTheFilesChooses() throws {
        let rules = try SharedData.path("rules/sigma/rules/windows")
        let logs = try SharedData.path("logs/sysmon-json/covenant_dcsync_dcerpc_drsuapi_DsGetNCChanges_2020-08-05020926.json.gz")
        let run = try ProcessRunner.vigil(
            ["hunt", "--rules", rules, "--technique", "T1003", "--actor", "APT29", "--tactic", "Defense Evasion", "--quiet", logs])
        #expect(run.status == 1, "\(run.stderr)")
        let vigil = Self.chosen(run.stderr)
        let python = try ProcessRunner.python(
            Self.reference,
            [rules, try SharedData.path("attack/enterprise-attack-18.1.json.gz"), try SharedData.path("attack/attack_v18_to_v19.yaml")])
        let expected = try JSONDecoder().decode([String: Int].self, from: Data(python.utf8))
        #expect(vigil["technique T1003 OS Credential Dumping"] == expected["T1003"], "\(run.stderr)")
        #expect(vigil["actor APT29 (ATT&CK G0016)"] == expected["APT29"], "\(run.stderr)")
        #expect(vigil["tactic Defense Evasion"] == expected["Defense Evasion"], "\(run.stderr)")
        #expect((expected["T1003"] ?? 0) > 50)
        // A hunt that cannot see a technique says so: APT29's techniques no Windows rule maps to.
        #expect(run.stderr.contains("APT29 (ATT&CK G0016): 66 techniques") && run.stderr.contains("no runnable rule for"))
    }

    @Test func anUnknownTechniqueTacticOrActorIsBadInputWithTheClosestMatches() throws {
        let rules = try SharedData.path("rules/sigma/rules/windows/builtin/security")
        let logs = try SharedData.path("logs/evtx-attack-samples/Credential Access/CA_DCSync_4662.evtx")
        let run = try ProcessRunner.vigil(
            ["hunt", "--rules", rules, "--technique", "T1003.99", "--tactic", "defence-evasion", "--actor", "APT2999", logs])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\"T1003.99\" is no ATT&CK Enterprise technique; closest: T1003 OS Credential Dumping"))
        #expect(run.stderr.contains("\"defence-evasion\" is no ATT&CK Enterprise tactic; closest: defense-evasion (TA0005)"))
        #expect(run.stderr.contains("\"APT2999\" is no ATT&CK Enterprise group, campaign or software; closest: G0016 APT29"))
        #expect(run.stdout.isEmpty)
        let timeline = try ProcessRunner.vigil(["timeline", "--rules", rules, "--technique", "T9999", logs])
        #expect(timeline.status == 2)
        #expect(timeline.stderr.contains("\"T9999\" is no ATT&CK Enterprise technique"))
    }

    /// Python's closest groups from MITRE's bundle for the observed set the layer holds: Jaccard of technique sets at
    /// the technique level over active intrusion sets' `uses` of active attack patterns.
    static let closest = """
        import gzip, json, sys
        layer = json.load(open(sys.argv[1]))
        objects = json.load(gzip.open(sys.argv[2]))['objects']
        active = lambda o: not o.get('revoked') and not o.get('x_mitre_deprecated')
        ext = lambda o: next((r['external_id'] for r in o.get('external_references', []) if r.get('source_name') == 'mitre-attack'), None)
        patterns = {o['id']: ext(o).split('.')[0] for o in objects if o['type'] == 'attack-pattern' and active(o)}
        groups = {o['id']: o for o in objects if o['type'] == 'intrusion-set' and active(o)}
        uses = {}
        for r in objects:
            if r['type'] == 'relationship' and r['relationship_type'] == 'uses' and r['source_ref'] in groups and r['target_ref'] in patterns and active(r):
                uses.setdefault(r['source_ref'], set()).add(patterns[r['target_ref']])
        observed = {t['techniqueID'].split('.')[0] for t in layer['techniques']}
        scores = []
        for gid, used in uses.items():
            shared = observed & used
            if shared: scores.append((-round(len(shared) / len(observed | used), 3), ext(groups[gid])))
        print(json.dumps([[g, -s] for s, g in sorted(scores)[:5]]))
        """

    @Test func theObservedTechniqueLayerLoadsInNavlayersCountsTheDetectionsAndNamesTheClosestGroups() throws {
        let folder = NSTemporaryDirectory() + "vigil-observed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let layer = folder + "/observed.json"
        let rules = try SharedData.path("rules/sigma/rules/windows")
        let logs = try SharedData.path("logs/evtx-attack-samples")
        let run = try ProcessRunner.vigil(["hunt", "--rules", rules, "--technique", "T1003", "--format", "jsonl", "--layer", layer, logs])
        #expect(run.status == 1, "\(run.stderr)")
        let python = try PythonPeer.mitreattackPython.get()
        let (status, output) = try PythonPeer.run(python, [SharedData.packageRoot() + "/Tests/Support/validate_layers.py", layer])
        #expect(status == 0, "\(output)")

        // Scores and hosts: each technique's detections, counted in Python from the hunt's own JSON lines: a tag active
        // in MITRE's v18.1 bundle counts as itself, a v19 tag as the v18.1 technique the shared crosswalk revokes into it.
        let jsonl = folder + "/detections.jsonl"
        try Data(run.stdout.utf8).write(to: URL(fileURLWithPath: jsonl))
        let check = try ProcessRunner.python(
            """
            import collections, gzip, json, sys, yaml
            layer = {t['techniqueID']: t for t in json.load(open(sys.argv[1]))['techniques']}
            objects = json.load(gzip.open(sys.argv[3]))['objects']
            v18 = {r['external_id'] for o in objects if o['type'] == 'attack-pattern' and not o.get('revoked') and not o.get('x_mitre_deprecated')
                   for r in o.get('external_references', []) if r.get('source_name') == 'mitre-attack'}
            replaced_by = collections.defaultdict(list)
            for old, new in yaml.safe_load(open(sys.argv[4]))['revoked'].items(): replaced_by[new].append(old)
            counts, hosts = collections.Counter(), collections.defaultdict(set)
            for line in open(sys.argv[2]):
                d = json.loads(line)
                ids = set()
                for t in d['techniques']:
                    if t in v18: ids.add(t)
                    else:
                        olds = [o for o in replaced_by.get(t, []) if o in layer]
                        ids.add(olds[0] if len(olds) == 1 else 'unresolved ' + t)
                for i in ids:
                    counts[i] += 1
                    hosts[i].add(d.get('computer'))
            problems = [f'{i}: python {counts[i]}, layer {layer.get(i, {}).get("score")}' for i in set(counts) | set(layer)
                        if counts[i] != layer.get(i, {}).get('score')]
            problems += [f'{i}: hosts' for i in layer if f'on {len(hosts[i])} host' not in layer[i]['comment']]
            print(json.dumps({'techniques': len(counts), 'problems': problems}))
            """,
            [
                layer, jsonl, try SharedData.path("attack/enterprise-attack-18.1.json.gz"),
                try SharedData.path("attack/attack_v18_to_v19.yaml"),
            ])
        struct Check: Decodable {
            var techniques: Int
            var problems: [String]
        }
        let result = try JSONDecoder().decode(Check.self, from: Data(check.utf8))
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(result.techniques > 5)

        // Closest groups: the same five, with the same similarity, as Python computes from MITRE's bundle.
        let reference = try ProcessRunner.python(Self.closest, [layer, try SharedData.path("attack/enterprise-attack-18.1.json.gz")])
        let expected = try JSONSerialization.jsonObject(with: Data(reference.utf8)) as? [[Any]] ?? []
        let printed = run.stderr.split(separator: "\n").filter { $0.hasPrefix("  G") }.map { line -> String in
            let parts = line.split(separator: " ")
            return "\(parts[0]) \(line.split(separator: ": ").dropFirst().first?.split(separator: " ").first ?? "")"
        }
        #expect(expected.count == 5)
        #expect(
            printed == expected.map { pair in "\(pair[0]) \(String(describing: pair[1]))" }, "\(printed) vs \(reference)")
    }
}

extension ThreatHuntingTests {
    /// The plan's hypotheses are the Threat Hunter Playbook hunts whose metadata maps to the technique, with their own
    /// hypothesis text; its analytics are the ones MITRE's bundle links to the technique through detection strategies;
    /// its Sigma rules are the ones whose tags resolve to it.
    @Test func aHuntPlanListsThePlaybooksHypothesesATTACKsAnalyticsAndTheRules() throws {
        let rules = try SharedData.path("rules")
        let run = try ProcessRunner.vigil(
            [
                "hunt", "plan", "--technique", "T1003.001", "--technique", "T1021.002", "--rules", rules + "/sigma/rules", "--rules",
                rules + "/threat-hunter-playbook", "--rules", rules + "/car", "--inventory",
                SharedData.packageRoot() + "/Examples/inventory.yaml",
                "--format", "json",
            ])
        #expect(run.status == 0, "\(run.stderr)")
        struct Plan: Decodable {
            struct Technique: Decodable {
                struct Hypothesis: Decodable {
                    var id: String
                    var hypothesis: String?
                    var link: String
                }
                struct Analytic: Decodable { var analytic: String }
                struct Rule: Decodable {
                    var source: String
                    var runsHere: Bool
                    var logsCollected: Bool?
                }
                var id: String
                var hypotheses: [Hypothesis]
                var analytics: [Analytic]
                var rules: [Rule]
            }
            var techniques: [Technique]
        }
        let plan = try JSONDecoder().decode(Plan.self, from: Data(run.stdout.utf8))
        #expect(plan.techniques.map(\.id) == ["T1003.001", "T1021.002"])
        let python = try ProcessRunner.python(
            """
            import glob, gzip, json, sys, yaml
            rules, bundle = sys.argv[1], sys.argv[2]
            wanted = ['T1003.001', 'T1021.002']
            hunts = {t: {} for t in wanted}
            for path in glob.glob(rules + '/threat-hunter-playbook/docs/hunts/*/*/metadata.yaml'):
                m = yaml.safe_load(open(path, encoding='utf-8'))
                for a in m.get('attack_mappings') or []:
                    subs = a.get('sub-technique', a.get('sub_technique'))
                    subs = subs if isinstance(subs, list) else [subs]
                    for s in subs:
                        t = a['technique'] + ('.' + str(s) if s not in (None, '', 'None') else '')
                        if t in hunts: hunts[t][m['id']] = m.get('hypothesis')
            objects = json.load(gzip.open(bundle))['objects']
            by_id = {o['id']: o for o in objects}
            ext = lambda o: next((r['external_id'] for r in o.get('external_references', []) if r.get('source_name') == 'mitre-attack'), None)
            live = lambda o: not o.get('revoked') and not o.get('x_mitre_deprecated')
            analytics = {t: set() for t in wanted}
            for r in objects:
                if r['type'] == 'relationship' and r['relationship_type'] == 'detects' and live(r):
                    target, strategy = by_id.get(r['target_ref']), by_id.get(r['source_ref'])
                    if target and strategy and ext(target) in analytics and live(strategy):
                        for a in strategy.get('x_mitre_analytic_refs', []):
                            if a in by_id and live(by_id[a]): analytics[ext(target)].add(ext(by_id[a]))
            sigma = {t: 0 for t in wanted}
            for path in glob.glob(rules + '/sigma/rules/**/*.yml', recursive=True):
                for doc in yaml.safe_load_all(open(path, encoding='utf-8')):
                    if isinstance(doc, dict) and 'detection' in doc:
                        tags = {str(t).lower() for t in doc.get('tags') or []}
                        for t in wanted:
                            if 'attack.' + t.lower() in tags: sigma[t] += 1
            print(json.dumps({'hunts': hunts, 'analytics': {t: sorted(a) for t, a in analytics.items()}, 'sigma': sigma}))
            """, [rules, try SharedData.path("attack/enterprise-attack-18.1.json.gz")])
        struct Reference: Decodable {
            var hunts: [String: [String: String?]]
            var analytics: [String: [String]]
            var sigma: [String: Int]
        }
        let reference = try JSONDecoder().decode(Reference.self, from: Data(python.utf8))
        for t in plan.techniques {
            let hunts = reference.hunts[t.id] ?? [:]
            #expect(Set(t.hypotheses.map(\.id)) == Set(hunts.keys), "\(t.id)")
            for h in t.hypotheses {
                #expect(h.hypothesis == hunts[h.id] ?? nil)
                #expect(h.link == "https://threathunterplaybook.com/hunts/windows/\(h.id)/notebook.html")
            }
            #expect(t.analytics.map(\.analytic).sorted() == reference.analytics[t.id], "\(t.id)")
            #expect(t.rules.count { $0.source == "sigma" } == reference.sigma[t.id], "\(t.id)")
            #expect(t.rules.filter { $0.source == "sigma" }.allSatisfy { $0.runsHere })
            #expect(t.rules.filter { $0.source == "car" }.allSatisfy { !$0.runsHere })
            #expect(t.rules.allSatisfy { $0.logsCollected != nil })
        }
        #expect(!(reference.hunts["T1003.001"] ?? [:]).isEmpty)
        // Without a selection, or with an unknown one: bad input.
        #expect(try ProcessRunner.vigil(["hunt", "plan", "--rules", rules + "/car"]).status == 2)
        let unknown = try ProcessRunner.vigil(["hunt", "plan", "--actor", "APT2999", "--rules", rules + "/car"])
        #expect(unknown.status == 2 && unknown.stderr.contains("closest: G0016 APT29"))
    }
}
