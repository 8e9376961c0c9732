#!/usr/bin/env python3
"""A detection team's day, applied to a copy of the six rule repositories and an inventory.

    evolve.py init STATE RULES               hold back 8% of the Sigma and Elastic rules as the year's new rules
    evolve.py day STATE RULES INVENTORY N    day N's changes, seeded by N (the same N gives the same changes)

Each day: 0-4 held-back rules are added, a rule is retired on some days, 3-12 rules are edited (a reviewed
comment, so the file's hash changes and nothing else), 0-3 are re-rated (Sigma `level`, Elastic `severity`);
every 14th day an Elastic release bumps `updated_date` in 80 rules; every 21st day the inventory changes (a
quality score, an event ID, a log source dropped and onboarded again three weeks later). Prints one line.
"""
import json
import os
import random
import re
import shutil
import sys

import yaml

RULE = re.compile(
    r"^(sigma/rules[^/]*/.*\.yml|elastic/(rules|rules_building_block|hunting)/.*\.toml|car/analytics/.*\.yaml"
    r"|eqllib/eqllib/analytics/.*\.toml|sentinel-attack/detections/.*\.txt|threat-hunter-playbook/docs/hunts/.*\.yaml)$"
)
GROWING = re.compile(r"^(sigma/rules|elastic/rules)")
LEVELS = ["low", "medium", "high", "critical"]


def rules(root):
    found = []
    for folder, _, files in os.walk(root):
        for name in files:
            rel = os.path.relpath(os.path.join(folder, name), root)
            if RULE.match(rel):
                found.append(rel)
    return sorted(found)


def load(state):
    with open(os.path.join(state, "state.json")) as f:
        return json.load(f)


def store(state, data):
    with open(os.path.join(state, "state.json"), "w") as f:
        json.dump(data, f)


def init(state, root):
    rng = random.Random(2026)
    growing = [r for r in rules(root) if GROWING.match(r)]
    pool = sorted(rng.sample(growing, len(growing) * 8 // 100))
    for rel in pool:
        target = os.path.join(state, "pool", rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.move(os.path.join(root, rel), target)
    store(state, {"pool": pool, "dropped": []})
    print(f"{len(rules(root))} rules now, {len(pool)} held back for the year")


def comment(rel):
    return "// " if rel.endswith(".txt") else "# "


def edit(root, rel, day):
    with open(os.path.join(root, rel), "a") as f:
        f.write(f"\n{comment(rel)}reviewed on day {day}\n")


def rerate(root, rel, rng):
    path = os.path.join(root, rel)
    with open(path) as f:
        text = f.read()
    if rel.endswith(".yml"):
        pattern, template = re.compile(r"^level: *(\w+)", re.M), "level: {}"
    elif rel.endswith(".toml"):
        pattern, template = re.compile(r'^severity *= *"(\w+)"', re.M), 'severity = "{}"'
    else:
        return False
    m = pattern.search(text)
    if not m or m.group(1) not in LEVELS:
        return False
    new = rng.choice([lvl for lvl in LEVELS if lvl != m.group(1)])
    with open(path, "w") as f:
        f.write(text[: m.start()] + template.format(new) + text[m.end() :])
    return True


def release(root, rng, day):
    elastic = [r for r in rules(root) if r.startswith("elastic/rules/")]
    date = f"2026/{1 + day // 31 % 12:02d}/{1 + day % 28:02d}"
    for rel in rng.sample(elastic, min(80, len(elastic))):
        path = os.path.join(root, rel)
        with open(path) as f:
            text = f.read()
        text, n = re.subn(r'^updated_date *= *"[^"]*"', f'updated_date = "{date}"', text, count=1, flags=re.M)
        if n == 0:
            text += f"\n# updated on day {day}\n"
        with open(path, "w") as f:
            f.write(text)


def inventory(path, state, data, rng, day):
    with open(path) as f:
        inv = yaml.safe_load(f)
    sources = inv["log_sources"]
    back = [d for d in data["dropped"] if d["day"] + 21 <= day]
    for d in back:
        sources.append(d["source"])
        data["dropped"].remove(d)
    kind = ["quality", "event", "drop"][day // 21 % 3]
    what = f"{len(back)} log source(s) onboarded again"
    if kind == "quality":
        s = rng.choice([s for s in sources if "quality" in s])
        dim = rng.choice(sorted(s["quality"]))
        s["quality"][dim] = max(0, min(5, s["quality"][dim] + rng.choice([-1, 1])))
        what += f", {s['name']} {dim} now {s['quality'][dim]}"
    elif kind == "event":
        s = rng.choice([s for s in sources if s.get("windows")])
        channel = rng.choice(s["windows"])
        channel["event_ids"] = sorted(set(channel.get("event_ids", [])) | {rng.choice([4663, 4657, 4719, 4738, 5156, 7045, 4104])})
        what += f", {s['name']} collects {channel['event_ids'][-1]}"
    elif len(sources) > 3:
        s = sources.pop(rng.randrange(len(sources)))
        data["dropped"].append({"day": day, "source": s})
        what += f", {s['name']} dropped"
    with open(path, "w") as f:
        yaml.safe_dump(inv, f, sort_keys=False, allow_unicode=True)
    return what


def day(state, root, inventory_path, n):
    data = load(state)
    rng = random.Random(n)
    notes = []
    added = rng.choice([0, 1, 1, 2, 2, 3, 4])
    for rel in [data["pool"].pop(rng.randrange(len(data["pool"]))) for _ in range(min(added, len(data["pool"])))]:
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        shutil.move(os.path.join(state, "pool", rel), os.path.join(root, rel))
    notes.append(f"+{added}")
    current = rules(root)
    if rng.random() < 0.4:
        os.remove(os.path.join(root, rng.choice([r for r in current if GROWING.match(r)])))
        notes.append("-1")
        current = rules(root)
    edits = rng.randint(3, 12)
    for rel in rng.sample(current, edits):
        edit(root, rel, n)
    notes.append(f"{edits} edited")
    rerated = sum(rerate(root, rel, rng) for rel in rng.sample(current, rng.randint(0, 3)))
    notes.append(f"{rerated} re-rated")
    if n % 14 == 0:
        release(root, rng, n)
        notes.append("Elastic release: 80 rules updated")
    if n % 21 == 0:
        notes.append(inventory(inventory_path, state, data, rng, n))
    store(state, data)
    print(f"day {n}: " + ", ".join(notes))


if __name__ == "__main__":
    if sys.argv[1] == "init":
        init(sys.argv[2], sys.argv[3])
    else:
        day(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
