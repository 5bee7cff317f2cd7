#!/usr/bin/env python3
"""Writes the playground page into --out: page/* as they are, the wasm module
as base64 in nssim-wasm.js, the bundled examples and labs in bundled.js, and
Graphviz for the browser (viz-standalone.js from npm, see package-lock.json)."""
import argparse, base64, json, pathlib, shutil

ap = argparse.ArgumentParser()
ap.add_argument("--root", required=True)
ap.add_argument("--wasm", required=True)
ap.add_argument("--viz", required=True)
ap.add_argument("--out", required=True)
a = ap.parse_args()
root, out = pathlib.Path(a.root), pathlib.Path(a.out)
out.mkdir(parents=True, exist_ok=True)
for f in (pathlib.Path(__file__).parent / "page").iterdir():
    shutil.copy(f, out / f.name)
shutil.copy(a.viz, out / "viz-standalone.js")
b64 = base64.b64encode(pathlib.Path(a.wasm).read_bytes()).decode()
(out / "nssim-wasm.js").write_text('window.NSSIM_WASM_B64 = "' + b64 + '";\n')
examples = {p.name: p.read_text() for p in sorted((root / "examples").glob("*.nss"))}
labs = {}
for d in sorted((root / "labs").iterdir()):
    if not (d / "lab.nss").exists() or not (d / "README.md").exists():
        continue
    title = d.name
    for line in (d / "README.md").read_text().splitlines():
        if line.startswith("# "):
            title = line[2:]
            if title.startswith("Lab ") and " — " in title:
                title = title.split(" — ", 1)[1]
            break
    # The key grades the page's lab.nss per question, as `nssim lab check` does with the bundled key.
    labs[d.name] = {"title": title, "src": (d / "lab.nss").read_text(),
                    "key": (d / "solution.nss").read_text() if (d / "solution.nss").exists() else ""}
(out / "bundled.js").write_text("window.NSSIM_BUNDLED = " + json.dumps({"examples": examples, "labs": labs}) + ";\n")
