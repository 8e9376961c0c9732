"""Validates ATT&CK Navigator layer files with MITRE's own loader (mitreattack-python's navlayers).

Usage: validate_layers.py LAYER.json...  Prints one line per file; exits 1 when any file fails to load
strictly or loses techniques on a round trip through the library.
"""
import json
import sys

from mitreattack.navlayers import Layer

failed = 0
for path in sys.argv[1:]:
    with open(path) as f:
        raw = json.load(f)
    layer = Layer(strict=True)
    try:
        layer.from_dict(raw)
        back = layer.to_dict()
    except Exception as e:  # the library raises on malformed layers
        print(f"FAIL {path}: {e}")
        failed += 1
        continue
    if back is None:
        print(f"FAIL {path}: not loadable")
        failed += 1
        continue
    want = len(raw.get("techniques", []))
    got = len(back.get("techniques", []))
    if want != got or back.get("versions", {}).get("layer") != "4.5":
        print(f"FAIL {path}: {got} of {want} techniques survived, versions {back.get('versions')}")
        failed += 1
        continue
    print(f"OK {path}: {got} techniques, versions {back['versions']}")
sys.exit(1 if failed else 0)
