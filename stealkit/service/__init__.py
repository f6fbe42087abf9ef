"""A live prediction service to steal from in class (notebook 08).

- :mod:`~stealkit.service.ledger`: keys, budgets and charges in SQLite (WAL),
  charged atomically before each answer, idempotent retries.
- :mod:`~stealkit.service.deployments`: the victims served, their schema and
  output defences, from a TOML file or the course's demo set.
- :mod:`~stealkit.service.app`: the FastAPI app (``/v1/...``, ``/docs``,
  ``/dashboard``) with a PRADA detector per key.
- :mod:`~stealkit.service.cli`: ``stealkit serve`` and ``stealkit keys create``.

The client is :class:`stealkit.HTTPOracle`.
"""
