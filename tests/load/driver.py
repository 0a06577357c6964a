"""The load generator: a fixed list of requests (built up front, so a run is bounded and repeatable), sent from a
pool of threads with one keep-alive connection each, at a fixed rate (open loop) or as fast as the pool goes.

Why not locust or wrk: this is a 2-core machine and the generator shares it with gunicorn, PostgreSQL, Redis and the
worker. Locust's gevent users and its stats machinery (or an httpx/asyncio client) cost more CPU per request than
``http.client`` on a few threads, and wrk cannot check each answer (status, ``Idempotent-Replayed``, the lead id)
without a Lua script per request kind. The standard library needs no new dependency and lets the test verify every
response afterwards. In open-loop mode each request's latency counts from the moment it was *due*, not from when a
thread got round to sending it, so a server that falls behind cannot hide its queue (no coordinated omission).
"""

from __future__ import annotations

import http.client
import json
import math
import queue
import random
import re
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookiejar import CookieJar

from portal.leads.rules import OPTIONAL_FIELDS

LEAD_SHARE, POINTS_SHARE = 0.45, 0.45  # the rest is page browsing by logged-in participants
RETRY_SHARE = 0.05  # lead submissions sent twice with the same Idempotency-Key (a client retrying)


@dataclass(frozen=True)
class Call:
    kind: str  # lead | lead-retry | points | page
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None = None
    expect: int = 200
    ref: str | None = None  # a lead's reference (lead, lead-retry)

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


@dataclass
class Outcome:
    call: Call
    status: int  # 0: no HTTP answer (connection refused, reset, timeout)
    latency: float  # seconds from the moment the request was due to the end of its answer
    ended: float
    error: str | None = None
    lead_id: int | None = None
    replayed: bool = False
    reconnects: int = 0


@dataclass
class SideTask:
    """An organiser's action started once ``at`` (a fraction) of the requests have been sent; ``run`` returns
    (HTTP status, a detail for the report)."""

    name: str
    at: float
    run: Callable[[], tuple[int, str]]
    status: int | None = None
    detail: str = ""
    seconds: float = 0.0
    error: str | None = None


@dataclass
class Result:
    outcomes: list[Outcome]
    side: list[SideTask]
    started: float
    ended: float
    rate: float | None
    threads: int
    notes: dict = field(default_factory=dict)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != o.call.expect or o.error]

    def api_outcomes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.call.api]


# ---------------------------------------------------------------- the plan


def nips(start: int):
    """Valid NIPs (10 digits, checksum weights 6,5,7,2,3,4,5,6,7), one for each number from ``start`` on."""
    n = start
    while True:
        base = f"{n:09d}"
        check = sum(int(d) * w for d, w in zip(base, (6, 5, 7, 2, 3, 4, 5, 6, 7), strict=True)) % 11
        if check < 10:
            yield base + str(check)
        n += 1


@dataclass
class Session:
    """A logged-in participant (its cookies) and the pages it browses."""

    slug: str
    cookie: str
    paths: tuple[str, ...]


