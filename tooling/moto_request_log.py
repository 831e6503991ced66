"""The local endpoint's own log of the calls that change something, by the SDK's request ids.

Every AWS SDK sends ``amz-sdk-invocation-id`` (one id per API call, the same on each of its retries)
and ``amz-sdk-request: attempt=N; max=M``. This WSGI middleware, wrapped around moto's application by
the launcher, writes one line per call to ``moto.log`` for every action that is not a read
(``Describe*``, ``Get*``, ``List*``, ``Head*``, ...), for every retry (attempt > 1) whatever its action,
and for every answer of 500 or more:

    [api 13:02:23.123] ec2 CreateRouteTable 200 attempt=1/3 id=5c0f... 14ms

so that a resource the endpoint holds twice can be traced to the calls that made it: two creates with
one invocation id are one call the SDK retried, two ids are two calls. A retry's line also repeats what
its earlier attempt was answered (``after: 200 ...``), reads included.

A retried call whose earlier attempt the endpoint already answered with success is answered again with
that same answer, not run twice. The SDKs retry a call whose answer they did not get (this log has shown
``attempt=2`` of calls the endpoint had answered 200: KMS GetKeyPolicy, EFS PutLifecycleConfiguration);
for a create such as CreateRouteTable, which moto runs again whatever token it carries, that is a
second route table no state knows of, which then blocks DeleteVpc. One SDK call is at most one change
here. (A retry that arrives while its first attempt is still being answered is run again: an SDK
retries after an answer or a broken connection, not alongside.)
"""

from __future__ import annotations

import io
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

READ_PREFIXES = ("Describe", "Get", "BatchGet", "List", "Head", "Search", "Lookup", "Scan", "Query")
_SERVICE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_ATTEMPT = re.compile(r"attempt=(\d+); *max=(\d+)")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
REMEMBERED = 4096
"""Calls remembered for their retries: a few minutes of an apply's calls (an SDK retries within seconds)."""


def service_of(environ: dict[str, Any]) -> str:
    match = _SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else "?"


def action_of(environ: dict[str, Any], body: bytes) -> str:
    """The API action: the JSON protocols' ``X-Amz-Target``, the query protocols' ``Action``, or for
    REST APIs (S3, EFS, Lambda...) the method and path."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return str(target.rsplit(".", 1)[-1])
    query = parse_qs(str(environ.get("QUERY_STRING", "")))
    if "Action" in query:
        return query["Action"][0]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded") and body:
        form = parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    return f"{environ.get('REQUEST_METHOD', '?')} {environ.get('PATH_INFO', '')}"


def is_read(action: str) -> bool:
    return action.startswith(READ_PREFIXES) or action.startswith(("GET ", "HEAD "))


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes | None
    """Kept for changes answered with success only (a replayed retry returns it); None for the rest."""

    @property
    def code(self) -> int:
        return int(self.status.split(" ", 1)[0])


class RequestLog:
    """Wrap a WSGI app; write the lines described in the module docstring to ``stream``, and answer a
    retried change that already succeeded with its first answer."""

    def __init__(self, app: WsgiApp, stream: Any = None) -> None:
        self.app = app
        self.stream = stream if stream is not None else sys.stderr
        self._lock = threading.Lock()
        self._answered: OrderedDict[str, Answer] = OrderedDict()

    def _remember(self, invocation: str, answer: Answer) -> None:
        with self._lock:
            self._answered[invocation] = answer
            self._answered.move_to_end(invocation)
            while len(self._answered) > REMEMBERED:
                self._answered.popitem(last=False)

    def _write(self, line: str) -> None:
        with self._lock:
            print(line, file=self.stream, flush=True)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = action_of(environ, body)
        match = _ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
        attempt, most = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")
        change = not is_read(action)
        started = time.monotonic()
        stamp = time.strftime("%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}"
        head = f"[api {stamp}] {service_of(environ)} {action}"
        tail = f"attempt={attempt}/{most} id={invocation or '-'}"
        with self._lock:
            earlier = self._answered.get(invocation) if invocation and attempt > 1 else None
        if earlier is not None and earlier.body is not None:
            self._write(f"{head} {earlier.code} {tail} replayed: the first attempt's answer, not run again")
            start_response(earlier.status, earlier.headers)
            return [earlier.body]

        answered: list[tuple[str, list[tuple[str, str]]]] = []

        def recording_start_response(status: str, headers: Any, *args: Any) -> Any:
            answered.append((status, list(headers)))
            return start_response(status, headers, *args)

        kept: bytes | None = None  # a change's whole answer, to answer a retry of this call with it
        try:
            result = self.app(environ, recording_start_response)
            if not (change and invocation):
                return result
            kept = b"".join(result)
            close = getattr(result, "close", None)
            if close is not None:  # WSGI: the server closes what the app returned; it is ours now
                close()
            return [kept]
        finally:
            status, headers = answered[0] if answered else ("500 INTERNAL SERVER ERROR", [])
            answer = Answer(status, headers, None)
            if kept is not None and answer.code < 300:
                answer = Answer(status, headers, kept)
            if invocation:
                self._remember(invocation, answer)
            if change or attempt > 1 or answer.code >= 500:
                millis = (time.monotonic() - started) * 1000
                after = f" after: {earlier.code}" if earlier is not None else ""
                self._write(f"{head} {answer.code} {tail} {millis:.0f}ms{after}")
