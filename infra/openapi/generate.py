#!/usr/bin/env python3
"""Derive the project's OpenAPI document (docs/openapi.json) from Chatwoot's.

Keeps the operations the project routes (tests/data/chatwoot-operations.tsv, which
tests/tests/suites/openapi.rs checks against the routers), applies the corrections of
corrections.py where Chatwoot's document disagrees with Chatwoot's real behaviour (which the
project follows), and drops the components nothing refers to any more.

Usage: python3 infra/openapi/generate.py [CHATWOOT_DOCUMENT] [OUTPUT]
  CHATWOOT_DOCUMENT defaults to ../shared/reference/chatwoot-openapi.json (beside the repo),
  OUTPUT to docs/openapi.json. `--check` compares instead of writing (exit 1 if stale).
"""
import copy
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corrections  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "tests" / "data" / "chatwoot-operations.tsv"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def routed_operations():
    """{(METHOD, path)} of the operations the project serves."""
    routed = set()
    for line in OPERATIONS.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        _function, method, path, _operation_id = line.split("\t")
        routed.add((method.upper(), path))
    return routed


def keep_routed(document, routed):
    paths = {}
    for path, item in document["paths"].items():
        kept = {
            key: value
            for key, value in item.items()
            if key not in METHODS or (key.upper(), path) in routed
        }
        if any(key in METHODS for key in kept):
            paths[path] = kept
    missing = routed - {
        (method.upper(), path)
        for path, item in paths.items()
        for method in item
        if method in METHODS
    }
    if missing:
        sys.exit(f"routed operations missing from Chatwoot's document: {sorted(missing)}")
    document["paths"] = paths


def references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def prune_components(document):
    """Keeps the components reachable from the paths (and the security schemes)."""
    components = document["components"]
    reachable = set()
    pending = list(references(document["paths"]))
    while pending:
        ref = pending.pop()
        if ref in reachable or not ref.startswith("#/components/"):
            continue
        reachable.add(ref)
        _, _, kind, name = ref.split("/", 3)
        pending.extend(references(components[kind][name]))
    for kind in ("schemas", "parameters"):
        components[kind] = {
            name: value
            for name, value in components[kind].items()
            if f"#/components/{kind}/{name}" in reachable
        }
    used_tags = {
        tag
        for item in document["paths"].values()
        for key, operation in item.items()
        if key in METHODS
        for tag in operation.get("tags", [])
    }
    document["tags"] = [tag for tag in document.get("tags", []) if tag["name"] in used_tags]
    document["x-tagGroups"] = [
        {**group, "tags": [tag for tag in group["tags"] if tag in used_tags]}
        for group in document.get("x-tagGroups", [])
        if any(tag in used_tags for tag in group["tags"])
    ]


def generate(chatwoot):
    document = copy.deepcopy(chatwoot)
    document["info"] = {
        **document["info"],
        "title": "Chatwoot-compatible API",
        "description": (
            "The operations this project implements, derived from Chatwoot's API document "
            "(infra/openapi/generate.py) with corrections where Chatwoot's real behaviour, "
            "which the project follows, differs from that document."
        ),
    }
    document["servers"] = [{"url": "/"}]
    keep_routed(document, routed_operations())
    corrections.apply(document)
    prune_components(document)
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    source = Path(args[0]) if args else ROOT.parent / "shared" / "reference" / "chatwoot-openapi.json"
    output = Path(args[1]) if len(args) > 1 else ROOT / "docs" / "openapi.json"
    text = generate(json.loads(source.read_text()))
    if check:
        if output.read_text() != text:
            sys.exit(f"{output} is stale: run python3 infra/openapi/generate.py")
        return
    output.write_text(text)
    print(f"wrote {output}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
