"""The review desk's web app: server-rendered pages over a run directory, and one JSON endpoint for verdicts.

Pages: `/` (every stage's funnel), `/stage/{stage}` (its decisions and what was judged), `/stage/{stage}/sample`
(a seeded stratified sample), `/stage/{stage}/item/{id}` (one record, judged with the keyboard), `/stats`
(precision per decision, agreement between reviewers). `POST /api/label` stores a verdict; `GET /api/stats` and
`GET /api/sample` give the same numbers as JSON.

The app reads the run's artifacts and writes only `DIR/review/labels.sqlite`. A request it cannot serve gets a
4xx with a message: 400 malformed, 401 no token, 404 unknown stage or id, 409 the run directory changed under it.
"""

from __future__ import annotations

import hmac
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from codemill.engine.stage import DROP_REASON
from codemill.review import views
from codemill.review.data import Funnel, Located, NotFound, ReviewError, Run
from codemill.review.highlight import css
from codemill.review.labels import MAX_REASON, MAX_REVIEWER, VERDICTS, Judgment, LabelError, LabelStore
from codemill.review.limits import BodyLimit
from codemill.review.sampling import MAX_SAMPLE, Sample, SampleSpec, sample
from codemill.review.stats import agreement, precision_table, reviewer_counts

TOKEN_COOKIE = "codemill_review_token"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class LabelIn(BaseModel):
    """A verdict as the page posts it. `digest` is the stage manifest the page was drawn from; `sample` (role,
    reason, seed, n) says where the item sits, which spares a search of the stage for its id."""

    model_config = ConfigDict(extra="forbid")

    stage: str = Field(max_length=64)
    item_id: str = Field(min_length=1, max_length=512)
    verdict: Literal["accept", "reject", "skip"]
    reviewer: str = Field(min_length=1, max_length=MAX_REVIEWER)
    reason: str | None = Field(None, max_length=MAX_REASON)
    digest: str = Field(min_length=8, max_length=64)
    sample: dict[str, str | int | None] | None = None


class SampleCache:
    """Samples drawn per (spec, manifest digest), newest kept; a re-written stage simply misses."""

    def __init__(self, run: Run, size: int = 32):
        self.run = run
        self.size = size
        self._items: OrderedDict[tuple[SampleSpec, str], Sample] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, spec: SampleSpec, digest: str | None = None) -> Sample:
        if digest is not None:
            self.run.check_digest(spec.stage, digest)
        key_digest = digest or self.run.manifest(spec.stage).digest()
        with self._lock:
            for (s, d), found in self._items.items():
                if s == spec and d.startswith(key_digest):
                    self._items.move_to_end((s, d))
                    return found
        drawn = sample(self.run, spec)
        if digest is not None and not drawn.digest.startswith(digest):
            self.run.check_digest(spec.stage, digest)  # re-written while drawing: a Conflict
        with self._lock:
            self._items[(spec, drawn.digest)] = drawn
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return drawn


def host_name(header: str) -> str:
    """The host of a Host header, without its port (`[::1]:8000` -> `[::1]`)."""
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0]


def _spec(stage: str, role: str, reason: str | None, seed: int, n: int) -> SampleSpec:
    return SampleSpec(stage, role, reason or None, seed, n)


def _item_url(stage: str, item_id: str, spec: SampleSpec | None, digest: str, view: str | None = None) -> str:
    q: dict = {**(spec.query() if spec else {}), "v": digest[:16]}
    if view:
        q["view"] = view
    return f"/stage/{stage}/item/{item_id}?{urlencode(q)}"


