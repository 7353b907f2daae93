"""A synthetic session history, for `stats` tests and benchmarks.

Sessions are not invented field by field: for every checklist the generator searches
answers that make the real engine fire a wanted set of findings (`engine.session.derive`)
and lets the real verdict policy (`engine.verdict.decide`) write the result, once per
distinct case. Sessions then reuse those cases, so 100,000 of them cost seconds and
every stored verdict is one the engine would give for the stored answers.

Background sessions never repeat by accident (no serial sees a finding twice, no
session follows a visit within 14 days); repeats and top issues are planted on purpose
and returned in a manifest, so a test can assert that `stats` finds exactly those.

    python -m cstriage.store.synth --n 100000 --data-dir DIR --seed 1 [--jsonl FILE]
"""

from __future__ import annotations

import bisect
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cstriage.engine.conditions import SKIP, Context, evaluate
from cstriage.store.sync import _value

DAY = timedelta(days=1)
REVISIT_DAYS = 14
_FIX_RANK = {"remote": 1, "visit": 2, "rma": 3}

_INSTITUTES = ("KAIST", "SNU", "POSTECH", "Yonsei", "Korea Univ.", "KBSI", "KRISS", "IBS", "UNIST", "GIST",
               "Samsung Bio", "LG Chem", "SK hynix", "Hanyang", "Sungkyunkwan", "KIST", "ETRI", "Ajou")
_GROUPS = ("Bio-Imaging", "Photonics", "Spectroscopy", "Materials", "Neuro", "Cell Biology", "Nano Fab",
           "Quantum Optics", "Chemistry", "Core Facility", "Quality Control", "Laser Applications")


@dataclass(frozen=True)
class Case:
    """One distinct session outcome: answers in order, fired findings, the engine's result."""

    checklist: str
    answers: tuple[tuple[str, Any, bool], ...]      # (check, json value, skipped)
    fired: tuple[tuple[str, str], ...]              # (finding, fix)
    result: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class Planned:
    id: str
    case: Case
    started: datetime
    minutes: int
    serial: str | None
    customer: str | None
    product: str | None
    downtime: bool
    ticket: str | None
    open_after: int | None = None                   # open session: answers given so far


@dataclass
class _Unit:
    findings: set[str] = field(default_factory=set)
    starts: list[datetime] = field(default_factory=list)
    visits: list[datetime] = field(default_factory=list)


