"""gunicorn's settings for sorplan in production: one file that the Dockerfile,
docker-compose, the production smoke test (.ci/production-smoke) and the load test
(`manage.py loadtest`) all pass with `--config deploy/gunicorn.conf.py`.

    gunicorn sorplan.wsgi:application --config deploy/gunicorn.conf.py --bind 0.0.0.0:8000

Why threads: with sync workers one slow request (a save that waits for a row lock, a
cold page) holds a whole process, and readers queue behind it (issue 17: five sync
workers, readers' p95 8 s with ten people writing). A gthread worker takes the next
request on another thread while one waits for PostgreSQL or Redis. Python holds the
GIL while it renders, so threads do not add CPU: processes do. Sized for 2 cores:
cores + 1 processes (one can run while another waits on I/O), four threads each, so
twelve requests in flight and at most twelve database connections per machine
(CONN_MAX_AGE keeps one per thread). Change with WEB_CONCURRENCY and GUNICORN_THREADS
(see .env.example); measure with `make loadtest`.

Measured against the alternatives (round 2, session 10, large programme, `manage.py
loadtest` alternated, on a machine other engineers loaded to 13-18 on its 2 cores;
docs/performance.md "wt-load (round 2, session 10)"): 6 x 2 (the same twelve in flight,
one GIL for two) served the fewest requests, with the worst readers' p95, in both its
runs, and dropped a connection; 3 x 8 (24 in flight, 24 connections) in three pairs with
3 x 4 lowered the readers' p50 (short pages no longer wait for a thread behind the slow
past moments) but not the p95 the budget is about (23.2 s against 17.6 s, the median of
three, at a load 1-4 higher). On 2 cores the CPU is the limit: more processes add memory
and switching, more threads GIL contention and database connections, neither adds CPU.
Measure again when the past moments are fast (they set the p95 and fill the threads).
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# For gthread this is how long the worker process may stay silent (its main loop
# beats while threads work), not a limit per request: a draft report's PDF, rendered
# in the request in a child process with its own time limit (core/pdf.py), is not
# cut short by it.
timeout = 60
graceful_timeout = 30
# Keep-alive between the TLS proxy and gunicorn.
keepalive = 5
# A worker is replaced after this many requests (with jitter, not all at once), so
# memory that a large page left behind is given back.
max_requests = 2000
max_requests_jitter = 200

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
