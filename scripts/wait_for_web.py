"""Wait until the web server answers `url` with 200: exit 0; 2 when one of the started processes has ended
first (it could not start); 3 when `seconds` pass without an answer. Used by scripts/run.sh."""

import os
import sys
import time
import urllib.request


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that has exited but is not yet reaped still exists; its state tells.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def main() -> int:
    url, seconds, pids = sys.argv[1], float(sys.argv[2]), [int(pid) for pid in sys.argv[3:]]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not all(alive(pid) for pid in pids):
            return 2
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - run.sh passes http://host:port
                if response.status == 200:
                    return 0
        except OSError:
            pass
        time.sleep(0.2)
    return 3


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C while starting: run.sh's trap says "stopped"
        sys.exit(130)