def create_app(run_dir: Path, *, token: str | None = None, allowed_hosts: frozenset[str] | None = None) -> FastAPI:
    """The desk over `run_dir`. With `token`, every request must carry it (query `token=`, then a cookie, or the
    `X-Review-Token` header); with `allowed_hosts`, requests naming another Host are refused (DNS rebinding)."""
    run = Run(run_dir)
    store = LabelStore.for_run(run.dir)
    samples = SampleCache(run)
    env = Environment(loader=PackageLoader("codemill.review", "templates"), autoescape=select_autoescape(["html"]))
    env.globals.update(run_dir=str(run.dir), urlencode=urlencode, item_url=_item_url)
    app = FastAPI(title="codemill review", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(BodyLimit)
    app.mount("/static", StaticFiles(packages=[("codemill.review", "static")]), name="static")
    app.state.run, app.state.store = run, store

    def page(template: str, status: int = 200, **ctx) -> HTMLResponse:
        return HTMLResponse(env.get_template(template).render(**ctx), status_code=status)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def error(request: Request, status: int, message: str) -> Response:
        if wants_json(request):
            return JSONResponse({"error": message}, status_code=status)
        return page("error.html", status=status, status_code=status, message=message)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if allowed_hosts is not None:
            host = host_name(request.headers.get("host") or "")
            if host not in allowed_hosts:
                return PlainTextResponse(f"host {host!r} is not served here; use http://127.0.0.1", 400)
        if token is not None:
            given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE) or \
                request.headers.get("x-review-token") or ""
            if not hmac.compare_digest(given.encode(), token.encode()):
                return error(request, 401, "this review desk needs its token: open the address `codemill review` "
                                           "printed (it ends in ?token=...)")
            response = await call_next(request)
            if request.query_params.get("token"):
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
            return response
        return await call_next(request)

    @app.exception_handler(ReviewError)
    async def review_error(request: Request, exc: ReviewError) -> Response:
        return error(request, exc.status, str(exc))

    @app.exception_handler(LabelError)
    async def label_error(request: Request, exc: LabelError) -> Response:
        return error(request, 400, str(exc))

    @app.exception_handler(sqlite3.Error)
    async def database_error(request: Request, exc: sqlite3.Error) -> Response:
        return error(request, 503, f"the labels database {store.path} cannot be used right now ({exc}); "
                                   "try again in a moment")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path"))
            parts.append(f"{where or 'request'}: {e.get('msg')}")
        return error(request, 400, "malformed request: " + "; ".join(parts))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        return error(request, exc.status_code, message)

    # ---------------------------------------------------------------- pages
    @app.get("/", response_class=HTMLResponse)
    def overview() -> HTMLResponse:
        funnels, unreadable = [], []
        for stage in run.stages():
            try:
                funnels.append(run.funnel(stage))
            except NotFound:  # a manifest that does not parse (a run replaces manifests atomically)
                unreadable.append(stage)
        return page("index.html", funnels=funnels, unreadable=unreadable, states=run.states(),
                    counts=_label_counts(store))

    @app.get("/stage/{stage}", response_class=HTMLResponse)
    def stage_page(stage: str) -> HTMLResponse:
        funnel = run.funnel(stage)
        rows = [p for p in precision_table(store.labels(stage), {stage: (funnel.kept, funnel.drop_reasons)})
                if p.stage == stage]
        return page("stage.html", f=funnel, precision=rows, max_sample=MAX_SAMPLE)

    @app.get("/stage/{stage}/sample", response_class=HTMLResponse)
    def sample_page(stage: str, role: Literal["kept", "dropped"] = "kept", reason: str | None = None,
                    seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
                    n: Annotated[int, Query(ge=1, le=MAX_SAMPLE)] = 20) -> HTMLResponse:
        s = samples.get(_spec(stage, role, reason, seed, n))
        verdicts = store.verdicts(stage, [c.loc.item_id for c in s.items])
        return page("sample.html", s=s, stage=stage, verdicts=verdicts, f=run.funnel(stage))

    @app.get("/stage/{stage}/item/{item_id:path}", response_class=HTMLResponse)
    def item_page(stage: str, item_id: str, role: Literal["kept", "dropped"] | None = None,
                  reason: str | None = None, seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
                  n: Annotated[int, Query(ge=1, le=MAX_SAMPLE)] = 20, v: str | None = None,
                  view: Literal["split", "unified"] = "split") -> HTMLResponse:
        spec = prev_url = next_url = None
        position = None
        if role is not None:
            spec = _spec(stage, role, reason, seed, n)
            if not v:
                raise ReviewError("an item of a sample needs the sample's manifest digest (v=); open it from the "
                                  "sample page")
            s = samples.get(spec, v)
            position = s.position(item_id)
            loc = s.items[position].loc
            row = run.row_at(stage, loc)
            digest = s.digest
            if position > 0:
                prev_url = _item_url(stage, s.items[position - 1].loc.item_id, spec, digest)
            if position + 1 < len(s.items):
                next_url = _item_url(stage, s.items[position + 1].loc.item_id, spec, digest)
            total = len(s.items)
        else:
            m = run.check_digest(stage, v) if v else run.manifest(stage)
            loc = run.locate(stage, item_id, m)
            row = run.row_at(stage, loc)
            digest = m.digest()
            total = None
        view_model = views.item_view(run, stage, row)
        mine = store.verdicts(stage, [item_id]).get(item_id, {})
        data = {"stage": stage, "item_id": item_id, "digest": digest, "role": loc.role,
                "sample": spec.query() if spec else None, "next": next_url, "prev": prev_url,
                "reasons": views.REJECT_REASONS[view_model["kind"]],
                "sample_url": f"/stage/{stage}/sample?{urlencode(spec.query())}" if spec else None}
        return page("item.html", stage=stage, item_id=item_id, loc=loc, row_view=view_model, data=data,
                    verdicts=mine, position=position, total=total, view=view, prev_url=prev_url,
                    next_url=next_url, spec=spec, digest=digest)

    @app.get("/stats", response_class=HTMLResponse)
    def stats_page() -> HTMLResponse:
        return page("stats.html", **_stats(run, store))

    @app.get("/pygments.css")
    def pygments_css() -> Response:
        return Response(css(), media_type="text/css")

    # ---------------------------------------------------------------- JSON
    @app.post("/api/label")
    def post_label(body: LabelIn, request: Request) -> JSONResponse:
        if not (request.headers.get("content-type") or "").startswith("application/json"):
            raise ReviewError("post verdicts as application/json")
        m = run.check_digest(body.stage, body.digest)
        loc = _locate_for_label(run, samples, body, m.digest())
        row = run.row_at(body.stage, loc)
        pair = run.lookup("pairs", row["pair_id"]) if body.stage == "select" else None
        ctx = views.judgment_context(body.stage, row, pair)
        if body.verdict == "reject" and not (body.reason or "").strip():
            raise LabelError("a reject needs a reason")
        j = store.record(Judgment(
            stage=body.stage, item_id=body.item_id, reviewer=body.reviewer, verdict=body.verdict,
            role=loc.role, manifest_digest=m.digest(), reason=body.reason if body.verdict == "reject" else None,
            drop_reason=row.get(DROP_REASON), **ctx))
        return JSONResponse({"ok": True, "stage": j.stage, "item_id": j.item_id, "reviewer": j.reviewer,
                             "verdict": j.verdict, "reason": j.reason,
                             "verdicts": store.verdicts(j.stage, [j.item_id]).get(j.item_id, {})})

    @app.get("/api/sample")
    def api_sample(stage: str, role: Literal["kept", "dropped"] = "kept", reason: str | None = None,
                   seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
                   n: Annotated[int, Query(ge=1, le=MAX_SAMPLE)] = 20) -> JSONResponse:
        s = samples.get(_spec(stage, role, reason, seed, n))
        return JSONResponse({"stage": stage, "digest": s.digest, "population": s.population,
                             "items": [{"item_id": c.loc.item_id, "repo": c.repo, "category": c.category,
                                        "band": c.band, "drop_reason": c.drop_reason} for c in s.items],
                             "strata": [{"repo": k[0], "category": k[1], "band": k[2], "population": v[0],
                                         "drawn": v[1]} for k, v in s.strata.items()]})

    @app.get("/api/stats")
    def api_stats() -> JSONResponse:
        st = _stats(run, store)
        return JSONResponse({
            "precision": [{"stage": p.stage, "decision": p.decision, "rows": p.rows, "judged": p.judged,
                           "right": p.right, "precision": p.precision,
                           "interval": list(p.interval) if p.interval else None} for p in st["precision"]],
            "agreement": [{"reviewers": [a.reviewer_a, a.reviewer_b], "items": a.items, "observed": a.observed,
                           "kappa": a.kappa} for a in st["agreement"]],
            "reviewers": st["reviewers"]})

    return app


