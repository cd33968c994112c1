"""The one place a Dask cluster is set up: ``planner run --workers`` and ``planner sweep``.

:func:`default_workers` counts the cores this process may use (its CPU affinity), the one
way worker counts are made. :func:`dask_client` gives a client to a running scheduler or to
a new local cluster of single-threaded worker processes (HiGHS runs single-threaded for
reproducible plans); a malformed scheduler address, an unreachable scheduler and a
scheduler without workers are :class:`~planner.errors.InputError` with one line each.

``distributed`` is imported inside the functions: it takes seconds to import and most runs
never start a cluster.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from planner.errors import InputError

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 20.0
"""Seconds to wait for a scheduler to answer."""
DASK_LOG_ENV = "DASK_LOGGING__DISTRIBUTED"
"""Dask's setting of the least level its ``distributed`` logger shows, as an environment
variable (so the worker processes read it too)."""
WORKER_TIMEOUT_S = 60.0
"""Seconds to wait for a scheduler to have at least one worker (default)."""


def default_workers() -> int:
    """Cores this process may use (one single-threaded worker per core)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def check_scheduler_address(address: str) -> None:
    """Fail unless ``address`` reads as a Dask scheduler address (``tcp://host:port``).

    Raises
    ------
    InputError
        One line naming the address and the expected form.
    """
    from distributed.comm import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in {"tcp", "tls", "ws", "wss"}:
            _, port = parse_host_port(location)
            if not 0 < int(port) < 65536:
                raise ValueError(port)
    except (ValueError, TypeError) as err:
        msg = (
            f"--scheduler {address!r} is not a Dask scheduler address ({err}); "
            "expected tcp://host:port, e.g. tcp://127.0.0.1:8786"
        )
        raise InputError(msg) from None
    if scheme in {"tls", "wss"}:
        msg = (
            f"--scheduler {address!r}: TLS needs a security config (certificates), which the "
            "planner does not take; expected tcp://host:port, e.g. tcp://127.0.0.1:8786"
        )
        raise InputError(msg)


def connect(address: str, worker_timeout: float = WORKER_TIMEOUT_S) -> Client:
    """A client of the running scheduler at ``address`` that has at least one worker.

    Raises
    ------
    InputError
        The address is malformed, the scheduler does not answer within
        :data:`CONNECT_TIMEOUT_S`, or no worker joins it within ``worker_timeout`` seconds.
    """
    from distributed import Client

    check_scheduler_address(address)
    try:
        client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError) as err:
        msg = f"cannot connect to the Dask scheduler at {address} ({err})"
        raise InputError(msg) from None
    try:
        client.wait_for_workers(1, timeout=worker_timeout)
    except (OSError, TimeoutError) as err:
        client.close()
        msg = (
            f"the Dask scheduler at {address} has no worker after {worker_timeout:g} s "
            f"({type(err).__name__}); start workers with `dask worker {address}` or run "
            "without --scheduler"
        )
        raise InputError(msg) from None
    return client


@contextmanager
def dask_client(
    scheduler: str | None = None,
    workers: int | None = None,
    max_workers: int | None = None,
    log_level: int = logging.WARNING,
    worker_timeout: float = WORKER_TIMEOUT_S,
) -> Iterator[Client]:
    """A Dask client: to an existing scheduler, or to a new :class:`~distributed.LocalCluster`.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``); its workers must import the same
        ``planner`` and see the same paths (a shared file system).
    workers
        Workers of the local cluster (default: :func:`default_workers`); each is a process
        with one thread.
    max_workers
        Start no more local workers than this (the number of tasks).
    log_level
        Least level of the local cluster's own log messages shown (scheduler, nannies,
        workers); ``logging.CRITICAL`` hides the benign heartbeat errors a busy machine can
        produce while the cluster shuts down.
    worker_timeout
        Seconds to wait for the scheduler to have a worker.

    Raises
    ------
    InputError
        See :func:`connect`.
    """
    with _quiet_logs(log_level):
        from distributed import Client, LocalCluster

        if scheduler is None:
            n = workers or default_workers()
            if max_workers is not None:
                n = max(min(n, max_workers), 1)
            log.info("starting a local Dask cluster of %d worker process(es)", n)
            with (
                LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    # a random port: the default 8787 may be taken by another cluster on this
                    # machine (distributed then warns and moves on; a fixed port buys nothing)
                    dashboard_address=":0",
                    silence_logs=log_level,
                ) as cluster,
                Client(cluster) as client,
            ):
                yield client
            return

        # a scheduler that goes away makes the client log its reconnection attempts with
        # tracebacks; the tasks it had are recorded as lost, so those logs are noise
        client_log = logging.getLogger("distributed.client")
        level = client_log.level
        client_log.setLevel(max(log_level, level))
        try:
            client = connect(scheduler, worker_timeout)
            try:
                yield client
            finally:
                _close_quietly(client)
        finally:
            client_log.setLevel(level)
        return


@contextmanager
def _quiet_logs(level: int) -> Iterator[None]:
    """Dask's own messages below ``level`` hidden: the start-up chatter of the scheduler,
    nannies and workers ("State start", "Scheduler at", "please install
    jupyter-server-proxy") in this process (the ``distributed`` loggers, whose INFO records
    would reach the planner's handler) and in the worker processes it starts (through
    dask's ``logging.distributed`` setting, read from the environment when they start)."""
    name = logging.getLevelName(level).lower()
    saved = os.environ.get(DASK_LOG_ENV)
    os.environ[DASK_LOG_ENV] = name
    loggers = [logging.getLogger(n) for n in ("distributed", "bokeh", "tornado")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(max(level, lg.level))
    try:
        import distributed  # noqa: F401  (its import sets the loggers' levels from the config)

        for lg in loggers:
            lg.setLevel(max(level, lg.level))
        yield
    finally:
        for lg, old in zip(loggers, levels, strict=True):
            lg.setLevel(old)
        if saved is None:
            os.environ.pop(DASK_LOG_ENV, None)
        else:
            os.environ[DASK_LOG_ENV] = saved


def _close_quietly(client: Client) -> None:
    """Close a client whose scheduler may be gone (closing then fails with OSError)."""
    try:
        client.close(timeout=5)
    except (OSError, TimeoutError, RuntimeError):
        log.debug("closing the Dask client failed", exc_info=True)