def build_plan(seeded: dict, sessions: list[Session], total: int, *, run_id: str, rng_seed: int = 7) -> list[Call]:
    """``total`` requests: lead submissions (a few retried with the same key), balance reads, page views."""
    rng = random.Random(rng_seed)
    tenants = seeded["tenants"]
    lead_tenants = [slug for slug, t in tenants.items() if t["kind"] == "lead_reward"]
    loyalty = [slug for slug, t in tenants.items() if t["kind"] == "loyalty"]
    capacity = {slug: {pid: (tenants[slug]["max_submissions"] or 10**6) - 4 for pid in tenants[slug]["partners"]}
                for slug in lead_tenants}  # L-06 per partner (None: no limit), less the demo's and the seed's leads
    cursor = {slug: 0 for slug in [*lead_tenants, *loyalty]}
    customer_nips = nips(810_000_000)
    calls: list[Call] = []
    retries: dict[int, list[Call]] = {}

    def token_of(slug: str) -> str:
        tokens = tenants[slug]["tokens"]
        cursor[slug] += 1
        return tokens[cursor[slug] % len(tokens)]

    def api_headers(slug: str, key: str | None = None) -> tuple[tuple[str, str], ...]:
        headers = [("Authorization", f"Bearer {token_of(slug)}"), ("Accept-Language", "en"),
                   ("Accept", "application/json")]
        if key is not None:
            headers += [("Idempotency-Key", key), ("Content-Type", "application/json")]
        return tuple(headers)

    def lead_call(n: int) -> Call:
        slug = lead_tenants[n % len(lead_tenants)]
        info = tenants[slug]
        open_partners = [pid for pid, left in capacity[slug].items() if left > 0]
        if not open_partners:
            raise RuntimeError(f"not enough partners seeded in {slug} for this many leads")
        partner = open_partners[n % len(open_partners)]
        capacity[slug][partner] -= 1
        starts, ends = date.fromisoformat(info["starts_on"]), date.fromisoformat(info["ends_on"])
        submitted = min(starts + timedelta(days=n % 45), ends)
        licences = max(info["min_quantity"], 20)
        ref = f"LD-{run_id}-{n}"
        body = {"ref": ref, "partner_id": partner, "customer_nip": next(customer_nips),
                "customer_name": f"Klient {n} Sp. z o.o.", "customer_address": f"ul. Obciążeniowa {n}, Gdańsk",
                "family": info["family"], "plan": "Standard", "billing": info["billing"], "licences": licences,
                "pcs": 25, "submitted_on": submitted.isoformat(), "vendor_consent": True,
                "customer_contact_first_name": "Ewa", "customer_contact_last_name": f"Kontakt{n}",
                "customer_contact_phone": "+48 600 100 200", "customer_contact_email": f"kontakt{n}@klient.example",
                "term_months": 24}
        body = {key: value for key, value in body.items()
                if key not in OPTIONAL_FIELDS or key in info.get("asks", OPTIONAL_FIELDS)}
        return Call("lead", "POST", "/api/v1/leads", api_headers(slug, key=f"load-{run_id}-{n}"),
                    json.dumps(body).encode(), expect=201, ref=ref)

    page_views = [(s, path) for s in sessions for path in s.paths]
    leads = 0
    for i in range(total):
        if i in retries and retries[i]:
            calls.append(retries[i].pop())
            if retries[i]:
                retries.setdefault(i + 1, []).extend(retries.pop(i))
            continue
        draw = rng.random()
        if draw < LEAD_SHARE or not (loyalty or page_views):
            call = lead_call(leads)
            leads += 1
            if rng.random() < RETRY_SHARE:  # the same request again a little later: sometimes while in flight
                retries.setdefault(i + rng.randint(1, 40), []).append(
                    Call("lead-retry", call.method, call.path, call.headers, call.body, 201, call.ref))
        elif (draw < LEAD_SHARE + POINTS_SHARE or not page_views) and loyalty:
            slug = loyalty[i % len(loyalty)]
            installer = rng.choice(tenants[slug]["installers"])
            call = Call("points", "GET", f"/api/v1/installers/{installer}/points", api_headers(slug))
        else:
            session, path = page_views[i % len(page_views)]
            call = Call("page", "GET", path, (("Cookie", session.cookie), ("Accept-Language", "en")))
        calls.append(call)
    leftovers = [c for pending in retries.values() for c in pending]
    return calls + leftovers


# ---------------------------------------------------------------- sessions (the pages' login, with its CSRF token)


