"""The load test's table: the server's own time per kind of request, read from the access
log gunicorn writes with the command's format, and the percentiles it prints."""

import datetime
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger

from bench.loadforms import NAME_HEADER
from bench.management.commands.loadtest import LOG_FORMAT, server_times
from bench.tables import percentile


def _gunicorn_log(path, requests) -> None:
    """Access log lines as gunicorn writes them with LOG_FORMAT (its own logger)."""
    config = Config()
    config.set("accesslog", str(path))
    config.set("access_log_format", LOG_FORMAT)
    logger = Logger(config)
    for name, status, millis in requests:
        headers = [("HOST", "127.0.0.1")]
        if name is not None:
            headers.append((NAME_HEADER.upper(), name))  # gunicorn keeps them upper case
        logger.access(
            SimpleNamespace(status=f"{status} OK", sent=10, headers=[]),
            SimpleNamespace(headers=headers),
            {"REQUEST_METHOD": "GET", "RAW_URI": "/", "SERVER_PROTOCOL": "HTTP/1.1"},
            datetime.timedelta(milliseconds=millis),
        )
    for handler in logger.access_log.handlers:
        handler.flush()


def test_server_times_are_read_per_kind_from_gunicorns_access_log(tmp_path):
    log = tmp_path / "gunicorn.log"
    log.write_text("[INFO] Booting worker with pid: 1\n")
    start = log.stat().st_size
    _gunicorn_log(
        log,
        [
            ("read: dashboard", 200, 12.5),
            ("read: dashboard", 200, 40),
            ("read: dashboard (point in time)", 200, 1500),
            ("write: save forecast", 302, 230),
            (None, 200, 3),  # the warm-up's and other requests name no kind
        ],
    )
    times = server_times(log, start)
    assert times == {
        "read: dashboard": [12.5, 40.0],
        "read: dashboard (point in time)": [1500.0],
        "write: save forecast": [230.0],
    }
    # Only what was written from `start` on: an earlier part of the log is left out.
    later = log.stat().st_size
    _gunicorn_log(log, [("read: trend", 200, 7)])
    assert server_times(log, later) == {"read: trend": [7.0]}


def test_percentile_is_the_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values[:40], 95) == 38  # 38 of 40 at or under it
    assert percentile(values[:41], 95) == 39  # 38.95 of 41
    assert percentile([5.0], 95) == 5.0
    assert percentile([], 95) == 0.0
