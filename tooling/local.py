"""The local AWS endpoint (moto on loopback) and Terraform runs against it.

    python -m tooling.local up [ENV]      synthesize every environment into cdktf.out/, start moto,
                                          synthesize ENV (default dev) in local mode, apply the state
                                          bootstrap stack (bucket, lock table, key), then ENV; print its outputs
    python -m tooling.local drift [ENV]   plan with -detailed-exitcode (0 clean, 2 drift, 1 error)
    python -m tooling.local down [ENV]    destroy ENV and stop the server that `up` started

Only the server this tool started (its pid and command line recorded in .local/moto.json) is stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config import EnvironmentConfig, validate
from config.naming import stack_name
from tooling.terraform_cli import terraform_env, write_cli_config

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".local"
DEFAULT_PORT = 5055
ENV_PORT = "HEALTHTECH_LOCAL_PORT"
_MARKER = "tooling.moto_server"
# A healthy destroy of dev takes about 1.5 minutes here, most of it the provider's fixed RDS wait.
LOCAL_DESTROY_SECONDS = 300.0


@dataclass(frozen=True)
class LocalServer:
    pid: int
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
            return True
    except OSError:
        return False


def start_server(port: int, *, log_path: Path, timeout: float = 60.0) -> LocalServer:
    """Start moto with our patches on 127.0.0.1:``port`` and wait until it answers."""
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is already in use; set {ENV_PORT} to a free port")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", _MARKER, "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the caller's terminal does not kill it mid-destroy
        )
    server = LocalServer(process.pid, port)
    deadline = time.monotonic() + timeout
    while not _answers(server.url):
        if process.poll() is not None:
            raise RuntimeError(f"the local endpoint exited with {process.returncode}; see {log_path}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the local endpoint did not answer within {timeout:.0f}s; see {log_path}")
        time.sleep(0.2)
    return server


def stop_server(server: LocalServer, timeout: float = 10.0) -> None:
    """Stop ``server`` if, and only if, its pid still runs our launcher."""
    if not _is_ours(server.pid):
        return
    os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _is_ours(server.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _is_ours(server.pid):
        os.kill(server.pid, signal.SIGKILL)
    # Reap it when it is our child. Blocking is bounded: it has exited or was just killed, and a
    # non-blocking wait could run while it is still exiting and leave a zombie behind.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(server.pid, 0)


def _is_ours(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return _MARKER.encode() in cmdline and "State:\tZ" not in status


def boto_client(server_url: str, service: str, region: str) -> Any:
    import boto3

    return boto3.client(
        service, endpoint_url=server_url, region_name=region, aws_access_key_id="local", aws_secret_access_key="local"
    )


def bootstrap_state(server_url: str, *, bucket: str, lock_table: str, region: str) -> None:
    """Create a bare state bucket and lock table on the local endpoint (idempotent).

    A shortcut for tests that need a backend, not the bootstrap: it takes a second where applying the
    state bootstrap stack takes about a minute on moto. ``up`` applies the stack.
    """
    s3 = boto_client(server_url, "s3", region)
    if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    dynamodb = boto_client(server_url, "dynamodb", region)
    if lock_table not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName=lock_table,
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )


class Terraform:
    """Terraform on one synthesized stack directory, with our CLI config."""

    def __init__(self, stack_dir: Path, cli_config: Path) -> None:
        self.stack_dir = stack_dir
        self.env = terraform_env(cli_config)

    def run(self, *args: str, check: bool = True, capture: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["terraform", f"-chdir={self.stack_dir}", *args],
            env=self.env,
            check=check,
            text=True,
            capture_output=capture,
        )

    def init(self) -> None:
        self.run("init", "-input=false", "-reconfigure", capture=True)

    def apply(self) -> None:
        self.run("apply", "-input=false", "-auto-approve")

    def plan_exit_code(self, *, lock_timeout: str = "60s", color: bool = True) -> int:
        """0 no changes, 2 changes (drift), 1 error: Terraform's -detailed-exitcode."""
        args = ["plan", "-input=false", "-detailed-exitcode", f"-lock-timeout={lock_timeout}"]
        return self.run(*args, *([] if color else ["-no-color"]), check=False).returncode

    def planned_changes(self) -> list[dict[str, Any]]:
        """The ``resource_changes`` of a plan (``terraform show -json``): address, previous_address, change."""
        plan_file = "planned.tfplan"
        self.run("plan", "-input=false", "-lock-timeout=60s", "-no-color", f"-out={plan_file}", capture=True)
        shown = json.loads(self.run("show", "-json", plan_file, capture=True).stdout)
        (self.stack_dir / plan_file).unlink()
        changes: list[dict[str, Any]] = shown.get("resource_changes", [])
        return changes

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json", capture=True).stdout)
        return {name: entry["value"] for name, entry in raw.items()}

    def destroy(self, *, timeout: float = LOCAL_DESTROY_SECONDS) -> bool:
        """Destroy the stack; False when Terraform failed or was stopped after ``timeout`` seconds.

        The local stacks' delete timeouts (``stacks/local_endpoint.py``) bound each resource; this bounds
        the run as a whole, for the deletes that have no ``timeouts`` (DeleteVpc retries a
        DependencyViolation for 20 minutes): Terraform is interrupted as Ctrl-C does, so the provider
        stops retrying and the state is written, and killed if it has not exited a minute later.
        """
        process = subprocess.Popen(
            ["terraform", f"-chdir={self.stack_dir}", "destroy", "-input=false", "-auto-approve"], env=self.env
        )
        try:
            return process.wait(timeout=timeout) == 0
        except subprocess.TimeoutExpired:
            print(f"terraform destroy still running after {timeout:.0f}s: interrupting it", file=sys.stderr)
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            return False


