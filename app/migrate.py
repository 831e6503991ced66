"""One-off bootstrap of the application's database user and schema: ``python -m app.migrate``.

Run as a one-off ECS task of the same image (its own task role, the only one that may read the master
secret), before the first release and after any change here. It fetches the RDS-managed master secret
from Secrets Manager at run time (the current version, so a rotation never breaks it), then makes:

* the application role ``DB_USER``: LOGIN, no password (``PASSWORD NULL``: IAM tokens are its only way
  in), member of ``rds_iam``, no superuser/createdb/createrole/replication/bypassrls, CONNECT on this
  database only;
* the schema ``APP_SCHEMA`` owned by the master user, so the application can read and write rows but
  never change or drop the schema (DDL stays with migrations), with default privileges so every table
  a migration creates there is usable by the application without a further grant;
* ``public`` and the database closed to PUBLIC, so no other login gets in by default.

Every statement is idempotent; running it twice changes nothing.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pg8000.native
from pg8000.native import identifier

from app import settings as app_settings
from app.database import connect

# PostgreSQL folds unquoted names to lower case and allows 63 bytes; refusing anything else keeps the
# quoted identifiers below equal to what an operator types in psql.
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DEFAULT_SCHEMA = "app"
RDS_IAM_ROLE = "rds_iam"
log = logging.getLogger("app.migrate")


@dataclass(frozen=True, kw_only=True)
class Plan:
    database: str
    app_user: str
    schema: str = DEFAULT_SCHEMA
    iam: bool = True
    """Grant ``rds_iam`` (RDS). False only for a local server without IAM authentication."""

    def __post_init__(self) -> None:
        bad = [n for n in (self.database, self.app_user, self.schema) if not NAME.match(n)]
        if bad:
            raise ValueError(f"not a plain PostgreSQL name (lower case, digits, _; max 63): {', '.join(bad)}")


def statements(plan: Plan, owner: str) -> list[str]:
    """The SQL, in order; ``owner`` is the master user that runs it and owns the schema."""
    user, schema, db, own = (identifier(x) for x in (plan.app_user, plan.schema, plan.database, owner))
    create_user = (
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {pg8000.native.literal(plan.app_user)}) THEN "
        f"CREATE ROLE {user} LOGIN; END IF; END $$"
    )
    sql = [
        create_user,
        # SUPERUSER, REPLICATION and BYPASSRLS are off from CREATE ROLE and only a superuser (which the RDS
        # master is not) may name them; the tests check all three stay off.
        f"ALTER ROLE {user} LOGIN NOCREATEDB NOCREATEROLE PASSWORD NULL",
        *([f"GRANT {identifier(RDS_IAM_ROLE)} TO {user}"] if plan.iam else []),
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {db} TO {user}",
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
        f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {own}",
        f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {schema} TO {user}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {user}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {user}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {user}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {user}",
        f"ALTER ROLE {user} IN DATABASE {db} SET search_path = {schema}",
    ]
    return sql


def apply(plan: Plan, master: app_settings.DatabaseSettings) -> list[str]:
    """Run the plan as ``master`` (password authentication, verify-full TLS) in one transaction."""
    connection = connect(master)
    try:
        executed = statements(plan, master.user)
        connection.run("BEGIN")
        for sql in executed:
            connection.run(sql)
        connection.run("COMMIT")
        return executed
    finally:
        connection.close()


def master_credentials(secret_arn: str, region: str) -> tuple[str, str]:
    """``(username, password)`` of the current version of the RDS-managed master secret."""
    import botocore.session

    client = botocore.session.get_session().create_client("secretsmanager", region_name=region)
    secret = json.loads(client.get_secret_value(SecretId=secret_arn)["SecretString"])
    return str(secret["username"]), str(secret["password"])


def main(environ: Mapping[str, str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(message)s")
    env = dict(os.environ if environ is None else environ)
    missing = [n for n in ("DB_HOST", "DB_NAME", "DB_USER", "DB_MASTER_SECRET_ARN", "AWS_REGION") if not env.get(n)]
    if missing:
        log.error("missing environment: %s", ", ".join(missing))
        return 2
    username, password = master_credentials(env["DB_MASTER_SECRET_ARN"], env["AWS_REGION"])
    # The master authenticates with its password; the application settings' IAM default does not apply.
    app = app_settings.load({**env, "DATA_DIR": env.get("DATA_DIR", "/tmp"), "DB_IAM_AUTH": "true"}).database
    if app is None:  # unreachable: DB_HOST is set, checked above; kept for the type checker
        return 2
    master = replace(app, user=username, password=password, region=None)
    plan = Plan(database=app.name, app_user=app.user, schema=env.get("APP_SCHEMA", DEFAULT_SCHEMA))
    executed = apply(plan, master)
    log.info(
        "database %s: user %s and schema %s in place (%d statements)",
        plan.database,
        plan.app_user,
        plan.schema,
        len(executed),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
