"""One bounded load run and its checks: participants submit leads (some retried with the same Idempotency-Key) and
read points balances over API v1 and browse their pages, while the organiser runs a settlement over the API and
downloads the tenant export from its page. Afterwards: no error answer, every lead in the database exactly once,
every lead's notice mailed by the worker, the settlement and the export finished."""

from __future__ import annotations

import io
import json
import math
import os
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from portal.config import database_url
from portal.demo.service import DEMO_PASSWORD, demo_email
from tests.load import driver
from tests.load.stack import Stack

API_BUDGET_RPS = 300
API_BUDGET_P95_MS = 100
LEADS_PER_PARTNER = 40  # the smallest per-partner limit (L-06) of the presets is 50


@dataclass
class Size:
    requests: int
    rate: float | None  # requests per second (open loop); None: as fast as `threads` connections go
    threads: int
    warmup: int = 60

    @property
    def seed(self) -> tuple[int, int, int]:
        """(partners per lead tenant, installers, tokens per tenant) for this many requests."""
        leads = (self.requests + self.warmup) * driver.LEAD_SHARE * 1.1
        partners = math.ceil(leads / 2 / LEADS_PER_PARTNER) + 2
        per_token_minute = 450  # under the API's 600 requests per minute per token
        minutes = max(1.0, (self.requests / self.rate) / 60) if self.rate else 1.0
        tokens = math.ceil(self.requests / 3 / (per_token_minute * minutes)) + 1
        return partners, max(10, self.requests // 100), tokens


@dataclass
class Report:
    size: Size
    summary: dict
    problems: list[str]
    side: list[driver.SideTask]
    counts: dict = field(default_factory=dict)
    conditions: dict = field(default_factory=dict)
    cpu: dict = field(default_factory=dict)  # CPU seconds of the measured phase: web, worker, postgres, client

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        s, api = self.summary, self.summary["api"]
        lines = [f"load: {s['all']['requests']} requests in {s['seconds']:.1f} s "
                 f"({'open loop at ' + str(self.size.rate) + '/s' if self.size.rate else 'closed loop'}, "
                 f"{self.size.threads} client threads); conditions: {self.conditions}"]
        for name, fig in (("all", s["all"]), ("api", api), *sorted(s["by_kind"].items())):
            lines.append(f"  {name:<11} {fig['requests']:>6} req  {fig['rps']:7.1f} req/s  p50 {fig['p50_ms']:6.1f} ms"
                         f"  p95 {fig['p95_ms']:6.1f} ms  p99 {fig['p99_ms']:6.1f} ms  max {fig['max_ms']:7.1f} ms")
        for task in self.side:
            lines.append(f"  side: {task.name:<10} status {task.status} in {task.seconds:.2f} s  {task.detail}"
                         + (f"  ERROR {task.error}" if task.error else ""))
        lines.append(f"  checked: {self.counts}")
        if self.cpu:
            n = s["all"]["requests"]
            per = {name: seconds / n * 1000 for name, seconds in self.cpu.items()}
            server = per.get("web", 0) + per.get("postgres", 0)
            lines.append("  CPU per request: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in per.items())
                         + f"; web + postgres {server:.2f} ms → about {2000 / server if server else 0:.0f} req/s on "
                         "two idle cores (before Redis, the worker and the client)")
        within = api["rps"] >= API_BUDGET_RPS and api["p95_ms"] <= API_BUDGET_P95_MS
        lines.append(f"  budget: API ≥ {API_BUDGET_RPS} req/s at p95 ≤ {API_BUDGET_P95_MS} ms — measured "
                     f"{api['rps']:.1f} req/s at p95 {api['p95_ms']:.1f} ms: {'within' if within else 'OVER'}")
        lines += [f"  PROBLEM: {p}" for p in self.problems] or ["  no error answer, nothing lost, nothing doubled"]
        return "\n".join(lines)


def _get(url: str, headers: dict[str, str], *, data: bytes | None = None, timeout: float = 600) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers,  # noqa: S310 - our own http:// server
                                     method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _settlement_task(stack: Stack, run_id: str) -> driver.SideTask:
    info = stack.seeded["tenants"]["distributor"]
    period = info["periods"][0]

    def run() -> tuple[int, str]:
        status, body = _get(f"{stack.base_url}/api/v1/settlements/{period['number']}/run",
                            {"Authorization": f"Bearer {info['tokens'][0]}", "Content-Type": "application/json",
                             "Idempotency-Key": f"settle-{run_id}", "Accept-Language": "en"},
                            data=json.dumps({"as_of": period["payout_by"]}).encode())
        if status != 200:
            return status, body[:300].decode(errors="replace")
        answer = json.loads(body)
        return status, f"period {answer['period']} {answer['status']}, {len(answer['lines'])} lines"

    return driver.SideTask("settlement", 0.3, run)


def _export_task(stack: Stack, cookie: str) -> driver.SideTask:
    def run() -> tuple[int, str]:
        status, body = _get(f"{stack.base_url}/t/distributor/export", {"Cookie": cookie})
        if status != 200:
            return status, body[:300].decode(errors="replace")
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            leads = json.loads(archive.read("json/leads.json"))
            return status, f"{len(body) // 1024} KiB zip, {len(archive.namelist())} files, {len(leads)} leads"

    return driver.SideTask("export", 0.5, run)


def _sessions(stack: Stack) -> tuple[list[driver.Session], str]:
    pages = {"distributor": ("/t/distributor/leads", "/t/distributor/notices"),
             "saas-vendor": ("/t/saas-vendor/leads",),
             "manufacturer": ("/t/manufacturer/points", "/t/manufacturer/rewards")}
    people = [("distributor", 1), ("distributor", 2), ("saas-vendor", 1), ("manufacturer", 1), ("manufacturer", 2)]
    sessions = [driver.Session(slug, driver.login(stack.base_url, slug, demo_email(slug, f"participant{n}"),
                                                  DEMO_PASSWORD), pages[slug]) for slug, n in people]
    admin = driver.login(stack.base_url, "distributor", demo_email("distributor", "admin"), DEMO_PASSWORD)
    return sessions, admin


def _wait_for_outbox(engine, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        with engine.connect() as conn:
            waiting = conn.scalar(text("SELECT count(*) FROM notifications WHERE mail_state IN ('pending', 'sending')"))
        if not waiting or time.monotonic() > deadline:
            return waiting or 0
        time.sleep(0.5)


def verify(stack: Stack, result: driver.Result, run_id: str, *, drain_seconds: float,
           require_drain: bool) -> tuple[list[str], dict]:
    """The no-error, nothing-lost checks. The notices' outbox must hold exactly one notice per lead; with
    ``require_drain`` the worker must also have mailed them all within ``drain_seconds`` (else the backlog is
    reported: one worker mails a few notices a second, a burst of leads queues them, the outbox keeps them)."""
    problems: list[str] = []
    failures = result.failures()
    for outcome in failures[:15]:
        call = outcome.call
        problems.append(f"{call.kind} {call.method} {call.path} answered {outcome.status}: {outcome.error}")
    if len(failures) > 15:
        problems.append(f"… and {len(failures) - 15} more error answers")
    for task in result.side:
        if task.error or task.status != 200:
            problems.append(f"{task.name} did not finish: status {task.status} {task.error or task.detail}")

    by_ref: dict[str, list[driver.Outcome]] = {}
    for outcome in result.outcomes:
        if outcome.call.ref is not None:
            by_ref.setdefault(outcome.call.ref, []).append(outcome)
    answered: dict[str, int] = {}
    for ref, outcomes in by_ref.items():
        ids = {o.lead_id for o in outcomes if o.status == 201}
        created = [o for o in outcomes if o.status == 201 and not o.replayed]
        if len(ids) > 1:
            problems.append(f"lead {ref}: the answers name different leads {sorted(ids)}")
        if ids and len(created) != 1:
            problems.append(f"lead {ref}: {len(created)} answers say 'created' for {len(outcomes)} requests "
                            "(a retry with the same Idempotency-Key must replay)")
        if ids:
            answered[ref] = ids.pop()

    engine = create_engine(database_url(stack.database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT ref, id FROM leads WHERE ref LIKE :prefix"),
                                {"prefix": f"LD-{run_id}-%"}).all()
            settled = conn.scalar(text("SELECT count(*) FROM settlements s JOIN tenants t ON t.id = s.tenant_id "
                                       "WHERE t.slug = 'distributor'"))
        stored: dict[str, list[int]] = {}
        for ref, lead_id in rows:
            stored.setdefault(ref, []).append(lead_id)
        doubled = {ref: ids for ref, ids in stored.items() if len(ids) > 1}
        lost = sorted(set(answered) - set(stored))
        unexpected = sorted(set(stored) - set(answered))
        wrong_id = sorted(ref for ref, lead_id in answered.items() if ref in stored and stored[ref] != [lead_id])
        for label, refs in (("doubled in the database", sorted(doubled)),
                            ("answered 201 but not in the database", lost),
                            ("in the database without a 201 answer", unexpected),
                            ("stored under another id than answered", wrong_id)):
            if refs:
                problems.append(f"{len(refs)} leads {label}: {refs[:5]}")
        if not settled:
            problems.append("no settlement row for the distributor after the run")

        drain_started = time.monotonic()
        waiting = _wait_for_outbox(engine, drain_seconds)
        drained_in = time.monotonic() - drain_started
        with engine.connect() as conn:
            notices = conn.execute(text("SELECT params, mail_state FROM notifications WHERE kind = 'lead_received'"))
            mailed: dict[str, list[str]] = {}
            for params, state in notices:
                params = json.loads(params) if isinstance(params, str) else params
                if str(params.get("ref", "")).startswith(f"LD-{run_id}-"):
                    mailed.setdefault(params["ref"], []).append(state)
            failed = conn.scalar(text("SELECT count(*) FROM notifications WHERE mail_state = 'failed'"))
        missing = sorted(set(answered) - set(mailed))
        twice = sorted(ref for ref, states in mailed.items() if len(states) > 1)
        if missing:
            problems.append(f"{len(missing)} leads without a 'lead received' notice in the outbox: {missing[:5]}")
        if twice:
            problems.append(f"{len(twice)} leads with more than one notice: {twice[:5]}")
        if failed:
            problems.append(f"{failed} notices failed to send")
        if waiting and require_drain:
            problems.append(f"{waiting} notices still unsent {drain_seconds:.0f} s after the run (worker)")
    finally:
        engine.dispose()
    counts = {"leads_answered": len(answered), "leads_stored": len(stored),
              "retries": sum(1 for o in result.outcomes if o.call.kind == "lead-retry"),
              "replayed": sum(1 for o in result.outcomes if o.replayed),
              "reconnects": sum(o.reconnects for o in result.outcomes),
              "notices_sent": sum(states.count("sent") for states in mailed.values()),
              "notices_unsent": waiting, "outbox_wait_s": round(drained_in, 1)}
    return problems, counts


def execute(base_database: str, redis_url: str, size: Size, *, web_workers: int | None = None,
            web_threads: int | None = None, keep: bool = False, drain_seconds: float = 60,
            require_drain: bool = False) -> Report:
    """Start the stack in a scratch database beside ``base_database``, run ``size``, check, stop, drop."""
    from tests import scratchdb

    run_id = uuid.uuid4().hex[:6]
    partners, installers, tokens = size.seed
    url, name, admin = scratchdb.create(base_database, "portal_load")
    try:
        with Stack(url, redis_url, partners=partners, installers=installers, tokens=tokens,
                   web_workers=web_workers, web_threads=web_threads) as stack:
            sessions, admin_cookie = _sessions(stack)
            plan = driver.build_plan(stack.seeded, sessions, size.warmup + size.requests, run_id=run_id)
            warm = driver.run(stack.base_url, plan[:size.warmup], rate=None, threads=min(4, size.threads))
            load_before, cpu_before, client_before = os.getloadavg(), stack.cpu_seconds(), time.process_time()
            result = driver.run(stack.base_url, plan[size.warmup:], rate=size.rate, threads=size.threads,
                                side=[_settlement_task(stack, run_id), _export_task(stack, admin_cookie)])
            load_after, cpu_after, client_after = os.getloadavg(), stack.cpu_seconds(), time.process_time()
            cpu = {name: (cpu_after[name] - cpu_before.get(name, 0.0)) for name in cpu_after}
            cpu["client"] = client_after - client_before
            everything = driver.Result(warm.outcomes + result.outcomes, result.side, result.started, result.ended,
                                       size.rate, size.threads)
            problems, counts = verify(stack, everything, run_id, drain_seconds=drain_seconds,
                                      require_drain=require_drain)
            if problems:
                problems.append("server logs:\n" + stack.logs())
            conditions = {"cpus": os.cpu_count(), "loadavg_1m_before": round(load_before[0], 2),
                          "loadavg_1m_after": round(load_after[0], 2),
                          "web": f"{web_workers or 'default'} workers × {web_threads or 'default'} threads"}
            return Report(size, driver.summary(result), problems, result.side, counts, conditions, cpu)
    finally:
        if not keep:
            scratchdb.drop(name, admin)
