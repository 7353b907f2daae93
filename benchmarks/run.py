"""Reproducible speed benchmark: cstriage side by side with the tools people compare it with.

    uv run python benchmarks/run.py            # full run (a few minutes)
    uv run python benchmarks/run.py --quick    # fewer repetitions, no 10,000-file corpus

Builds a bytecode-compiled venv with the project (installed as a wheel would be) and its
peers (tldr, check-jsonschema, yamllint) under benchmarks/.work/, generates corpora of
checklist files in cstriage's format, and prints one table of medians, peak RSS and the
budget ratios. The same table is written as JSON to benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

PEERS = ["tldr==3.4.4", "check-jsonschema", "yamllint"]
TLDR_PAGE = """# tar

> Archiving utility.
> Often combined with a compression method, such as gzip or bzip2.

- Create an archive and write it to a file:

`tar cf {{path/to/target.tar}} {{path/to/file1 path/to/file2 ...}}`

- Extract a (compressed) archive file into the current directory verbosely:

`tar xvf {{path/to/source.tar[.gz|.bz2|.xz]}}`

- List the contents of a tar file verbosely:

`tar tvf {{path/to/source.tar}}`
"""


def sh(cmd: list[str], **kw) -> None:
    subprocess.run(cmd, check=True, **kw)


def build_venv(path: Path, extra: list[str], typer_pin: str | None = None) -> Path:
    py = path / "bin" / "python"
    stamp = path / ".built"
    if not stamp.exists():
        sh(["uv", "venv", "-q", "--python", sys.executable, str(path)])
        sh(["uv", "pip", "install", "-q", "--python", str(py), str(REPO), *extra])
        if typer_pin:
            sh(["uv", "pip", "install", "-q", "--python", str(py), "--no-deps", typer_pin])
        stamp.write_text("")
    else:  # keep the project current with the working tree
        sh(["uv", "pip", "install", "-q", "--python", str(py), "--reinstall-package", "cstriage", str(REPO)])
    sh([str(py), "-m", "compileall", "-q", "-j", "0", str(path / "lib")], stdout=subprocess.DEVNULL)
    return path / "bin"


def run_once(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, float, int]:
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         env=env, cwd=cwd)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    p.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, p.returncode


def measure(name: str, cmd: list[str], runs: int, env: dict[str, str], ok: tuple[int, ...] = (0,),
            cwd: Path | None = None, warmup: int = 1) -> dict:
    for _ in range(warmup):
        run_once(cmd, env, cwd)
    times, rss, codes = [], [], set()
    for _ in range(runs):
        t, r, code = run_once(cmd, env, cwd)
        times.append(t)
        rss.append(r)
        codes.add(code)
    bad = codes - set(ok)
    row = {"name": name, "median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
           "max_ms": round(max(times), 1), "runs": runs, "peak_rss_mb": round(max(rss), 1),
           "exit_codes": sorted(codes)}
    if bad:
        row["error"] = f"unexpected exit code(s) {sorted(bad)}"
    print(f"  {name:<48} {row['median_ms']:>10.1f} ms  {row['peak_rss_mb']:>7.1f} MB", flush=True)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer runs; skip the 10,000-file corpus")
    ap.add_argument("--runs", type=int, default=None, help="repetitions of each start-up command")
    ap.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    args = ap.parse_args()
    runs = args.runs or (5 if args.quick else 15)
    WORK.mkdir(exist_ok=True)

    print("building venvs (bytecode compiled)…", flush=True)
    bin_ = build_venv(WORK / "venv", PEERS)
    bin29 = build_venv(WORK / "venv-typer029", [], typer_pin="typer==0.29.1")
    env = dict(os.environ, NO_COLOR="1", COLUMNS="80", CSTRIAGE_HOME=str(WORK / "home"), TLDR_COLOR_BLANK="1",
               PYTHONDONTWRITEBYTECODE="1", TLDR_CACHE_ENABLED="0")
    env.pop("CSTRIAGE_CONTENT", None)
    cst = str(bin_ / "cstriage")
    page = WORK / "tar.md"
    page.write_text(TLDR_PAGE)
    rows: dict[str, dict] = {}

    print("start-up and rendering:", flush=True)
    rows["python -c pass"] = measure("python -c pass", [str(bin_ / "python"), "-c", "pass"], runs, env)
    rows["tldr --version"] = measure("tldr --version", [str(bin_ / "tldr"), "--version"], runs, env)
    rows["tldr --render page"] = measure("tldr --render page", [str(bin_ / "tldr"), "--render", str(page)], runs, env)
    rows["cstriage --help"] = measure("cstriage --help", [cst, "--help"], runs, env)
    rows["cstriage card show"] = measure("cstriage card show ground-loop-banding",
                                         [cst, "card", "show", "ground-loop-banding"], runs, env)
    rows["cstriage card search"] = measure("cstriage card search 노이즈", [cst, "card", "search", "노이즈"], runs, env)
    rows["cstriage validate (bundled)"] = measure("cstriage validate (bundled library)", [cst, "validate"], runs, env)
    rows["typer 0.29: cstriage --help"] = measure("typer 0.29: cstriage --help", [str(bin29 / "cstriage"), "--help"], runs, env)
    rows["typer 0.29: cstriage card show"] = measure("typer 0.29: cstriage card show",
                                                     [str(bin29 / "cstriage"), "card", "show", "ground-loop-banding"], runs, env)

    print("validation throughput:", flush=True)
    sizes = [100, 1000] if args.quick else [100, 1000, 10000]
    schema = WORK / "checklist.schema.json"
    schema.write_text(subprocess.run([cst, "schema", "--kind", "checklist"], capture_output=True, text=True,
                                     env=env, check=True).stdout)
    vruns = 3 if args.quick else 5
    for n in sizes:
        folder = corpus.write_corpus(WORK / f"corpus-{n}", n)
        files = sorted(str(p) for p in folder.glob("bench-*.yaml"))
        rows[f"cstriage validate {n}"] = measure(f"cstriage validate {n} files", [cst, "validate", str(folder)],
                                                 vruns if n < 10000 else 1, env, warmup=0 if n >= 10000 else 1)
        if n == 100:
            rows[f"check-jsonschema {n}"] = measure(f"check-jsonschema {n} files",
                                                    [str(bin_ / "check-jsonschema"), "--schemafile", str(schema), *files],
                                                    1 if args.quick else 3, env, warmup=0)
            rows[f"yamllint {n}"] = measure(f"yamllint {n} files", [str(bin_ / "yamllint"), "-d", "relaxed", *files],
                                            1 if args.quick else 3, env, ok=(0, 1), warmup=0)

    print("session and history:", flush=True)
    rows.update(history_rows(bin_, env, args.quick))

    def ratio(a: str, b: str) -> float | None:
        if a in rows and b in rows and rows[b]["median_ms"]:
            return round(rows[a]["median_ms"] / rows[b]["median_ms"], 3)
        return None

    per_file = {n: rows[f"cstriage validate {n}"]["median_ms"] / n for n in sizes}
    budgets = [
        ("card show / tldr render", ratio("cstriage card show", "tldr --render page"), "<=", 1.3),
        ("--help / tldr --version", ratio("cstriage --help", "tldr --version"), "<=", 1.5),
        ("check-jsonschema / validate (100 files)", ratio("check-jsonschema 100", "cstriage validate 100"), ">=", 5.0),
    ]
    if 10000 in sizes:
        budgets.append(("validate 10,000 / validate 1,000", ratio("cstriage validate 10000", "cstriage validate 1000"), "<=", 11.0))
    if "session answer→next question" in rows:
        budgets.append(("session answer→next question (ms)", rows["session answer→next question"]["median_ms"], "<=", 20.0))
    if "cstriage stats 100k" in rows:
        budgets.append(("stats over 100,000 sessions (s)", round(rows["cstriage stats 100k"]["median_ms"] / 1000, 3), "<=", 2.0))
    if "sessions import 100k" in rows:
        budgets.append(("sessions import 100,000 lines (s)", round(rows["sessions import 100k"]["median_ms"] / 1000, 3), "<=", 30.0))

    print("\nbudgets (measured in this run):")
    verdicts = []
    for name, value, op, limit in budgets:
        ok = value is not None and (value <= limit if op == "<=" else value >= limit)
        verdicts.append({"budget": name, "value": value, "op": op, "limit": limit, "ok": ok})
        print(f"  {'PASS' if ok else 'FAIL'}  {name:<44} {value!s:>10} {op} {limit}")
    print("\nvalidate per file (ms): " + ", ".join(f"{n}: {v:.2f}" for n, v in per_file.items()))

    result = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": platform.platform(), "cpus": os.cpu_count(),
              "python": platform.python_version(), "quick": args.quick, "rows": rows, "budgets": verdicts,
              "validate_ms_per_file": per_file}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {out}")
    return 0 if all(v["ok"] for v in verdicts) else 1


def history_rows(bin_: Path, env: dict[str, str], quick: bool) -> dict[str, dict]:
    """Session latency, stats over 100,000 sessions, import of 100,000 lines."""
    rows: dict[str, dict] = {}
    py = str(bin_ / "python")
    lat = HERE / "session_latency.py"
    if lat.exists():
        p = subprocess.run([py, str(lat), "--json"], capture_output=True, text=True, env=env)
        try:
            data = json.loads(p.stdout.strip().splitlines()[-1])
            rows["session answer→next question"] = {"name": "session answer→next question (100 checks)",
                                                    "median_ms": data["median_ms"], "p90_ms": data.get("p90_ms"),
                                                    "runs": data.get("answers", 100)}
            print(f"  {'session answer→next question (100 checks)':<48} {data['median_ms']:>10.2f} ms", flush=True)
        except (ValueError, IndexError, KeyError):
            print("  session latency: could not read the result\n" + p.stderr[-2000:], flush=True)
    home = WORK / "home-100k"
    jsonl = WORK / "sessions-100k.jsonl"
    stamp = home / ".synth-100000"
    if not stamp.exists():
        home.mkdir(parents=True, exist_ok=True)
        for f in home.glob("cstriage.db*"):
            f.unlink()
        subprocess.run([py, "-m", "cstriage.store.synth", "--n", "100000", "--data-dir", str(home), "--seed", "1",
                        "--jsonl", str(jsonl)], check=True, env=env)
        stamp.write_text("")
    cst = str(bin_ / "cstriage")
    rows["cstriage stats 100k"] = measure("cstriage stats (100,000 sessions)", [cst, "--data-dir", str(home), "stats"],
                                          3 if quick else 5, env)
    rows["cstriage stats 100k --json"] = measure("cstriage stats --json (100,000 sessions)",
                                                 [cst, "--data-dir", str(home), "stats", "--json"], 3 if quick else 5, env)
    target = WORK / "home-import"

    def fresh() -> None:
        target.mkdir(parents=True, exist_ok=True)
        for f in target.glob("cstriage.db*"):
            f.unlink()

    times = []
    rss = []
    for _ in range(1 if quick else 3):
        fresh()
        t, r, code = run_once([cst, "--data-dir", str(target), "sessions", "import", str(jsonl)], env)
        times.append(t)
        rss.append(r)
    rows["sessions import 100k"] = {"name": "sessions import (100,000 lines)", "median_ms": round(statistics.median(times), 1),
                                    "runs": len(times), "peak_rss_mb": round(max(rss), 1)}
    print(f"  {'sessions import (100,000 lines)':<48} {rows['sessions import 100k']['median_ms']:>10.1f} ms", flush=True)
    return rows


if __name__ == "__main__":
    sys.exit(main())
