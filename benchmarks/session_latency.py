"""Latency from an answer to the next question, durable save included.

Builds a 100-check triage checklist in a temporary folder, then answers every check of
a scripted session and times, per answer:

    Session.answer(...)          typing, derived state, drop check
      -> on_event -> Store.add_event   one committed transaction (WAL, synchronous=FULL)
    question(session, next_id)   the next Question the prompter would show

Usage:  uv run python benchmarks/session_latency.py [--checks 100] [--runs 5]
Prints the median (and p90 / max) in milliseconds, plus the share of the commit alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

STAGES = ["power", "cables", "light_source", "optics", "thermal", "settings", "reproduction"]


def build(root: Path, n: int) -> None:
    """A catalog and one checklist of `n` checks (all four types, rules, `when`, `check:`)."""
    (root / "catalog.yaml").write_text(
        "kind: catalog\n"
        "products:\n  bench-camera:\n    name: Benchmark camera\n    kit: {bench-part: 1}\n"
        "parts:\n  bench-part:\n    name: Benchmark part\n"
        "findings:\n"
        + "".join(f"  bench-finding-{i}:\n    title: Finding {i}\n    fix: visit\n    parts: {{bench-part: 1}}\n"
                  f"    explain: Finding {i} explained.\n" for i in range(n))
        , encoding="utf-8")
    per_stage = -(-n // len(STAGES))
    lines = ["kind: checklist", "id: bench-100", "title: Benchmark checklist", "products: [bench-camera]",
             "steps:"]
    i = 0
    for stage in STAGES:
        if i >= n:
            break
        lines += [f"  - stage: {stage}", "    checks:"]
        for _ in range(per_stage):
            if i >= n:
                break
            kind = ("yes_no", "number", "choice", "text")[i % 4]
            lines += [f"      - id: c{i}", f'        ask: {{en: "Check {i}?", ko: "점검 {i}?"}}',
                      f"        type: {kind}"]
            if kind == "number":
                lines += ["        unit: V", "        min: 0", "        max: 300"]
            if kind == "choice":
                lines += ["        choices: {a: A, b: B, c: C}"]
            if i >= 4 and i % 10 == 5:  # some gated checks (the gate always holds here)
                lines += [f"        when: {{check: c{i - 4 - (i % 4)}, is: yes}}"]
            rule = {"yes_no": "{is: no}", "number": "{outside: [198, 242]}", "choice": "{in: [c]}",
                    "text": "{skipped: true}"}[kind]
            lines += ["        rules:", f"          - if: {rule}", f"            then: bench-finding-{i}"]
            if kind == "number" and i >= 2:  # a rule that also looks at an earlier check
                lines += [f"          - if: {{all: [{{above: 250}}, {{check: c{i - 1}, is: no}}]}}",
                          f"            then: bench-finding-{i}"]
            i += 1
    (root / "bench.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def answer_for(check: object) -> object:
    """A normal answer: no rule fires, so the session runs to the last check."""
    kind = check.type  # type: ignore[attr-defined]
    return {"yes_no": True, "number": 230, "choice": "a", "text": "ok"}[kind]


def run_once(n: int) -> tuple[list[float], list[float]]:
    from cstriage.content.library import load
    from cstriage.engine.flow import question
    from cstriage.engine.session import Session
    from cstriage.store.db import Store

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        root.mkdir()
        build(root, n)
        lib = load([root])
        if lib.errors:
            sys.exit("benchmark content invalid: " + "; ".join(f"{p.location()} {p.message}" for p in lib.errors))
        cl = lib.checklist("bench-100")
        store = Store.open(Path(tmp) / "home")
        sid = store.create_session(cl.id, lib.hashes[cl.id], {"product": "bench-camera"}, "en")
        commit: list[float] = []

        def persist(event: dict) -> None:
            t = time.perf_counter()
            store.add_event(sid, event)
            commit.append(time.perf_counter() - t)

        session = Session(cl, {k: e.obj for k, e in lib.findings.items()}, on_event=persist)
        total: list[float] = []
        cid = session.next_check()
        question(session, cid, "en")
        while cid is not None:
            value = answer_for(session.checks[cid])
            t = time.perf_counter()
            session.answer(cid, value)
            cid = session.next_check()
            if cid is not None:
                question(session, cid, "en")
            total.append(time.perf_counter() - t)
        assert len(total) == n, (len(total), n)
        store.close()
        return total, commit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checks", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="also print one JSON line (for benchmarks/run.py)")
    args = ap.parse_args()
    total: list[float] = []
    commit: list[float] = []
    for _ in range(args.runs):
        t, c = run_once(args.checks)
        total += t
        commit += c
    ms = sorted(x * 1000 for x in total)
    cm = sorted(x * 1000 for x in commit)
    p90 = ms[int(len(ms) * 0.9) - 1]
    print(f"{args.checks}-check session, {args.runs} run(s), {len(ms)} answers")
    print(f"answer -> next question (durable save included): median {statistics.median(ms):.2f} ms, "
          f"p90 {p90:.2f} ms, max {ms[-1]:.2f} ms")
    print(f"  of which the commit (add_event): median {statistics.median(cm):.2f} ms")
    engine = sorted((t - c) * 1000 for t, c in zip(total, commit))
    print(f"  engine alone (answer + derived state + next Question): median {statistics.median(engine):.2f} ms")
    if args.json:
        import json

        print(json.dumps({"median_ms": round(statistics.median(ms), 3), "p90_ms": round(p90, 3),
                          "max_ms": round(ms[-1], 3), "commit_median_ms": round(statistics.median(cm), 3),
                          "answers": len(ms)}))


if __name__ == "__main__":
    main()