def _locate_for_label(run: Run, samples: SampleCache, body: LabelIn, digest: str) -> Located:
    if body.sample:
        q = body.sample
        try:
            spec = _spec(body.stage, str(q.get("role") or "kept"), q.get("reason") and str(q["reason"]),
                         int(q.get("seed") or 0), int(q.get("n") or 20))
        except (TypeError, ValueError) as e:
            raise ReviewError(f"malformed sample: {e}") from None
        s = samples.get(spec, digest)
        return s.items[s.position(body.item_id)].loc
    return run.locate(body.stage, body.item_id)


def _stats(run: Run, store: LabelStore) -> dict:
    labels = store.labels()
    funnels: dict[str, tuple[int, dict[str, int]]] = {}
    for stage in run.stages():
        try:
            f: Funnel = run.funnel(stage)
        except NotFound:
            continue
        if f.rows:
            funnels[stage] = (f.kept, f.drop_reasons)
    rows = [p for p in precision_table(labels, funnels) if p.rows or p.judged or p.skipped]
    return {"precision": rows, "agreement": agreement(labels),
            "reviewers": reviewer_counts(labels), "n_labels": len(labels)}


def _label_counts(store: LabelStore) -> dict[str, int]:
    counts: dict[str, int] = {}
    for j in store.labels():
        if j.verdict != "skip":
            counts[j.stage] = counts.get(j.stage, 0) + 1
    return counts


__all__ = ["LOOPBACK_HOSTS", "TOKEN_COOKIE", "VERDICTS", "create_app"]