def synthesize_local(
    environment: str,
    server_url: str,
    outdir: Path,
    *,
    certificate_arn: str | None = None,
    domain: tuple[str, str] | None = None,
) -> tuple[EnvironmentConfig, Path]:
    """Synthesize ``environment`` in local mode into ``outdir``; return its config and stack directory.

    ``certificate_arn`` (a certificate in the local endpoint's ACM), or ``domain`` (a domain name and
    the local Route 53 hosted zone holding it, for a DNS-validated certificate), replaces the
    environment's own HTTPS settings, so an environment that serves plain HTTP can be deployed with
    its HTTPS listeners too.
    """
    from main import ENV_LOCAL_ENDPOINT, ENV_SELECT, selected_configs, synthesize

    (config,) = selected_configs({ENV_SELECT: environment, ENV_LOCAL_ENDPOINT: server_url})
    if certificate_arn is not None or domain is not None:
        domain_name, hosted_zone = domain or (None, None)
        https = dataclasses.replace(
            config.load_balancer, certificate_arn=certificate_arn, domain_name=domain_name, hosted_zone=hosted_zone
        )
        config = dataclasses.replace(config, load_balancer=https)
        validate(config, local=True)
    synthesize([config], outdir, local_endpoint=server_url)
    return config, outdir / "stacks" / stack_name(config.name)


def _record_path() -> Path:
    return STATE_DIR / "moto.json"


def _load_record() -> LocalServer | None:
    try:
        data = json.loads(_record_path().read_text())
    except (OSError, ValueError):
        return None
    server = LocalServer(int(data["pid"]), int(data["port"]))
    return server if _is_ours(server.pid) else None


