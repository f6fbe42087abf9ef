"""The prediction service: a FastAPI app in the style of 2016's MLaaS APIs, versioned under /v1.

Threat model: the service is the victim's owner. Every client presents an
API key; a batch of rows is charged to it (atomically, before the answer
leaves, see :mod:`~stealkit.service.ledger`) and answered as the deployment
says (probabilities, labels or leaf identifiers). A PRADA detector per key
watches the queries; its alarm is recorded, announced in a response header
(``warn``) or blocks the key (``block``). The instructor's key manages the
other keys and sees everyone's usage and the leaderboard.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from stealkit.defenses import PRADA
from stealkit.service.dashboard import dashboard_page
from stealkit.service.deployments import Deployment, demo_deployments, load_config, settings_of
from stealkit.service.ledger import Account, Ledger, Refused

__all__ = ["create_app", "app_from_env", "ENV"]

#: The environment variable through which ``stealkit serve`` hands its settings to workers.
ENV = "STEALKIT_SERVE"
ACTIONS = ("record", "warn", "block")


def _key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key") or request.cookies.get("stealkit_key")


async def _json(request: Request, max_body: int) -> Any:
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > max_body:
        raise Refused(413, "body_too_large", f"The request body is over {max_body:,} bytes.")
    body = await request.body()
    if len(body) > max_body:
        raise Refused(413, "body_too_large", f"The request body is over {max_body:,} bytes.")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Refused(400, "malformed_json", f"The request body is not valid JSON: {exc}.") \
            from None


def _rows(payload: Any, deployment: Deployment, max_batch: int) -> np.ndarray:
    if not isinstance(payload, dict) or "rows" not in payload:
        raise Refused(422, "bad_request", 'Send {"rows": [[...], ...]}: one list of numbers per '
                      "query.")
    rows = payload["rows"]
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise Refused(422, "bad_rows", "'rows' must be a non-empty list of lists of numbers.")
    if len(rows) > max_batch:
        raise Refused(413, "batch_too_large",
                      f"At most {max_batch:,} rows per request; got {len(rows):,}.")
    widths = {len(r) for r in rows}
    if widths != {deployment.n_features}:
        raise Refused(422, "wrong_feature_count",
                      f"Model {deployment.name!r} takes {deployment.n_features} features per row; "
                      f"got rows of {sorted(widths)}.")
    if not all(v is None or (isinstance(v, int | float) and not isinstance(v, bool))
               for r in rows for v in r):
        raise Refused(422, "non_numeric", "Every value must be a number (or null for a missing "
                      "feature where the model allows incomplete queries).")
    X = np.array(rows, dtype=np.float64)  # null -> NaN
    if np.isinf(X).any():
        raise Refused(422, "non_finite", "Values must be finite.")
    if np.isnan(X).any() and deployment.output != "leaf":
        raise Refused(422, "missing_values", f"Model {deployment.name!r} answers "
                      f"{deployment.output!r} and takes complete rows only (no null or NaN).")
    return X


def _answer(values: np.ndarray) -> list:
    return np.asarray(values).tolist()  # floats in full (JSON keeps every digit of a double)


def create_app(deployments: Mapping[str, Deployment], db: str, *, detector: str = "warn",
               delta: float = 0.9, min_queries: int = 100, rate_limit: float | None = 50.0,
               max_batch: int = 10_000, max_body: int = 8_000_000) -> FastAPI:
    """The service over ``deployments``, keeping its accounts in the SQLite file ``db``."""
    if detector not in ACTIONS:
        raise ValueError(f"The 'detector' action must be one of {ACTIONS}. Got {detector!r}.")
    PRADA(delta=delta, min_queries=min_queries)  # validates both
    # One SQLite connection per worker process, used only from the event loop: every endpoint
    # is async, so requests never share the connection from two threads at once.
    ledger = Ledger(db)
    app = FastAPI(title="stealkit prediction service",
                  description="A metered prediction API to steal models from, for teaching.",
                  version="1")

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        headers = {"Retry-After": str(exc.body["retry_after"])} if "retry_after" in exc.body \
            else None
        return JSONResponse(exc.body, status_code=exc.status, headers=headers)

    def model(name: str) -> Deployment:
        if name not in deployments:
            raise Refused(404, "unknown_model", f"No model named {name!r}; this service serves "
                          f"{sorted(deployments)}.")
        return deployments[name]

    def admin(request: Request) -> Account:
        account = ledger.account(_key(request))
        if not account.admin:
            raise Refused(403, "not_instructor", "This endpoint needs the instructor's key.")
        return account

    def usage(account: Account) -> dict[str, Any]:
        return {**account.usage(), "detector": {
            "action": detector, "delta": delta, "min_queries": min_queries,
            "alarm": account.alarm_at is not None, "alarm_at": account.alarm_at,
            "alarm_model": account.alarm_model}}

    @app.get("/v1/models")
    async def list_models(request: Request):
        ledger.account(_key(request))
        return {"models": [d.describe() for d in deployments.values()]}

    @app.get("/v1/models/{name}")
    async def describe(name: str, request: Request):
        ledger.account(_key(request))
        return model(name).describe()

    @app.post("/v1/models/{name}/predict")
    async def predict(name: str, request: Request):
        account = ledger.account(_key(request))
        deployment = model(name)
        X = _rows(await _json(request, max_body), deployment, max_batch)
        if detector == "block" and account.alarm_at is not None:
            raise Refused(403, "blocked_by_detector",
                          f"The extraction detector raised its alarm on this key after "
                          f"{account.alarm_at} queries of {account.alarm_model}; the key is "
                          "blocked.")

        def answer(state: bytes | None):
            answers = _answer(deployment.oracle(X))
            watch = PRADA.from_bytes(state) if state else PRADA(delta=delta,
                                                                 min_queries=min_queries)
            complete = ~np.isnan(X).any(axis=1)
            if complete.any():
                watch.update(X[complete], np.asarray(deployment.label(X[complete])).astype(str))
            return answers, watch.to_bytes(), watch.alarm_at

        done = ledger.charge(account, model=name, n_queries=len(X), price=deployment.price,
                             answer=answer, idempotency_key=request.headers.get("idempotency-key"),
                             rate_limit=rate_limit)
        after = done["account"]
        headers = {}
        if detector == "warn" and after.alarm_at is not None:
            headers["X-Stealkit-Detector"] = (f"alarm after {after.alarm_at} queries of "
                                              f"{after.alarm_model}")
        return JSONResponse({"model": name, "output": deployment.output,
                             "answers": done["answer"], "n_queries": len(X),
                             "charged": done["cost"], "replayed": done["replayed"],
                             "usage": after.usage()}, headers=headers)

    @app.get("/v1/usage")
    async def my_usage(request: Request):
        return usage(ledger.account(_key(request)))

    @app.get("/v1/models/{name}/challenge")
    async def challenge(name: str, request: Request):
        ledger.account(_key(request))
        d = model(name)
        rows = np.concatenate([d.challenge_test, d.challenge_unif])
        order = np.random.default_rng(0).permutation(len(rows))  # the same for everyone
        return {"model": name, "rows": _answer(rows[order]),
                "note": "Predict a label for every row with your stolen copy and POST "
                        '{"labels": [...]} here; challenge rows cost nothing.'}

    @app.post("/v1/models/{name}/challenge")
    async def submit(name: str, request: Request):
        account = ledger.account(_key(request))
        d = model(name)
        payload = await _json(request, max_body)
        n_test, n = len(d.challenge_test), len(d.challenge_test) + len(d.challenge_unif)
        labels = payload.get("labels") if isinstance(payload, dict) else None
        if not isinstance(labels, list) or len(labels) != n:
            raise Refused(422, "bad_labels", f'Send {{"labels": [...]}} with one label for each '
                          f"of the {n} challenge rows, in their order.")
        order = np.random.default_rng(0).permutation(n)
        mine = np.empty(n, dtype=object)
        mine[order] = labels
        rows = np.concatenate([d.challenge_test, d.challenge_unif])
        truth = np.asarray(d.label(rows)).astype(str)
        mine = mine.astype(str)
        test = float((mine[:n_test] == truth[:n_test]).mean()) if n_test else None
        unif = float((mine[n_test:] == truth[n_test:]).mean())
        ledger.submit(account, model=name, fidelity_test=test, fidelity_unif=unif)
        return {"model": name, "1-R_test": test, "1-R_unif": unif}

    @app.get("/v1/leaderboard")
    async def leaderboard(request: Request):
        ledger.account(_key(request))
        return {"leaderboard": ledger.leaderboard()}

    @app.post("/v1/admin/keys")
    async def create_keys(request: Request):
        """Create keys: JSON ``{"names", "budget", "price"}``, or a CSV of names (one per line,
        an optional ``name`` header; ``?budget=`` and ``?price=`` in the query string)."""
        admin(request)
        if request.headers.get("content-type", "").startswith("text/csv"):
            body = (await request.body()).decode("utf-8", "replace")
            names = [line.split(",")[0].strip() for line in body.splitlines() if line.strip()]
            names = names[1:] if names and names[0].lower() == "name" else names
            try:
                budget = request.query_params.get("budget")
                price = request.query_params.get("price")
                payload = {"names": names, "budget": None if budget is None else int(budget),
                           "price": None if price is None else float(price)}
            except ValueError:
                raise Refused(422, "bad_request", "'budget' must be an int and 'price' a "
                              "number.") from None
        else:
            payload = await _json(request, max_body)
        try:
            names = payload["names"]
            made = ledger.create_keys(names, budget=payload.get("budget"),
                                      price=payload.get("price"))
        except (KeyError, TypeError):
            raise Refused(422, "bad_request", 'Send {"names": [...], "budget": N, "price": P}.') \
                from None
        except ValueError as exc:
            raise Refused(422, "bad_request", str(exc)) from None
        return {"keys": [{"name": n, "key": k} for n, k in made],
                "csv": "name,key\n" + "".join(f"{n},{k}\n" for n, k in made)}

    @app.post("/v1/admin/keys/{action}")
    async def manage(action: str, request: Request):
        admin(request)
        payload = await _json(request, max_body)
        if action not in ("revoke", "reset"):
            raise Refused(404, "unknown_action", "Use /v1/admin/keys/revoke or .../reset.")
        names = payload.get("names") if isinstance(payload, dict) else None
        if not isinstance(names, list) or not names:
            raise Refused(422, "bad_request", 'Send {"names": [...]}.')
        try:
            (ledger.revoke if action == "revoke" else ledger.reset)(names)
        except ValueError as exc:
            raise Refused(422, "bad_request", str(exc)) from None
        return {action: names}

    @app.get("/v1/admin/usage")
    async def everyone(request: Request):
        admin(request)
        return {"keys": [usage(a) for a in ledger.accounts()],
                "charged": ledger.charged(), "leaderboard": ledger.leaderboard()}

    @app.get("/dashboard", response_class=HTMLResponse)
    async def dashboard(request: Request):
        key = _key(request)
        if not key:
            return HTMLResponse(dashboard_page(None))
        try:
            account = admin_account(key)
        except Refused as exc:
            return HTMLResponse(dashboard_page(None, error=exc.body["message"]),
                                status_code=exc.status)
        return HTMLResponse(dashboard_page({
            "keys": [usage(a) for a in ledger.accounts()], "leaderboard": ledger.leaderboard(),
            "models": [d.describe() for d in deployments.values()],
            "detector": {"action": detector, "delta": delta, "min_queries": min_queries},
            "instructor": account.name}))

    @app.post("/dashboard/login")
    async def login(request: Request):
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        key = (form.get("key") or [""])[0]
        try:
            admin_account(key)
        except Refused as exc:
            return HTMLResponse(dashboard_page(None, error=exc.body["message"]),
                                status_code=exc.status)
        response = RedirectResponse("/dashboard", status_code=303)
        response.set_cookie("stealkit_key", key, httponly=True, samesite="strict")
        return response

    def admin_account(key: str | None) -> Account:
        account = ledger.account(key)
        if not account.admin:
            raise Refused(403, "not_instructor", "The dashboard needs the instructor's key.")
        return account

    return app


def app_from_env() -> FastAPI:
    """The app described by ``$STEALKIT_SERVE`` (JSON), for ``uvicorn --factory`` workers."""
    settings = json.loads(os.environ[ENV])
    if settings.get("config"):
        service, deployments = load_config(settings["config"])
        options = settings_of(service)
    else:
        deployments, options = demo_deployments(seed=int(settings.get("seed", 0))), {}
    options.update({k: v for k, v in settings.get("options", {}).items() if v is not None})
    rate = options.get("rate_limit")
    if rate is not None and (not math.isfinite(rate) or rate <= 0):
        options["rate_limit"] = None
    return create_app(deployments, settings["db"], **options)