def login(base_url: str, slug: str, email: str, password: str) -> str:
    """Log in through the page as a person does; returns the Cookie header of the session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = f"{base_url}/t/{slug}/login"
    with opener.open(url, timeout=30) as page:
        html = page.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    if token is None:
        raise RuntimeError(f"no CSRF token on {url}")
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email, "password": password}).encode()
    request = urllib.request.Request(url, data=form, headers={"Referer": url})  # noqa: S310 - http:// loopback
    with opener.open(request, timeout=30) as answer:
        answer.read()
        if f"/t/{slug}/login" in answer.geturl():
            raise RuntimeError(f"login of {email} at {slug} failed")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


# ---------------------------------------------------------------- sending


class Connection:
    """One keep-alive connection; a request that meets a connection the server closed while idle is sent once
    more on a fresh one (safe: POSTs carry an Idempotency-Key)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(self, call: Call) -> tuple[int, http.client.HTTPMessage, bytes, int]:
        for attempt in range(2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(call.method, call.path, body=call.body, headers=dict(call.headers))
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if fresh or attempt:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, response.headers, data, attempt
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _execute(connection: Connection, call: Call, due: float) -> Outcome:
    try:
        status, headers, data, reconnects = connection.send(call)
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        now = time.perf_counter()
        return Outcome(call, 0, now - due, now, error=f"{type(error).__name__}: {error}")
    now = time.perf_counter()
    outcome = Outcome(call, status, now - due, now, reconnects=reconnects)
    if call.kind in ("lead", "lead-retry") and status == 201:
        try:
            outcome.lead_id = json.loads(data)["id"]
        except (ValueError, KeyError, TypeError):
            outcome.error = "201 without a lead id"
        outcome.replayed = headers.get("Idempotent-Replayed") == "true"
    elif status != call.expect:
        outcome.error = data[:300].decode(errors="replace")
    return outcome


def run(base_url: str, calls: list[Call], *, rate: float | None, threads: int, side: list[SideTask] = (),
        timeout: float = 60.0) -> Result:
    """Send every call once: at ``rate`` per second (open loop), or with ``rate=None`` as fast as ``threads``
    connections allow (closed loop). Side tasks start in threads of their own at their fraction of the plan."""
    parsed = urllib.parse.urlparse(base_url)
    work: queue.Queue = queue.Queue(maxsize=0)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def worker() -> None:
        connection = Connection(parsed.hostname, parsed.port, timeout)
        while True:
            item = work.get()
            if item is None:
                connection.close()
                return
            call, due = item
            outcome = _execute(connection, call, due if due is not None else time.perf_counter())
            with lock:
                outcomes.append(outcome)
                while triggers and triggers[0][0] <= len(outcomes):
                    start_side(triggers.pop(0)[1])

    def run_side(task: SideTask) -> None:
        start = time.perf_counter()
        try:
            task.status, task.detail = task.run()
        except Exception as error:  # noqa: BLE001 - reported as the task's failure
            task.error = f"{type(error).__name__}: {error}"
        task.seconds = time.perf_counter() - start

    # a side task starts when that fraction of the requests has been answered (in both modes)
    triggers = sorted(((math.floor(task.at * len(calls)), task) for task in side), key=lambda pair: pair[0])
    side_threads: list[threading.Thread] = []

    def start_side(task: SideTask) -> None:
        side_threads.append(threading.Thread(target=run_side, args=(task,), name=f"side-{task.name}"))
        side_threads[-1].start()

    pool = [threading.Thread(target=worker, name=f"load-{n}", daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    started = time.perf_counter()
    for index, call in enumerate(calls):
        if rate is None:
            work.put((call, None))
            continue
        due = started + index / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        work.put((call, due))
    for _ in pool:
        work.put(None)
    for thread in pool:
        thread.join()
    ended = max((o.ended for o in outcomes), default=time.perf_counter())
    for thread in side_threads:
        thread.join()
    return Result(outcomes, list(side), started, ended, rate, threads)


# ---------------------------------------------------------------- figures


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0 … 100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def figures(outcomes: list[Outcome], seconds: float) -> dict:
    latencies = [o.latency for o in outcomes]
    return {"requests": len(outcomes), "rps": len(outcomes) / seconds if seconds > 0 else float("nan"),
            "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000, "max_ms": max(latencies, default=0.0) * 1000}


def summary(result: Result) -> dict:
    seconds = result.ended - result.started
    kinds = sorted({o.call.kind for o in result.outcomes})
    return {"seconds": seconds, "all": figures(result.outcomes, seconds),
            "api": figures(result.api_outcomes(), seconds),
            "by_kind": {kind: figures([o for o in result.outcomes if o.call.kind == kind], seconds) for kind in kinds}}
