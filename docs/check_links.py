#!/usr/bin/env python3
"""Check that every relative link in README.md and docs/**/*.md points to a
file that exists (anchors are not checked). Exits 1 and lists broken ones."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
files = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
bad = []
for f in files:
    text = f.read_text()
    # Links outside code spans and fences only.
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://|mailto:|#", target):
            continue
        path = (f.parent / target.split("#", 1)[0]).resolve()
        if not path.exists():
            bad.append(f"{f.relative_to(root)}: {target}")
print("\n".join(bad) if bad else f"links: {len(files)} files, all relative links resolve")
sys.exit(1 if bad else 0)
