"""The local endpoint's request log: one line per change, per retry and per server error, by SDK call id."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from tooling.local import boto_client, free_port, start_server, stop_server
from tooling.moto_request_log import RequestLog, WsgiApp, action_of, is_read, service_of

SIGNED = "AWS4-HMAC-SHA256 Credential=local/20261207/eu-south-1/{service}/aws4_request, SignedHeaders=host"


def _environ(body: bytes = b"", **headers: str) -> dict[str, Any]:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "wsgi.input": io.BytesIO(body)}
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.update(headers)
    return environ


def _call(status: str, environ: dict[str, Any]) -> tuple[str, bytes]:
    """Run one request through the log around an app answering ``status``; the log's text and the body
    the app read (it must see the whole request body the log read first)."""
    seen: list[bytes] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(environ["wsgi.input"].read())
        start_response(status, [])
        return [b"ok"]

    stream = io.StringIO()
    RequestLog(app, stream)(environ, lambda *args: None)
    return stream.getvalue(), seen[0]


def _ec2(action: str, attempt: int, status: str = "200 OK") -> tuple[str, bytes]:
    body = f"Action={action}&Version=2016-11-15".encode()
    return _call(
        status,
        _environ(
            body,
            CONTENT_TYPE="application/x-www-form-urlencoded; charset=utf-8",
            HTTP_AUTHORIZATION=SIGNED.format(service="ec2"),
            HTTP_AMZ_SDK_INVOCATION_ID="5c0f-call",
            HTTP_AMZ_SDK_REQUEST=f"attempt={attempt}; max=3",
        ),
    )


def test_a_create_is_logged_with_its_service_status_attempt_and_call_id() -> None:
    line, body = _ec2("CreateRouteTable", attempt=1)
    assert body == b"Action=CreateRouteTable&Version=2016-11-15"  # the app still reads the whole body
    assert "] ec2 CreateRouteTable 200 attempt=1/3 id=5c0f-call " in line


def test_a_read_is_not_logged_unless_it_is_a_retry_or_a_server_error() -> None:
    assert _ec2("DescribeRouteTables", attempt=1)[0] == ""
    assert "DescribeRouteTables 200 attempt=2/3" in _ec2("DescribeRouteTables", attempt=2)[0]
    assert "DescribeRouteTables 500 attempt=1/3" in _ec2("DescribeRouteTables", 1, "500 Internal Server Error")[0]


@pytest.mark.parametrize(
    ("headers", "body", "action"),
    [
        ({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem"}, b"{}", "PutItem"),
        ({"QUERY_STRING": "Action=ListRoles&Version=2010-05-08"}, b"", "ListRoles"),
        ({"REQUEST_METHOD": "PUT", "PATH_INFO": "/bucket/key"}, b"data", "PUT /bucket/key"),
    ],
)
def test_the_action_is_read_from_each_protocol(headers: dict[str, str], body: bytes, action: str) -> None:
    assert action_of(_environ(body, **headers), body) == action


def test_reads_and_services() -> None:
    assert is_read("DescribeVpcs") and is_read("GET /bucket") and not is_read("CreateVpc")
    assert not is_read("PUT /bucket/key")
    assert service_of({"HTTP_AUTHORIZATION": SIGNED.format(service="rds")}) == "rds"
    assert service_of({}) == "?"


def _counting_app(answers: list[str]) -> tuple[WsgiApp, list[int]]:
    runs: list[int] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        runs.append(1)
        start_response(answers[len(runs) - 1], [("Content-Type", "text/xml")])
        return [f"<made>{len(runs)}</made>".encode()]

    return app, runs


def _attempt(log: RequestLog, attempt: int, action: str = "CreateRouteTable") -> tuple[str, bytes]:
    statuses: list[str] = []
    body = b"".join(
        log(
            _environ(
                f"Action={action}".encode(),
                CONTENT_TYPE="application/x-www-form-urlencoded",
                HTTP_AUTHORIZATION=SIGNED.format(service="ec2"),
                HTTP_AMZ_SDK_INVOCATION_ID="one-call",
                HTTP_AMZ_SDK_REQUEST=f"attempt={attempt}; max=3",
            ),
            lambda status, headers, *args: statuses.append(status),
        )
    )
    return statuses[0], body


def test_a_retry_of_a_create_that_succeeded_gets_the_first_answer_and_creates_nothing() -> None:
    app, runs = _counting_app(["200 OK", "200 OK"])
    stream = io.StringIO()
    log = RequestLog(app, stream)
    assert _attempt(log, 1) == ("200 OK", b"<made>1</made>")
    assert _attempt(log, 2) == ("200 OK", b"<made>1</made>")  # the same answer, the same resource
    assert len(runs) == 1
    assert "CreateRouteTable 200 attempt=2/3 id=one-call replayed" in stream.getvalue()


def test_a_retry_after_a_server_error_or_of_a_read_runs_again() -> None:
    app, runs = _counting_app(["500 INTERNAL SERVER ERROR", "200 OK"])
    stream = io.StringIO()
    log = RequestLog(app, stream)
    assert _attempt(log, 1)[0].startswith("500") and _attempt(log, 2) == ("200 OK", b"<made>2</made>")
    assert "attempt=2/3 id=one-call" in stream.getvalue() and "after: 500" in stream.getvalue()
    app, runs = _counting_app(["200 OK", "200 OK"])
    log = RequestLog(app, io.StringIO())
    _attempt(log, 1, "DescribeRouteTables"), _attempt(log, 2, "DescribeRouteTables")
    assert len(runs) == 2


def test_the_endpoint_makes_one_route_table_for_a_create_the_sdk_sent_twice(tmp_path: Path) -> None:
    server = start_server(free_port(), log_path=tmp_path / "moto.log")
    try:
        ec2 = boto_client(server.url, "ec2", "eu-south-1")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        attempts = iter((1, 2))

        def as_one_call(request: Any, **_: Any) -> None:  # what the SDK sends when it retries a call
            request.headers["amz-sdk-invocation-id"] = "retried-create"
            request.headers["amz-sdk-request"] = f"attempt={next(attempts)}; max=3"

        ec2.meta.events.register("before-send.ec2.CreateRouteTable", as_one_call)
        first = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        again = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
        assert again == first
        assert sorted(t["RouteTableId"] for t in tables if not t["Associations"]) == [first]  # the main one aside
    finally:
        stop_server(server)
    assert "CreateRouteTable 200 attempt=2/3 id=retried-create replayed" in (tmp_path / "moto.log").read_text()