class History:
    """Builds a history in memory (cheap tuples), then writes it to a store or a JSON Lines file."""

    def __init__(self, library: Any, seed: int = 1, now: datetime | None = None, lang: str = "en"):
        self.lib = library
        self.rng = random.Random(seed)
        self.now = (now or datetime.now().astimezone()).replace(microsecond=0)
        if self.now.tzinfo is None:
            self.now = self.now.astimezone()
        self.lang = lang
        self.fdefs = {k: e.obj for k, e in library.findings.items()}
        self.sessions: list[Planned] = []
        self._ids: set[str] = set()
        self._units: dict[Any, _Unit] = {}
        self._cases: dict[Any, Case | None] = {}
        self._results: dict[Any, dict[str, Any]] = {}
        self._baselines: dict[str, dict[str, float]] = {}
        self._candidates: dict[tuple[str, str], list[Any]] = {}
        self._serial_no = 0
        self.checklists = [cid for cid, e in sorted(library.checklists.items()) if self._usable(e.obj)]
        self.customers = [f"{g} Lab, {i}" for i in _INSTITUTES for g in _GROUPS]
        self.rng.shuffle(self.customers)
        self._fleet: dict[tuple[str, str], list[str]] = {}

    # -- cases ---------------------------------------------------------------
    def _usable(self, cl: Any) -> bool:
        return any(r.then in self.fdefs for _, c in cl.checks() for r in c.rules)

    def findings_of(self, cid: str) -> list[str]:
        cl = self.lib.checklist(cid)
        out: list[str] = []
        for _, chk in cl.checks():
            for rule in chk.rules:
                if rule.then in self.fdefs and rule.then not in out:
                    out.append(rule.then)
        return out

    def case(self, cid: str, target: frozenset[str] | set[str] | tuple[str, ...] = (), skip: int = 0,
             skip_checks: tuple[str, ...] = ()) -> Case | None:
        """A case of checklist `cid` firing `target` (exactly, when the engine allows it).

        `skip` > 0 asks for a variant with one check answered 'could not check'
        (different values give different checks) that still fires the same findings;
        `skip_checks` names the checks to skip instead.
        """
        target = frozenset(target)
        key = (cid, target, skip, tuple(skip_checks))
        if key in self._cases:
            return self._cases[key]
        found: Case | None = None
        if skip_checks:
            answers = self._solve(cid, target, start={c: SKIP for c in skip_checks})
            if answers is not None:
                found = self._make_case(cid, answers)
        elif skip:
            base = self.case(cid, target)
            if base is not None:
                found = self._skip_variant(cid, base, skip)
        else:
            answers = self._solve(cid, target, tries=24 if len(target) < 2 else 8)
            if answers is not None:
                found = self._make_case(cid, answers)
        self._cases[key] = found
        return found

    def exact(self, cid: str, finding: str) -> bool:
        c = self.case(cid, {finding})
        return c is not None and [f for f, _ in c.fired] == [finding]

    def _baseline_values(self, cl: Any) -> dict[str, float]:
        if cl.id not in self._baselines:
            vals = {}
            for _, chk in cl.checks():
                if chk.baseline:
                    lo = chk.min if chk.min is not None else 0.0
                    hi = chk.max if chk.max is not None else 200.0
                    vals[chk.baseline] = round((lo + hi) / 2, 2) or 1.0
            self._baselines[cl.id] = vals
        return self._baselines[cl.id]

    def _values(self, cl: Any, chk: Any) -> list[Any]:
        key = (cl.id, chk.id)
        if key in self._candidates:
            return self._candidates[key]
        if chk.type == "yes_no":
            vals: list[Any] = [True, False]
        elif chk.type == "choice":
            vals = list(chk.choices or {})
        elif chk.type == "text":
            vals = ["as reported"]
        else:
            points: list[float] = []
            for cond in _conditions_on(cl, chk.id):
                op = cond.op
                if op in ("below", "above"):
                    t = float(cond.arg())
                    d = max(abs(t) * 0.1, 0.5)
                    points += [t - d, t + d]
                elif op in ("between", "outside"):
                    lo, hi = cond.arg()
                    d = max((hi - lo) * 0.25, 0.5)
                    points += [(lo + hi) / 2, lo - d, hi + d]
                elif op.endswith("_above_pct") and chk.baseline:
                    base = self._baseline_values(cl)[chk.baseline]
                    p = (float(cond.arg()) + 10) / 100
                    points += [base, base * (1 + p), base * (1 - p)]
            lo = chk.min if chk.min is not None else None
            hi = chk.max if chk.max is not None else None
            if not points:
                points = [((lo or 0) + (hi if hi is not None else (lo or 0) + 10)) / 2]
            vals = []
            for p in points:
                if lo is not None:
                    p = max(p, lo)
                if hi is not None:
                    p = min(p, hi)
                v = round(p, 2)
                v = int(v) if float(v).is_integer() else v
                if v not in vals:
                    vals.append(v)
        self._candidates[key] = vals
        return vals

    def _solve(self, cid: str, target: frozenset[str], tries: int = 24,
               start: dict[str, Any] | None = None) -> dict[str, Any] | None:
        from cstriage.engine.session import derive

        cl = self.lib.checklist(cid)
        checks = {c.id: c for _, c in cl.checks()}
        baselines = self._baseline_values(cl)
        best: tuple[int, dict[str, Any]] | None = None
        for _ in range(tries):
            answers = dict(start or {})
            ok = True
            while True:
                st = derive(cl, self.fdefs, answers, baselines)
                cur = st.current
                if cur is None:
                    break
                chk = checks[cur]
                fired = {f.finding for f in st.fired}
                visible = {c: answers[c] for c in st.asked}
                vals = list(self._values(cl, chk))
                self.rng.shuffle(vals)
                choice, gain = None, -1
                for v in vals:
                    ctx = Context({**visible, cur: v}, checks, baselines)
                    fires = {r.then for r in chk.rules if evaluate(r.if_, cur, ctx)}
                    if not fires <= target or any(f not in self.fdefs for f in fires):
                        continue
                    g = len(fires & (target - fired))
                    if g > gain:
                        choice, gain = v, g
                if gain < 0:
                    ok = False
                    break
                answers[cur] = choice
            if not ok:
                continue
            got = {f.finding for f in st.fired}
            if got == target:
                return answers
            score = len(got & target)
            if got <= target and (best is None or score > best[0]):
                best = (score, answers)
        return best[1] if best else None

    def _make_case(self, cid: str, answers: dict[str, Any]) -> Case:
        from cstriage.engine.session import derive

        cl = self.lib.checklist(cid)
        st = derive(cl, self.fdefs, answers, self._baseline_values(cl))
        order = [c.id for _, c in cl.checks()]
        asked = [c for c in order if c in st.asked]
        seq = tuple((c, None if answers[c] is SKIP else answers[c], answers[c] is SKIP) for c in asked)
        fired = tuple((f.finding, self.fdefs[f.finding].fix) for f in st.fired)
        return Case(cid, seq, fired, {})

    def _skip_variant(self, cid: str, base: Case, n: int) -> Case | None:
        """Skip one check whose answer no fired rule looked at; the findings must stay the same."""
        from cstriage.engine.session import derive

        cl = self.lib.checklist(cid)
        answers = {c: v for c, v, _ in base.answers}
        st = derive(cl, self.fdefs, answers, self._baseline_values(cl))
        used = {e["check"] for f in st.fired for e in f.evidence}
        used |= {w["check"] for f in st.fired for e in f.evidence for w in e.get("with", [])}
        free = [c for c in st.asked if c not in used]
        if not free:
            return None
        skip = free[(n - 1) % len(free)]
        answers = {c: v for c, v in answers.items() if c != skip}
        answers[skip] = SKIP
        solved = self._solve(cid, frozenset(f for f, _ in base.fired), tries=6, start=answers)
        if solved is None:
            return None
        case = self._make_case(cid, solved)
        return case if case.fired == base.fired else None

    def result(self, case: Case, product: str | None, downtime: bool) -> dict[str, Any]:
        """The engine's verdict JSON for a case (cached per product and downtime flag)."""
        key = (case, product, downtime)
        got = self._results.get(key)
        if got is None:
            from cstriage.engine.session import Session
            from cstriage.engine.verdict import decide

            cl = self.lib.checklist(case.checklist)
            s = Session(cl, self.fdefs, baselines=self._baseline_values(cl))
            for c, v, skipped in case.answers:
                s.answers[c] = SKIP if skipped else v
            got = decide(s, self.lib, {"product": product, "downtime_critical": downtime}, self.lang)
            self._results[key] = got
        return got

    # -- units (serials) -----------------------------------------------------
    def _unit_key(self, serial: str | None, customer: str | None, product: str | None) -> Any:
        return ("s", serial) if serial else ("c", customer, product)

    def _conflicts(self, key: Any, when: datetime, findings: set[str], visit: bool) -> bool:
        u = self._units.get(key)
        if u is None:
            return False
        if findings & u.findings:
            return True
        if key[0] != "s":
            return False
        i = bisect.bisect_left(u.visits, when)
        if i > 0 and when - u.visits[i - 1] <= REVISIT_DAYS * DAY:
            return True
        if visit:
            j = bisect.bisect_right(u.starts, when)
            if j < len(u.starts) and u.starts[j] - when <= REVISIT_DAYS * DAY:
                return True
        return False

    def _claim(self, key: Any, when: datetime, findings: set[str], visit: bool) -> None:
        u = self._units.setdefault(key, _Unit())
        u.findings |= findings
        bisect.insort(u.starts, when)
        if visit:
            bisect.insort(u.visits, when)

    def new_serial(self, product: str | None) -> str:
        self._serial_no += 1
        prefix = "".join(w[0] for w in (product or "x").split("-"))[:3].upper()
        return f"SN-{prefix}-{self._serial_no:05d}"

    def _place(self, case: Case, product: str | None, when: datetime, serial_p: float = 0.95) -> tuple[str | None, str]:
        """A customer and serial for a background session that creates no repeat."""
        findings = {f for f, _ in case.fired}
        visit = case.result.get("verdict") == "visit" if case.result else False
        n = len(self.customers)
        for _ in range(12):
            customer = self.customers[min(int(self.rng.paretovariate(1.2)) - 1, n - 1) if self.rng.random() < 0.5
                                      else self.rng.randrange(n)]
            if self.rng.random() > serial_p:
                key = ("c", customer, product)
                if not self._conflicts(key, when, findings, False):
                    self._claim(key, when, findings, False)
                    return None, customer
                continue
            fleet = self._fleet.setdefault((customer, product or ""), [])
            for serial in self.rng.sample(fleet, len(fleet)):
                if not self._conflicts(("s", serial), when, findings, visit):
                    self._claim(("s", serial), when, findings, visit)
                    return serial, customer
            if len(fleet) < 4:
                serial = self.new_serial(product)
                fleet.append(serial)
                self._claim(("s", serial), when, findings, visit)
                return serial, customer
        customer = self.customers[self.rng.randrange(n)]
        serial = self.new_serial(product)
        self._fleet.setdefault((customer, product or ""), []).append(serial)
        self._claim(("s", serial), when, findings, visit)
        return serial, customer

    # -- adding sessions -----------------------------------------------------
    def _new_id(self, when: datetime) -> str:
        while True:
            sid = when.strftime("%Y%m%d-%H%M%S") + "-" + f"{self.rng.getrandbits(16):04x}"
            if sid not in self._ids:
                self._ids.add(sid)
                return sid

    def add(self, checklist: str, findings: Any = (), *, when: datetime, serial: str | None = None,
            customer: str | None = None, product: str | None = None, skip: int = 0, downtime: bool = False,
            open_after: int | None = None, place: bool = False, case: Case | None = None,
            skip_checks: tuple[str, ...] = ()) -> Planned:
        """Add one session. `place=True` picks customer and serial so that no repeat appears."""
        if case is None:
            if skip_checks:
                case = self.case(checklist, frozenset(findings), skip_checks=tuple(skip_checks))
            else:
                case = self.case(checklist, frozenset(findings), skip) or self.case(checklist, frozenset(findings))
            if case is None or {f for f, _ in case.fired} != set(findings):
                raise ValueError(f"no answers of `{checklist}` fire exactly {sorted(findings)}")
        cl = self.lib.checklist(checklist)
        product = product or self.rng.choice(cl.products)
        res = self.result(case, product, downtime) if open_after is None else {}
        if open_after is None:
            case = Case(case.checklist, case.answers, case.fired, res)
        else:
            case = Case(case.checklist, case.answers, (), {})
        if place:
            serial, customer = self._place(case, product, when)
        else:
            self._claim(self._unit_key(serial, customer, product), when, {f for f, _ in case.fired},
                        res.get("verdict") == "visit")
        p = Planned(self._new_id(when), case, when, self.rng.randint(6, 45), serial, customer, product, downtime,
                    f"T-{self.rng.randint(10000, 99999)}", open_after)
        self.sessions.append(p)
        return p

    def background(self, n: int, days: int = 180) -> None:
        """`n` sessions over the last `days`, findings Zipf-distributed per checklist."""
        weights = {}
        for i, cid in enumerate(self.rng.sample(self.checklists, len(self.checklists))):
            purpose = self.lib.checklist(cid).purpose
            weights[cid] = (1.0 / (i + 1) ** 0.6) * (1.0 if purpose == "triage" else 0.35)
        pools = {}
        for cid in self.checklists:
            fs = [f for f in self.findings_of(cid)]
            self.rng.shuffle(fs)
            fw = [1.0 / (r + 1) ** 1.1 for r in range(len(fs))]
            pairs: list[frozenset[str]] = []
            for _ in range(40):  # a few likely pairs per checklist, not every combination
                pair = frozenset(self.rng.choices(fs, fw, k=2))
                if len(pair) == 2 and pair not in pairs:
                    pairs.append(pair)
                if len(pairs) == 8:
                    break
            pools[cid] = (fs, fw, pairs)
        per_lab = 150  # sessions per customer over the period, roughly
        k = 2
        while len(self.customers) * per_lab < n:
            self.customers += [f"{g} Lab {k}, {i}" for i in _INSTITUTES for g in _GROUPS]
            k += 1
        cids = list(weights)
        cw = [weights[c] for c in cids]
        span = days * 86400
        for _ in range(n):
            cid = self.rng.choices(cids, cw)[0]
            fs, fw, pairs = pools[cid]
            r = self.rng.random()
            if r < 0.12 or not fs:
                target: frozenset[str] = frozenset()
            elif r < 0.85 or not pairs:
                target = frozenset(self.rng.choices(fs, fw))
            else:
                target = self.rng.choice(pairs)
            when = self.now - timedelta(seconds=self.rng.randrange(600, span))
            skip = self.rng.randint(1, 3) if self.rng.random() < 0.15 else 0
            open_after = self.rng.randint(1, 4) if self.rng.random() < 0.02 else None
            case = self.case(cid, target, skip) or self.case(cid, target) or self.case(cid, frozenset())
            if case is None:
                continue
            self.add(cid, when=when, case=case, downtime=self.rng.random() < 0.2, open_after=open_after, place=True)

    # -- writing -------------------------------------------------------------
    def rows(self, p: Planned) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The `sessions` row and the events of one planned session."""
        events = []
        t = p.started
        answers = p.case.answers if p.open_after is None else p.case.answers[:p.open_after]
        step = timedelta(seconds=max(20, p.minutes * 60 // max(1, len(p.case.answers))))
        for seq, (check, value, skipped) in enumerate(answers, 1):
            t = t + step
            events.append({"seq": seq, "ts": t.isoformat(), "kind": "answer", "check": check, "value": value,
                           "skipped": skipped})
        finished = None if p.open_after is not None else (p.started + timedelta(minutes=p.minutes)).isoformat()
        meta = {"product": p.product, "serial": p.serial, "customer": p.customer, "ticket": p.ticket,
                "downtime_critical": p.downtime, "symptom": None}
        result = None
        if p.open_after is None:
            res = dict(p.case.result)
            res.update(session=p.id, meta=meta, notes=[], content_hash=self.lib.hashes.get(p.case.checklist))
            result = json.dumps(res, ensure_ascii=False)
        row = {"id": p.id, "checklist": p.case.checklist, "content_hash": self.lib.hashes.get(p.case.checklist, ""),
               "status": "open" if p.open_after is not None else "finished", "started": p.started.isoformat(),
               "updated": finished or (events[-1]["ts"] if events else p.started.isoformat()), "finished": finished,
               "product": p.product, "serial": p.serial, "customer": p.customer, "ticket": p.ticket,
               "downtime_critical": int(p.downtime), "symptom": None, "lang": self.lang,
               "verdict": p.case.result.get("verdict") if p.open_after is None else None, "result": result}
        return row, events

    def write(self, store: Any, chunk: int = 20000) -> None:
        conn = store.conn
        cols = ("id", "checklist", "content_hash", "status", "started", "updated", "finished", "product", "serial",
                "customer", "ticket", "downtime_critical", "symptom", "lang", "verdict", "result")
        sql = f"INSERT INTO sessions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        ordered = sorted(self.sessions, key=lambda p: p.started)
        for i in range(0, len(ordered), chunk):
            srows, erows, frows = [], [], []
            for p in ordered[i:i + chunk]:
                row, events = self.rows(p)
                srows.append(tuple(row[c] for c in cols))
                erows += [(p.id, e["seq"], e["ts"], "answer", e["check"], _value(e["value"]), int(e["skipped"]))
                          for e in events]
                if p.open_after is None:
                    frows += [(p.id, f, fix) for f, fix in p.case.fired]
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(sql, srows)
                conn.executemany("INSERT INTO events (session, seq, ts, kind, check_id, value, skipped) "
                                 "VALUES (?,?,?,?,?,?,?)", erows)
                conn.executemany("INSERT INTO session_findings (session, finding, fix) VALUES (?,?,?)", frows)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def records(self) -> Iterator[dict[str, Any]]:
        """Export records, exactly as `cstriage sessions export` writes them."""
        from cstriage.store.db import record

        for p in sorted(self.sessions, key=lambda p: (p.started.isoformat(), p.id)):
            row, events = self.rows(p)
            yield record(row, events)

    def write_jsonl(self, path: Path) -> int:
        n = 0
        with Path(path).open("w", encoding="utf-8") as fh:
            for rec in self.records():
                fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
                n += 1
        return n


def _conditions_on(cl: Any, check_id: str) -> Iterator[Any]:
    """Every leaf condition in the checklist that looks at `check_id`."""

    def walk(cond: Any, current: str) -> Iterator[Any]:
        op = cond.op
        if op in ("all", "any"):
            for sub in cond.arg():
                yield from walk(sub, current)
        elif op == "not":
            yield from walk(cond.not_, current)
        elif (cond.check or current) == check_id:
            yield cond

    for _, chk in cl.checks():
        if chk.when is not None:
            yield from walk(chk.when, chk.id)
        for rule in chk.rules:
            yield from walk(rule.if_, chk.id)


# -- planting ----------------------------------------------------------------
DEFAULT_PLANT = {"customer": 3, "product": 1, "internal_revisit": 2, "internal_same": 1, "top": 3}


def _exact_pool(h: History) -> list[tuple[str, str]]:
    """(checklist, finding) pairs whose single-finding case fires exactly that finding."""
    out, seen = [], set()
    for cid in h.checklists:
        for f in h.findings_of(cid):
            if f not in seen and h.exact(cid, f):
                seen.add(f)
                out.append((cid, f))
    return out


def plant_repeats(h: History, counts: dict[str, int]) -> list[dict[str, Any]]:
    """Repeat claims of each level on fresh serials, all inside the last 85 days."""
    pool = _exact_pool(h)
    fix = {f: h.fdefs[f].fix for _, f in pool}
    used: dict[str, int] = {}
    planted: list[dict[str, Any]] = []
    rng = h.rng

    def pick(pred: Any, limit: int = 1) -> tuple[str, str] | None:
        """A finding not planted yet, else one planted on fewer than `limit` serials."""
        fresh = [x for x in pool if pred(x[1]) and x[1] not in used]
        if fresh:
            return rng.choice(fresh)
        again = [x for x in pool if pred(x[1]) and used[x[1]] < limit]
        return rng.choice(again) if again else None

    def day(d: float) -> datetime:
        return h.now - timedelta(days=d, minutes=rng.randint(0, 600))

    def customer() -> str:
        return f"Planted Lab {len(planted) + 1}"

    def remote_ok(f: str) -> bool:
        return fix[f] == "remote" and not h.fdefs[f].safety

    def onsite(f: str) -> bool:
        return fix[f] == "visit" and not h.fdefs[f].safety

    # product level first: it claims one finding for three serials
    for _ in range(counts.get("product", 0)):
        got = pick(lambda f: True)
        if got is None:
            break
        cid, f = got
        used[f] = 99
        sessions, serials = [], []
        for _u in range(3):
            product = rng.choice(h.lib.checklist(cid).products)
            serial = h.new_serial(product)
            cust = customer() + f"-{_u}"
            for d in (rng.uniform(50, 80), rng.uniform(5, 30)):
                sessions.append(h.add(cid, {f}, when=day(d), serial=serial, customer=cust, product=product).id)
            serials.append(serial)
        planted.append({"level": "product", "finding": f, "serials": sorted(serials), "sessions": sorted(sessions)})
    for i in range(counts.get("customer", 0)):
        got = pick(remote_ok, limit=2)
        if got is None:
            break
        cid, f = got
        used[f] = used.get(f, 0) + 1
        product = rng.choice(h.lib.checklist(cid).products)
        no_serial = i == 1  # one of them on a customer without a serial number
        maybe_serial = None if no_serial else h.new_serial(product)
        cust = customer()
        days = sorted((rng.uniform(3, 20), rng.uniform(35, 50), rng.uniform(65, 85))[: 2 + (i % 2)], reverse=True)
        ids = [h.add(cid, {f}, when=day(d), serial=maybe_serial, customer=cust, product=product).id for d in days]
        planted.append({"level": "customer", "finding": f, "serial": maybe_serial, "customer": cust, "product": product,
                        "sessions": sorted(ids)})
    for _ in range(counts.get("internal_same", 0)):
        got = pick(onsite)
        if got is None:
            break
        cid, f = got
        used[f] = 99
        product = rng.choice(h.lib.checklist(cid).products)
        serial = h.new_serial(product)
        cust = customer()
        d0 = rng.uniform(30, 70)
        ids = [h.add(cid, {f}, when=day(d), serial=serial, customer=cust, product=product).id
               for d in (d0, d0 - rng.uniform(3, 12))]
        planted.append({"level": "internal", "finding": f, "serial": serial, "customer": cust, "product": product,
                        "sessions": sorted(ids)})
    for _ in range(counts.get("internal_revisit", 0)):
        got = pick(onsite, limit=99)
        if got is None:
            break
        cid, f = got
        others = [(c, g) for c, g in pool if g != f and h.lib.checklist(c).products == h.lib.checklist(cid).products]
        cid2, g = rng.choice(others) if others else (cid, None)
        product = rng.choice(h.lib.checklist(cid).products)
        serial = h.new_serial(product)
        cust = customer()
        d0 = rng.uniform(20, 80)
        first = h.add(cid, {f}, when=day(d0), serial=serial, customer=cust, product=product)
        follow = h.add(cid2, {g} if g else set(), when=day(d0 - rng.uniform(2, 10)), serial=serial, customer=cust,
                       product=product)
        used.setdefault(f, 0)
        planted.append({"level": "internal", "finding": f, "serial": serial, "customer": cust, "product": product,
                        "sessions": sorted([first.id, follow.id])})
    return planted


def plant_top(h: History, k: int, since: str, until_x: str) -> list[dict[str, Any]]:
    """Lift `k` findings to the top of the default window with a clear margin, in order."""
    counts: dict[str, int] = {}
    for p in h.sessions:
        s = p.started.isoformat()
        if p.open_after is None and since <= s < until_x:
            for f, _ in p.case.fired:
                counts[f] = counts.get(f, 0) + 1
    pool = _exact_pool(h)
    ranked = sorted(counts, key=lambda f: (-counts[f], f))[:k]
    # lift runners-up (cheap: few extra sessions), in an order of our choosing
    choice = sorted((x for x in pool if x[1] not in ranked), key=lambda x: (-counts.get(x[1], 0), x[1]))[:k]
    h.rng.shuffle(choice)
    top = max(counts.values(), default=0)
    step = max(2, math.ceil(top * 0.03))
    out = []
    for i, (cid, f) in enumerate(choice):
        want = top + step * (k - i)
        for _ in range(want - counts.get(f, 0)):
            when = h.now - timedelta(days=h.rng.uniform(0.5, 85))
            h.add(cid, {f}, when=when, downtime=h.rng.random() < 0.2, place=True)
        out.append({"finding": f, "count": want})
    return out


def generate(store_or_path: Any, n: int, seed: int = 1, now: datetime | None = None, plant: Any = True, *,
             library: Any = None, roots: list[Path] | None = None, jsonl: Path | None = None,
             lang: str = "en") -> dict[str, Any]:
    """Write `n` background sessions plus planted repeats and top issues; return the manifest.

    `store_or_path` is a Store, a data folder, or None (only `jsonl` is written).
    """
    from cstriage.store.stats import window

    if library is None:
        from cstriage.content.library import content_dirs, load

        library = load(roots if roots is not None else content_dirs())
    h = History(library, seed, now, lang)
    if not h.checklists:
        raise ValueError("the library has no checklist with rules to generate sessions from")
    counts = dict(DEFAULT_PLANT) if plant is True else ({} if not plant else {**dict.fromkeys(DEFAULT_PLANT, 0), **plant})
    repeats = plant_repeats(h, counts)
    h.background(n)
    w = window("90d", None, h.now)
    top = plant_top(h, counts.get("top", 0), w["since"], w["until_x"]) if counts.get("top") else []
    if store_or_path is not None:
        from cstriage.store.db import Store

        store = store_or_path if hasattr(store_or_path, "conn") else Store.open(Path(store_or_path))
        h.write(store)
    if jsonl is not None:
        h.write_jsonl(jsonl)
    return {"sessions": len(h.sessions), "now": h.now.isoformat(), "window": {"since": w["since"], "until": w["until"]},
            "planted_repeats": repeats, "planted_top": top}


def main(argv: list[str] | None = None) -> int:
    import argparse
    import time

    ap = argparse.ArgumentParser(prog="python -m cstriage.store.synth", description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100000, help="background sessions (planted ones come on top)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", help="write the sessions into this data folder's database")
    ap.add_argument("--jsonl", help="write the sessions as a `sessions export` JSON Lines file")
    ap.add_argument("--content", action="append", default=[], help="extra content folder (repeatable)")
    ap.add_argument("--no-bundled", action="store_true", help="use only the --content folders")
    ap.add_argument("--no-plant", action="store_true", help="no planted repeats or top issues")
    ap.add_argument("--manifest", help="write the manifest (planted repeats and top issues) as JSON here")
    args = ap.parse_args(argv)
    if not args.data_dir and not args.jsonl:
        ap.error("give --data-dir, --jsonl or both")
    from cstriage.content.library import content_dirs, load

    t0 = time.perf_counter()
    lib = load(content_dirs(args.content, bundled=not args.no_bundled))
    manifest = generate(Path(args.data_dir) if args.data_dir else None, args.n, args.seed, plant=not args.no_plant,
                        library=lib, jsonl=Path(args.jsonl) if args.jsonl else None)
    if args.manifest:
        Path(args.manifest).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{manifest['sessions']} sessions in {time.perf_counter() - t0:.1f} s "
          f"({len(manifest['planted_repeats'])} planted repeats, {len(manifest['planted_top'])} planted top issues)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
