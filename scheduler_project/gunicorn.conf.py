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
# against 5 sync workers (docs/benchmarks/http.md, 2026-12-06): as fast at 16 clients on a quiet machine but with a
# longer p99, faster at 1 client, 36-39 % more completed tasks/s on a busy machine; memory +1.6 MB per worker.
worker_class = os.environ.get("WEB_WORKER_CLASS") or "gthread"
# Each thread holds its own database connection: workers x threads connections per web node.
threads = int(os.environ.get("WEB_THREADS") or 4)
