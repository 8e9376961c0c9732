"""Load and parse every Sigma rule under the given folders with pySigma (the peer for `vigil rules check`).

Prints one JSON object: seconds, rules loaded, errors. Conditions are parsed explicitly because pySigma
parses them lazily."""
import json
import sys
import time
from pathlib import Path

from sigma.collection import SigmaCollection

start = time.perf_counter()
files = [p for root in sys.argv[1:] for p in sorted(Path(root).rglob("*.yml"))]
collection = SigmaCollection.load_ruleset(files, collect_errors=True)
rules = 0
errors = 0
for rule in collection.rules:
    errors += len(rule.errors)
    try:
        if hasattr(rule, "detection"):
            for condition in rule.detection.parsed_condition:
                condition.parse()
        rules += 1
    except Exception:  # noqa: BLE001 — counted, like Vigil's rejections
        errors += 1
print(json.dumps({"seconds": time.perf_counter() - start, "files": len(files), "rules": rules, "errors": errors}))
