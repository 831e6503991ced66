"""The container health check: ``python -m app.healthcheck``, exit 0 when the health path answers 200.

It uses only the image's own Python and standard library, so the image needs no curl or wget (each
one more package to patch); it reads the same PORT and HEALTH_PATH the server listens with.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

from app.settings import DEFAULT_HEALTH_PATH, DEFAULT_PORT

# Below the ECS check's 5 s timeout, so a hung server is reported by this process, not killed with it.
TIMEOUT_SECONDS = 4.0


def check(port: int, path: str, timeout: float = TIMEOUT_SECONDS) -> tuple[bool, str]:
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200, f"{url}: {response.status}"
    except urllib.error.HTTPError as error:
        return False, f"{url}: {error.code}"
    except OSError as error:
        return False, f"{url}: {error}"


def main() -> int:
    healthy, detail = check(
        int(os.environ.get("PORT", DEFAULT_PORT)), os.environ.get("HEALTH_PATH", DEFAULT_HEALTH_PATH)
    )
    print(detail, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main())
