#!/usr/bin/env python3
"""Reads what `meson test -C BUILD` recorded and prints the suite's closing line,
"N passed, N failed": unit test cases from doctest's JUnit report, CLI rows from
each table's TAP output. Failed unit cases are listed with their messages (meson
prints the failed tables' TAP). With --all, a table in tests/cli that did not run counts as a failure (it is
missing from tests/meson.build). Usage: tests/summary.py BUILD [--all]"""
import json
import pathlib
import sys
import xml.etree.ElementTree as ET

build = pathlib.Path(sys.argv[1])
root = pathlib.Path(__file__).resolve().parent
passed = failed = 0
problems = []

# Unit tests: one <testcase> per doctest test case.
junit = build / "tests" / "unit.junit.xml"
try:
    cases = ET.parse(junit).getroot().iter("testcase")
    unit_pass = unit_fail = unit_skip = 0
    for case in cases:
        bad = case.findall("failure") + case.findall("error")
        if case.find("skipped") is not None and not bad:
            unit_skip += 1
        elif bad:
            unit_fail += 1
            for b in bad:
                text = (b.get("message") or "") + "\n" + (b.text or "")
                problems.append(f"unit: {case.get('name')}: {text.strip()}")
        else:
            unit_pass += 1
    print(f"unit: {unit_pass} passed, {unit_fail} failed, {unit_skip} skipped")
    passed += unit_pass
    failed += unit_fail
except (OSError, ET.ParseError) as e:
    problems.append(f"unit: no readable JUnit report ({e})")
    failed += 1

# CLI tables: the TAP rows meson recorded for each test of the 'cli' suite.
tables = set()
log = build / "meson-logs" / "testlog.json"
try:
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
except OSError as e:
    entries = []
    problems.append(f"cli: no meson test log ({e})")
    failed += 1
cli_pass = cli_fail = 0
for entry in entries:
    # meson names a test "PROJECT:SUITE / NAME"
    suite, _, name = entry["name"].partition(" / ")
    if suite.split(":")[-1] != "cli":
        continue
    tables.add(name)
    rows = (entry.get("stdout") or "").splitlines()
    ok = sum(1 for r in rows if r.startswith("ok "))
    bad = sum(1 for r in rows if r.startswith("not ok "))
    if entry.get("result") != "OK" and bad == 0:
        bad = 1  # a crash or time-out before any row failed
        problems.append(f"cli: table {name} ended {entry.get('result')} (exit {entry.get('returncode')})")
    cli_pass += ok
    cli_fail += bad
for table in sorted(p.name[:-len(".t.sh")] for p in (root / "cli").glob("*.t.sh")):
    if "--all" in sys.argv[2:] and table not in tables:
        problems.append(f"cli: table {table} did not run (is it listed in tests/meson.build?)")
        cli_fail += 1
print(f"cli: {cli_pass} passed, {cli_fail} failed")
passed += cli_pass
failed += cli_fail

for p in problems:
    print(p)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
