"""The application's ECS roles, created before the layers that grant them access.

The task role is what the application's code runs as; the execution role is what ECS uses to start
it (pull the image, write logs). The migration role is what the one-off ``python -m app.migrate`` task
runs as. Each starts with no permissions: every layer grants exactly what it owns through an intent
method (``FileStorage`` grants EFS access to the task role, ``Database.grant_connect`` lets the task
role log in as the application's database user, ``Database.grant_read_secret`` gives the migration
role, and only it, the master secret).
"""

from __future__ import annotations

from constructs import Construct

from components.context import StackContext
from components.iam import service_role
from config.naming import Kind

ECS_TASKS = "ecs-tasks.amazonaws.com"


class WorkloadIdentity(Construct):
    def __init__(self, scope: Construct, id: str, *, context: StackContext) -> None:
        super().__init__(scope, id)
        namer, aws = context.namer, context.aws
        tasks_of_this_account = aws.arn("ecs", "*")
        self.task_role = service_role(
            self,
            "task-role",
            name=namer.name(Kind.TASK_ROLE),
            service=ECS_TASKS,
            aws=aws,
            description="Application containers: only what each layer grants",
            source_arn=tasks_of_this_account,
        )
        self.execution_role = service_role(
            self,
            "execution-role",
            name=namer.name(Kind.EXECUTION_ROLE),
            service=ECS_TASKS,
            aws=aws,
            description="ECS agent: image pull, logs and secrets for the application",
            source_arn=tasks_of_this_account,
        )
        self.migration_role = service_role(
            self,
            "migrate-role",
            name=namer.name(Kind.MIGRATE_ROLE),
            service=ECS_TASKS,
            aws=aws,
            description="One-off database migration task: reads the master secret to create the app user",
            source_arn=tasks_of_this_account,
        )
