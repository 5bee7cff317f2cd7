#!/usr/bin/env python3
"""Print again, last, what each failed test printed: ctest's --output-on-failure
shows it where the test ended, in the middle of a long parallel run, and a CI
log often keeps only its tail. Reads BUILD/Testing/Temporary/LastTest.log."""
import re
import sys

KEEP = 60  # lines of each failed test's output, its end


def main() -> int:
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    try:
        text = open(f"{build}/Testing/Temporary/LastTest.log", errors="replace").read()
    except OSError as e:
        print(f"failed-tests: {e}", file=sys.stderr)
        return 0
    for block in text.split("\n" + "-" * 58 + "\n\n"):
        if "Test Failed." not in block and "Test Timeout" not in block and "Test Failed" not in block:
            continue
        name = re.search(r"^\d+/\d+ Test: (.*)$", block, re.M)
        out = re.search(r"^Output:\n-+\n(.*?)<end of output>", block, re.S | re.M)
        if not name or not out:
            continue
        lines = out.group(1).rstrip("\n").split("\n")
        print(f"\n==== failed: {name.group(1)} (its output's last {min(KEEP, len(lines))} of {len(lines)} lines)")
        for line in lines[-KEEP:]:
            print(line[:400])
    return 0


if __name__ == "__main__":
    sys.exit(main())
