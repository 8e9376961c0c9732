"""How many rules pySigma converts for a sigma-cli target and pipeline (the benchmark times `sigma convert`
itself; this counts, rule by rule, what it converted). usage: count.py TARGET PIPELINE FOLDER..."""
import pathlib
import sys

from sigma.collection import SigmaCollection
from sigma.plugins import InstalledSigmaPlugins

target, pipeline, folders = sys.argv[1], sys.argv[2], sys.argv[3:]
plugins = InstalledSigmaPlugins.autodiscover()
backend_class = plugins.backends[target]
resolver = plugins.get_pipeline_resolver()
processing = resolver.resolve([pipeline]) if pipeline != "-" else None
backend = backend_class(processing_pipeline=processing) if processing else backend_class()
paths = [p for f in folders for p in sorted(pathlib.Path(f).rglob("*.yml"))]
collection = SigmaCollection.load_ruleset(paths, collect_errors=True)
converted = failed = 0
for rule in collection.rules:
    if getattr(rule, "errors", None):
        failed += 1
        continue
    try:
        queries = backend.convert_rule(rule)
        if queries:
            converted += 1
        else:
            failed += 1
    except Exception:  # noqa: BLE001 - a rule the backend cannot convert
        failed += 1
print(converted, failed)
