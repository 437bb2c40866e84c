"""gunicorn's settings for the standalone project: scripts/run.sh, the HTTP benchmarks and the live-server tests
all start gunicorn with this file, so what is measured and tested is what runs (docs/deployment.md).

Environment: WEB_WORKERS (processes), WEB_WORKER_CLASS, WEB_THREADS (threads per gthread worker).
"""

import os

# gunicorn's rule of thumb, 2 x cores + 1: a worker sits idle while PostgreSQL flushes a commit, and with 2
# workers on 2 cores pops and completions left a fifth of the CPU unused (docs/benchmarks/http.md).
workers = int(os.environ.get("WEB_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
worker_class = os.environ.get("WEB_WORKER_CLASS") or "sync"
threads = int(os.environ.get("WEB_THREADS") or 1)
