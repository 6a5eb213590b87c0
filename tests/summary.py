#!/usr/bin/env python3
"""Reads what `meson test -C BUILD` recorded and prints the suite's closing line,
"N passed, N failed": unit test cases from doctest's JUnit report, CLI rows from
each table's TAP output (rows marked "# SKIP" are counted apart), and, in a
sanitizer build, each report file the sanitizers left in BUILD/sanitizer-reports
as a failure. Failed unit cases are listed with their messages (meson prints
the failed tables' TAP). With --all before a BUILD, a table in tests/cli that
did not run in it counts as a failure (it is missing from tests/meson.build).
Several BUILDs (CI runs the normal and the sanitizer build) are summed into one
closing line. Usage: tests/summary.py [--all] BUILD [[--all] BUILD...]"""
import json
import pathlib
import sys
import xml.etree.ElementTree as ET

root = pathlib.Path(__file__).resolve().parent
builds = []  # (BUILD, whether every table must have run)
all_next = False
for a in sys.argv[1:]:
    if a == "--all":
        all_next = True
    else:
        builds.append((pathlib.Path(a), all_next))
        all_next = False


def summarize(build, want_all, label):
    """Prints one build's lines; returns (passed, failed, problems)."""
    passed = failed = 0
    problems = []

    # What meson ran: one JSON line per test.
    log = build / "meson-logs" / "testlog.json"
    try:
        entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    except OSError as e:
        entries = []
        problems.append(f"{label}cli: no meson test log ({e})")
        failed += 1
    ran = {entry["name"].partition(" / ")[2] for entry in entries}

    # Unit tests: one <testcase> per doctest test case (unless only tables were named).
    junit = build / "tests" / "unit.junit.xml"
    if entries and "unit" not in ran and not want_all:
        print(f"{label}unit: not run")
    else:
        try:
            unit_pass = unit_fail = unit_skip = 0
            for case in ET.parse(junit).getroot().iter("testcase"):
                bad = case.findall("failure") + case.findall("error")
                if case.find("skipped") is not None and not bad:
                    unit_skip += 1
                elif bad:
                    unit_fail += 1
                    for b in bad:
                        text = (b.get("message") or "") + "\n" + (b.text or "")
                        problems.append(f"{label}unit: {case.get('name')}: {text.strip()}")
                else:
                    unit_pass += 1
            print(f"{label}unit: {unit_pass} passed, {unit_fail} failed, {unit_skip} skipped")
            passed += unit_pass
            failed += unit_fail
        except (OSError, ET.ParseError) as e:
            problems.append(f"{label}unit: no readable JUnit report ({e})")
            failed += 1

    # CLI tables: the TAP rows meson recorded for each test of the 'cli' suite.
    tables = set()
    cli_pass = cli_fail = cli_skip = 0
    for entry in entries:
        # meson names a test "PROJECT:SUITE / NAME"
        suite, _, name = entry["name"].partition(" / ")
        if suite.split(":")[-1] != "cli":
            continue
        tables.add(name)
        rows = (entry.get("stdout") or "").splitlines()
        skip = sum(1 for r in rows if r.startswith("ok ") and "# SKIP" in r)
        ok = sum(1 for r in rows if r.startswith("ok ")) - skip
        bad = sum(1 for r in rows if r.startswith("not ok "))
        if entry.get("result") != "OK" and bad == 0:
            bad = 1  # a crash or time-out before any row failed
            problems.append(f"{label}cli: table {name} ended {entry.get('result')} (exit {entry.get('returncode')})")
        cli_pass += ok
        cli_fail += bad
        cli_skip += skip
    for table in sorted(p.name[:-len(".t.sh")] for p in (root / "cli").glob("*.t.sh")):
        if want_all and table not in tables:
            problems.append(f"{label}cli: table {table} did not run (is it listed in tests/meson.build?)")
            cli_fail += 1
    print(f"{label}cli: {cli_pass} passed, {cli_fail} failed, {cli_skip} skipped")
    passed += cli_pass
    failed += cli_fail

    # Sanitizer reports (scripts/test.sh --sanitize): each one is a failure.
    reports = sorted((build / "sanitizer-reports").glob("report*"))
    for r in reports:
        lines = r.read_text(errors="replace").splitlines()
        head = [l for l in lines if "ERROR" in l or "runtime error" in l or "SUMMARY" in l][:3] or lines[:3]
        problems.append(f"{label}sanitizer report {r.name}:\n  " + "\n  ".join(head))
    if (build / "sanitizer-reports").is_dir():
        print(f"{label}sanitizer reports: {len(reports)}")
    failed += len(reports)
    return passed, failed, problems


total_pass = total_fail = 0
all_problems = []
for build, want_all in builds:
    p, f, problems = summarize(build, want_all, f"{build.name}: " if len(builds) > 1 else "")
    total_pass += p
    total_fail += f
    all_problems += problems
for p in all_problems:
    print(p)
print(f"{total_pass} passed, {total_fail} failed")
sys.exit(1 if total_fail else 0)