def up(environment: str) -> dict[str, Any]:
    from main import DEFAULT_OUTDIR, selected_configs, synthesize

    names = synthesize(selected_configs({}), ROOT / DEFAULT_OUTDIR)
    print(f"synthesized {', '.join(names)} into {DEFAULT_OUTDIR}/ (real-AWS JSON)")
    server = _load_record()
    if server is None:
        port = int(os.environ.get(ENV_PORT, DEFAULT_PORT))
        server = start_server(port, log_path=STATE_DIR / "moto.log")
        _record_path().write_text(json.dumps({"pid": server.pid, "port": server.port}))
        print(f"local AWS endpoint started at {server.url} (pid {server.pid})")
    from stacks.state_bootstrap import BOOTSTRAP_STACK

    _, stack_dir = synthesize_local(environment, server.url, STATE_DIR / "cdktf.out")
    cli_config = write_cli_config(ROOT / ".terraform-cli.hcl")
    bootstrap = Terraform(stack_dir.parent / BOOTSTRAP_STACK, cli_config)
    bootstrap.init()
    bootstrap.apply()  # no changes after the first time
    terraform = Terraform(stack_dir, cli_config)
    terraform.init()
    terraform.apply()
    return terraform.outputs()


def down(environment: str) -> int:
    server = _load_record()
    stack_dir = STATE_DIR / "cdktf.out" / "stacks" / stack_name(environment)
    if server is not None and stack_dir.is_dir():
        from config import ENVIRONMENTS
        from tooling.local_leftovers import IncompleteDestroyError, destroy_checked  # it imports this module

        terraform = Terraform(stack_dir, write_cli_config(ROOT / ".terraform-cli.hcl"))
        terraform.init()
        try:
            destroy_checked(terraform, server.url, ENVIRONMENTS[environment].region, environment)
        except IncompleteDestroyError as error:
            print(
                f"{error}\nthe endpoint (pid {server.pid}) is left running for a look; run `down` again",
                file=sys.stderr,
            )
            return 1
    if server is not None:
        stop_server(server)
        print(f"local AWS endpoint (pid {server.pid}) stopped")
        # The endpoint kept everything in memory: the bootstrap's local state now describes nothing.
        from main import LOCAL_BOOTSTRAP_STATE_FILE

        for path in (LOCAL_BOOTSTRAP_STATE_FILE, LOCAL_BOOTSTRAP_STATE_FILE.with_suffix(".tfstate.backup")):
            path.unlink(missing_ok=True)
    else:
        print("no local AWS endpoint started by this tool is running")
    _record_path().unlink(missing_ok=True)
    return 0


def drift(environment: str) -> int:
    server = _load_record()
    if server is None:
        print("no local AWS endpoint is running; run `python -m tooling.local up` first", file=sys.stderr)
        return 1
    # Compare what the code says now with what is deployed.
    _, stack_dir = synthesize_local(environment, server.url, STATE_DIR / "cdktf.out")
    terraform = Terraform(stack_dir, write_cli_config(ROOT / ".terraform-cli.hcl"))
    terraform.init()
    code = terraform.plan_exit_code()
    print({0: "no drift", 2: "drift: the plan has changes"}.get(code, "plan failed"))
    return code


def main(argv: list[str] | None = None) -> int:
    from tooling import quiet_jsii

    quiet_jsii()
    parser = argparse.ArgumentParser(
        prog="python -m tooling.local", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("up", "drift", "down"))
    parser.add_argument("environment", nargs="?", default="dev")
    args = parser.parse_args(argv)
    from config import ENVIRONMENTS, ConfigError, select

    try:  # the project's own check of an environment, before anything starts, stops or is destroyed
        select(ENVIRONMENTS, [args.environment], local=True)
    except ConfigError as error:
        print(f"tooling.local {args.command} refused: {error}", file=sys.stderr)
        return 2
    if args.command == "up":
        outputs = up(args.environment)
        print(f"\nOutputs of healthtech-{args.environment} on the local endpoint:")
        for name, value in sorted(outputs.items()):
            print(f"  {name} = {value}")
        return 0
    if args.command == "drift":
        return drift(args.environment)
    return down(args.environment)


if __name__ == "__main__":
    sys.exit(main())
