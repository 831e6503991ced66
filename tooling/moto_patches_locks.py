"""Patches to moto for Terraform's DynamoDB state lock, applied by the same launcher as the others.

CI once failed with a plan refused by its *own* lock: ``Error acquiring the state lock``, the holder
being the same plan (same lock id, same ``Who``, created when that plan started), left in the table
after the run. Terraform's S3 backend writes the lock with a conditional ``PutItem``
(``attribute_not_exists(LockID)``); if that request is applied but its answer never reaches the client,
the SDK's retry finds the item it wrote and fails the condition, and ``-lock-timeout`` repeats that
until it gives up. Every lock call is logged here (``moto.log``), so a repeat can be traced, and the
retry of an item identical to the stored one (same key, same ``Info`` with its random lock id) is
answered as the first write was. Any other holder's item, including a second Terraform run's, still
fails the condition exactly as DynamoDB answers.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from tooling.moto_patches import ORIGINALS, PatchSet, _replace

_patch = PatchSet()
PATCHES = _patch.patches
apply_all = _patch.apply_all
LOCK_KEY = "LockID"  # Terraform's lock table key (the state bootstrap creates the table with it)


def _log(action: str, body: dict[str, Any], outcome: str) -> None:
    item = body.get("Item") or body.get("Key") or {}
    lock_id = item.get(LOCK_KEY, {}).get("S", "?")
    holder = ""
    if "Info" in item:
        try:
            holder = " holder=" + str(json.loads(item["Info"]["S"]).get("ID", "?"))
        except (ValueError, KeyError, AttributeError):
            holder = " holder=?"
    stamp = time.strftime("%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}"
    print(f"[lock {stamp}] {action} {lock_id}{holder}: {outcome}", file=sys.stderr, flush=True)


@_patch
def dynamodb_lock_writes_are_logged_and_an_identical_retry_succeeds() -> None:
    """See the module docstring: log each lock-table item call; an identical conditional retry succeeds."""
    from moto.dynamodb.exceptions import ConditionalCheckFailed
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    def locks(body: dict[str, Any]) -> bool:
        item = body.get("Item") or body.get("Key") or {}
        return set(item) >= {LOCK_KEY}

    def put_item(self: Any) -> Any:
        original = ORIGINALS[(DynamoHandler, "put_item")]
        body = self.body  # parsed by moto's handler before it dispatches
        if not locks(body):
            return original(self)
        try:
            result = original(self)
        except ConditionalCheckFailed:
            stored = self.dynamodb_backend.get_item(body["TableName"], {LOCK_KEY: body["Item"][LOCK_KEY]})
            if stored is not None and stored.to_json()["Attributes"] == body["Item"]:
                _log("PutItem", body, "identical item already stored: a retry, answered as written")
                return DynamoResult({})
            _log("PutItem", body, "ConditionalCheckFailed")
            raise
        _log("PutItem", body, "written")
        return result

    def delete_item(self: Any) -> Any:
        original = ORIGINALS[(DynamoHandler, "delete_item")]
        body = self.body
        result = original(self)
        if locks(body):
            _log("DeleteItem", body, "deleted")
        return result

    _replace(DynamoHandler, "put_item", put_item)
    _replace(DynamoHandler, "delete_item", delete_item)
