#!/usr/bin/env python3
"""The layering rules of src/lib/pairkit, checked on every build (ARCHITECTURE.md).

Each argument declares one domain as src/lib/pairkit/meson.build builds it:
DOMAIN:USES:EXTERNALS, e.g. "ca:core,crypto:botan,toml". A file in a domain's
folder may include pairkit headers of its own domain and of the domains it
uses, and the headers of the external libraries it declares. No library file
may print, exit or read the environment. Prints one line per violation and
exits 1; with --stamp FILE, writes FILE when all is well (the build's output).
"""
import pathlib
import re
import sys

# External libraries the library may use, by the include prefix that shows it.
EXTERNAL_HEADERS = {
    "botan": ("botan/",),
    "sqlite": ("sqlite3.h",),
    "libpq": ("libpq-fe.h",),
    "toml": ("toml++/",),
    "json": ("nlohmann/",),
    "openssl": ("openssl/",),
    "qrencode": ("qrencode.h",),
    "zxing": ("ZXing/", "ReadBarcode.h", "BarcodeFormat.h", "ImageView.h"),
    "zbar": ("zbar.h", "zbar/"),
    "png": ("png.h",),
    "jpeg": ("jpeglib.h",),
    "dl": ("dlfcn.h",),
    "p11kit": ("p11-kit/",),
    "boost": ("boost/",),
}
# What the library never does: the CLI prints, exits and reads the environment.
FORBIDDEN = [
    (re.compile(r"#include\s*<iostream>"), "includes <iostream> (the library never prints)"),
    (re.compile(r"\bstd::(cout|cerr|clog)\b"), "writes to the terminal (the library never prints)"),
    (re.compile(r"(?<![\w:])(printf|puts|perror)\s*\("), "prints (the library never prints)"),
    (re.compile(r"(?<![\w.>])(std::)?(exit|_exit|quick_exit|abort)\s*\("), "exits (the library throws instead)"),
    (re.compile(r"(?<![\w.>])(std::)?(secure_)?getenv\s*\("), "reads the environment (the CLI passes settings in)"),
    (re.compile(r"#include\s*<CLI/"), "includes CLI11 (command-line parsing is the CLI's)"),
]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)


def main(argv):
    stamp = None
    if "--stamp" in argv:
        i = argv.index("--stamp")
        stamp = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    root = pathlib.Path(argv[0])
    domains = {}
    for decl in argv[1:]:
        name, uses, externals = (decl.split(":") + ["", ""])[:3]
        domains[name] = ({u for u in uses.split(",") if u}, {e for e in externals.split(",") if e})
    problems = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name not in domains:
            problems.append(f"{folder}: a folder that src/lib/pairkit/meson.build does not declare as a domain")
            continue
        uses, externals = domains[folder.name]
        allowed = uses | {folder.name}
        for src in sorted(folder.rglob("*")):
            if src.suffix not in (".hpp", ".cpp", ".h"):
                continue
            raw = src.read_text(errors="replace")
            for n, line in enumerate(raw.splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                header = m.group(2)
                if m.group(1) == '"' and header.startswith("pairkit/"):
                    target = header.split("/")[1]
                    if target not in allowed:
                        problems.append(f"{src}:{n}: {folder.name} includes {header}, but the {folder.name} "
                                        f"domain does not use {target} (its uses: {', '.join(sorted(uses)) or 'none'})")
                    continue
                for ext, prefixes in EXTERNAL_HEADERS.items():
                    if header.startswith(prefixes) and ext not in externals:
                        problems.append(f"{src}:{n}: {folder.name} includes <{header}>, but the {folder.name} "
                                        f"domain does not declare {ext}")
            code = strip_comments(raw)
            for n, line in enumerate(code.splitlines(), 1):
                for pattern, why in FORBIDDEN:
                    if pattern.search(line):
                        problems.append(f"{src}:{n}: {why}")
    for p in problems:
        print(p)
    if problems:
        return 1
    if stamp:
        pathlib.Path(stamp).write_text("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
