"""What `make run` prints once the web server answers: where everything is, a worker's token, and the admin
password only when this start set it. Reads `seed_demo --json` on stdin. Used by scripts/run.sh."""

import json
import sys


def main() -> None:
    base, database = sys.argv[1], sys.argv[2]
    login = json.loads(sys.stdin.read())
    token = login["worker_token"]
    if login["password"]:
        admin = f"{login['username']} / {login['password']}"
    else:
        admin = f"{login['username']} (password unchanged since it was set)"
    print(
        "\n".join(
            [
                "",
                f"rocky_scheduler is running ({database}):",
                f"  dashboard     {base}/dashboard",
                f"  admin         {base}/admin/   login {admin}",
                f"  API docs      {base}/api/v1/docs",
                f"  worker token  {token}   (user {login['worker']}, role worker: pop, push, report)",
                f'  try           curl -H "Authorization: Token {token}" {base}/api/v1/schedulers',
                "Press Ctrl-C to stop.",
            ]
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
