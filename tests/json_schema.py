#!/usr/bin/env python3
"""Validates check_ephemeral -o json outputs against docs/check_ephemeral.schema.json.

Usage: json_schema.py SCHEMA FILE...   Prints one line per invalid file, exits 1 if any;
exits 2 when python3-jsonschema is missing (the caller skips then)."""
import json
import sys

try:
    import jsonschema
except ImportError:
    sys.exit(2)

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    try:
        doc = json.load(open(path))
    except ValueError as e:
        print("%s: not JSON: %s" % (path, e))
        bad += 1
        continue
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path))[:3]:
        print("%s: %s: %s" % (path, "/".join(map(str, err.path)) or "(top)", err.message[:200]))
        bad += 1
sys.exit(1 if bad else 0)
