#!/usr/bin/env python3
"""Regenerates docs/src/reference/wit.md from the WIT packages in wit/.

Run from anywhere: python3 docs/tools/wit-reference.py
The page shows every .wit file of every package verbatim (doc comments included), so it reads
on GitHub without building the book; wit/ stays the source of truth.
"""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
WIT = ROOT / "wit"
OUT = ROOT / "docs" / "src" / "reference" / "wit.md"

# folder, heading (the package), state, what it is
PACKAGES = [
    ("clientdata", "clientdata:plugin", "provided",
     "psibase's `clientdata` API: `get`, `set`, `delete` on the calling plugin's own table. "
     "See [Access to database operations](../specification/access.md)."),
    ("host-client", "host:client", "provided",
     "psibase's client interface under its current name: facts about the current call, from the "
     "host's call stack. No `get-root-domain` (psibase never had it here). See [PDP-CLIENT-1]."),
    ("host-common", "host:common", "`client` provided; `store` planned",
     "psibase's older package name for `client` (same functions as `host:client/api`) and `store` "
     "(same shape as `host:db/store`). psibase's `server` and privileged `admin` are not provided."),
    ("host-db", "host:db", "planned",
     "psibase's bucket API with modes and durations. See [host:db store](../specification/db.md) "
     "and [Modes and durations](../specification/modes.md)."),
    ("wasi-keyvalue-draft", "wasi:keyvalue@0.2.0-draft", "planned",
     "The WASI key/value draft that Wasmtime's `wasmtime-wasi-keyvalue` implements and psibase "
     "shimmed (`u64` cursor and increment). See [wasi:keyvalue](../specification/keyvalue.md)."),
    ("wasi-keyvalue-draft2", "wasi:keyvalue@0.2.0-draft2", "planned",
     "The later draft that Spin implements (string cursor, `s64` increment, compare-and-swap). "
     "See [wasi:keyvalue](../specification/keyvalue.md)."),
]


def files_of(folder: pathlib.Path):
    files = sorted(folder.glob("*.wit"))
    # world.wit declares the package: show it first.
    return sorted(files, key=lambda f: (f.name != "world.wit", f.name))


def main():
    out = []
    out.append("# WIT packages\n")
    out.append(
        "These are the interfaces the host provides to plugins, exactly as they are in the\n"
        "repository's [`wit/`](../../../wit/) folder (one folder per package), which is the source of\n"
        "truth; this page is generated from it by `docs/tools/wit-reference.py`. The signatures are\n"
        "psibase's or the WASI spec's, byte for byte; the documentation comments are paraphrased.\n"
        "[`wit/README.md`](../../../wit/README.md) pins the upstream commit of each package and\n"
        "tells its history.\n")
    out.append(
        "A plugin's world imports them by name, for example `import clientdata:plugin/keyvalue;`;\n"
        "the JavaScript build lays the packages a world needs out as `wit/deps/`\n"
        "([Writing a plugin in JavaScript](../guide/javascript.md)). Which imports the supervisor\n"
        "admits is specified in [Host-provided functionality](../specification/host.md#the-allowed-imports).\n")
    out.append("| package | folder | state |\n| --- | --- | --- |")
    for folder, pkg, state, _ in PACKAGES:
        anchor = "".join(c for c in pkg.lower() if c.isalnum() or c in "-_ ").replace(" ", "-")
        out.append(f"| [{pkg}](#{anchor}) | [`wit/{folder}/`](../../../wit/{folder}/) | {state} |")
    out.append("")
    out.append(
        "WASI preview 2 (`wasi:cli`, `wasi:io`, `wasi:clocks`, `wasi:random`, `wasi:filesystem`,\n"
        "`wasi:sockets` at `0.2.x`) is also linked, with nothing granted; its WIT is WASI's own and\n"
        "is not repeated here.\n")
    for folder, pkg, state, about in PACKAGES:
        out.append(f"## {pkg}\n")
        out.append(f"State: {state}. Folder: [`wit/{folder}/`](../../../wit/{folder}/).\n")
        out.append(about + "\n")
        for f in files_of(WIT / folder):
            out.append(f"### {folder}/{f.name}\n")
            out.append("```wit")
            out.append(f.read_text().rstrip("\n"))
            out.append("```\n")
    OUT.write_text("\n".join(out).rstrip("\n") + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
