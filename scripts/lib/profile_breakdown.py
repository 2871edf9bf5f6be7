#!/usr/bin/env python3
"""Splits a server's CPU samples into the parts of a request that cost them.

Reads folded stacks (one `root;...;leaf COUNT` line per distinct stack, as
`inferno-collapse-perf --all` writes them, kernel frames ending in `_[k]`) and prints
each part's share of the samples as a Markdown table, largest first.

A sample goes to the first "owner" named anywhere in its stack (the request log, the
database client, the token check, JSON bodies, in that order), else to the innermost
"carrier" frame (axum and tower middleware, hyper, tokio's scheduler): a socket write made by
the database client counts as the database client's, the same write made by hyper as HTTP's,
and an allocation as its caller's. The kernel column is the share of samples whose leaf
frame is the kernel's (system calls, wake-ups, the network stack).

    profile_breakdown.py STACKS.folded [LABEL]
"""

import re
import sys
from collections import Counter

# A type's or function's generic arguments, `Name<...>` with nothing nested inside.
GENERIC_ARGUMENTS = re.compile(r"(?<=[A-Za-z0-9_])<[^<>]*>")

# (part, substrings of a frame that mark it), in priority order.
OWNERS = [
    ("request log and spans (tracing)", ("tracing_subscriber", "tracing_core", "on_response", "::request_span", "make_span")),
    ("database client (sqlx)", ("sqlx_core", "sqlx_postgres")),
    ("token check", ("jsonwebtoken", "::access_token::", "::opaque_token::", "::auth::verifier::", "::auth::keys::", "aws_lc")),
    ("JSON bodies (serde_json)", ("serde_json",)),
]
# (part, substrings), tried on each frame from the leaf up.
CARRIERS = [
    ("handler, routing and middleware (axum, tower)", ("axum", "tower_http", "tower::")),
    ("HTTP/1 parsing and socket I/O (hyper)", ("hyper::", "hyper_util")),
    ("async runtime (scheduling, parking, waking)", ("tokio::runtime", "tokio::time", "mio::poll")),
]
OTHER = "other (no part named in the stack)"


def without_generics(frame):
    """The frame's name without generic arguments, which name every layer of the stack."""
    while True:
        stripped = GENERIC_ARGUMENTS.sub("", frame)
        if stripped == frame:
            return frame
        frame = stripped


def part_of(frames):
    frames = [without_generics(frame) for frame in frames]
    for part, markers in OWNERS:
        if any(marker in frame for frame in frames for marker in markers):
            return part
    for frame in reversed(frames):
        for part, markers in CARRIERS:
            if any(marker in frame for marker in markers):
                return part
    return OTHER


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit("usage: profile_breakdown.py STACKS.folded [LABEL]")
    label = argv[2] if len(argv) == 3 else argv[1]
    samples, kernel = Counter(), Counter()
    total = 0
    with open(argv[1], encoding="utf-8", errors="replace") as folded:
        for line in folded:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = stack.split(";")
            part = part_of(frames)
            samples[part] += int(count)
            if frames[-1].endswith("_[k]"):
                kernel[part] += int(count)
            total += int(count)
    if total == 0:
        sys.exit(f"profile_breakdown.py: no samples in {argv[1]}")
    print(f"| {label}: part of the request | share of server CPU | of which in the kernel |")
    print("|---|---|---|")
    for part, count in samples.most_common():
        print(f"| {part} | {100 * count / total:.1f} % | {100 * kernel[part] / total:.1f} % |")
    print(f"| all (sample weight {total}) | 100 % | {100 * sum(kernel.values()) / total:.1f} % |")


if __name__ == "__main__":
    main(sys.argv)
