"""An oracle over HTTP: the course's attacks against a live prediction service.

Threat model: as for :class:`~stealkit.Oracle`, but the victim runs behind a
real web API (``stealkit serve``): the attacker holds an API key, reads the
model's public schema (number of features, output, classes), and pays per
row; the service keeps the bill and the budget, not the client.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import numpy as np

from stealkit.oracle import QueryBudgetExceeded

__all__ = ["HTTPOracle", "ServiceError"]


class ServiceError(RuntimeError):
    """The service refused a request (its HTTP status and JSON error are attached)."""

    def __init__(self, status: int, body: dict):
        self.status, self.body = status, body
        super().__init__(f"HTTP {status}: {body.get('message', body)}")


class HTTPOracle:
    """A prediction API at ``url`` serving ``model``, used like :class:`~stealkit.Oracle`.

    Parameters
    ----------
    url : str
        The service's base address, e.g. ``"http://127.0.0.1:8000"``.
    model : str
        The model's name (``GET /v1/models`` lists them).
    api_key : str
        Your key.
    batch_size : int, default=1000
        Rows per request (a larger batch is sent in several requests).
    timeout : float, default=30
        Seconds per request.
    retries : int, default=3
        Retries of a request that failed in transit (connection lost, 5xx);
        each retry carries the same ``Idempotency-Key``, so the service never
        charges a batch twice.

    Attributes
    ----------
    n_features, output, classes, price_per_query, schema
        From the service's schema.
    n_queries, cost, remaining, budget
        The key's usage (over all models) from the service's ledger, as of this
        oracle's last request; :meth:`usage` asks again. The service, not the
        client, refuses a batch over the budget (HTTP 402, raised here as
        :class:`~stealkit.QueryBudgetExceeded`).
    """

    def __init__(self, url: str, model: str, *, api_key: str, batch_size: int = 1000,
                 timeout: float = 30.0, retries: int = 3):
        import httpx

        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"The 'url' must start with http:// or https://. Got {url!r}.")
        if not isinstance(api_key, str) or not api_key:
            raise ValueError("The 'api_key' must be a non-empty str.")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"The 'batch_size' must be a positive int. Got {batch_size!r}.")
        self.url, self.model = url.rstrip("/"), model
        self.batch_size, self.retries = batch_size, int(retries)
        self._http = httpx.Client(base_url=self.url, timeout=timeout,
                                  headers={"Authorization": f"Bearer {api_key}"})
        self.schema = self._request("GET", f"/v1/models/{model}")
        self.n_features = int(self.schema["n_features"])
        self.input_shape = (self.n_features,)
        self.output = self.schema["output"]
        classes = self.schema.get("classes")
        self.classes = None if classes is None else np.asarray(classes)
        self.price_per_query = float(self.schema["price_per_query"])
        self._usage(self._request("GET", "/v1/usage"))

    def _usage(self, usage: dict) -> None:
        self.n_queries, self.cost = int(usage["queries"]), float(usage["bill"])
        self.budget, self.remaining = usage["budget"], usage["remaining"]
        self.detector = usage.get("detector")

    def _request(self, method: str, path: str, *, json: Any = None,
                 idempotency_key: str | None = None) -> dict:
        import httpx

        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        for attempt in range(self.retries + 1):
            try:
                r = self._http.request(method, path, json=json, headers=headers)
            except httpx.TransportError:
                if attempt == self.retries:
                    raise
                time.sleep(0.2 * 2**attempt)
                continue
            if r.status_code >= 500 and attempt < self.retries:
                time.sleep(0.2 * 2**attempt)
                continue
            if r.status_code == 429 and attempt < self.retries:
                time.sleep(float(r.headers.get("retry-after", 1)))
                continue
            try:
                body = r.json()
            except ValueError:
                body = {"message": r.text}
            if r.status_code == 402:
                raise QueryBudgetExceeded(budget=body["budget"], n_queries=body["spent"],
                                          requested=body["requested"])
            if r.status_code >= 400:
                raise ServiceError(r.status_code, body)
            self.last_headers = dict(r.headers)
            return body
        raise AssertionError("unreachable")

    def __call__(self, X: Any) -> np.ndarray:
        """Answer a batch of queries, one row per query (``NaN`` sent as a missing feature)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"The queries 'X' must have shape (n_queries, {self.n_features}). "
                             f"Got shape {X.shape}.")
        if len(X) > self.batch_size:  # sent in parts: refuse it whole if the budget is short
            self.usage()
            if self.remaining is not None and len(X) > self.remaining:
                raise QueryBudgetExceeded(budget=self.budget, n_queries=self.n_queries,
                                          requested=len(X))
        parts = []
        for start in range(0, len(X), self.batch_size):
            chunk = X[start:start + self.batch_size]
            rows = [[None if np.isnan(v) else float(v) for v in row] for row in chunk]
            body = self._request("POST", f"/v1/models/{self.model}/predict",
                                 json={"rows": rows}, idempotency_key=str(uuid.uuid4()))
            self._usage(body["usage"])
            parts.append(np.asarray(body["answers"]))
        if not parts:
            return np.empty((0,)) if self.output != "proba" else np.empty((0, len(self.classes)))
        return np.concatenate(parts)

    def usage(self) -> dict:
        """Your usage as the service reports it (queries, bill, budget, detector)."""
        usage = self._request("GET", "/v1/usage")
        self._usage(usage)
        return usage

    def challenge(self) -> np.ndarray:
        """The leaderboard's challenge rows (free of charge)."""
        return np.asarray(self._request("GET", f"/v1/models/{self.model}/challenge")["rows"],
                          dtype=np.float64)

    def submit(self, labels: Any) -> dict:
        """Submit your copy's labels for the challenge rows; returns its scores."""
        labels = np.asarray(labels).tolist()
        return self._request("POST", f"/v1/models/{self.model}/challenge",
                             json={"labels": labels})

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return (f"HTTPOracle({self.url!r}, {self.model!r}, output={self.output!r}, "
                f"n_features={self.n_features}, n_queries={self.n_queries})")
