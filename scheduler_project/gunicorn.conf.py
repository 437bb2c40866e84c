"""gunicorn's settings for the standalone project: scripts/run.sh, the HTTP benchmarks and the live-server tests
all start gunicorn with this file, so what is measured and tested is what runs (docs/deployment.md).

Environment: WEB_WORKERS (processes), WEB_WORKER_CLASS, WEB_THREADS (threads per gthread worker).
"""

import os

# gunicorn's rule of thumb, 2 x cores + 1: a worker sits idle while PostgreSQL flushes a commit, and with 2
# workers on 2 cores pops and completions left a fifth of the CPU unused (docs/benchmarks/http.md).
workers = int(os.environ.get("WEB_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
# Threaded workers keep a client's connection open between requests (OpenKAT's runners and Rocky reuse theirs),
# where a sync worker closes every one; and a thread waiting on PostgreSQL leaves its core to another. Measured
# side by side at 16 clients (docs/benchmarks/http.md, 2026-12-06): 36-39 % more completed tasks/s than 5 sync
# workers, pushes/s equal, p50 latencies lower, memory +1.5 MB per worker at most.
worker_class = os.environ.get("WEB_WORKER_CLASS") or "gthread"
# Each thread holds its own database connection: workers x threads connections per web node.
threads = int(os.environ.get("WEB_THREADS") or 4)
