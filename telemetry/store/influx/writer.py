"""One HTTP write of line protocol through influxdb-client, with the outcome classified.

influxdb-client's own batching (an rx pipeline) retries and then drops a batch through a
callback; we need to know exactly which payload the server acknowledged, so we use its
synchronous API, one payload per request, and do batching, retries and spooling ourselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import cast

import urllib3.exceptions
from influxdb_client.client.influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.domain.write_precision import WritePrecision
from influxdb_client.rest import ApiException

# The class holds its values as plain str constants but write() is annotated with the class.
MILLISECONDS = cast(WritePrecision, WritePrecision.MS)


class Outcome(StrEnum):
    SENT = "sent"  # acknowledged (HTTP 204)
    NOT_DELIVERED = "not-delivered"  # certainly not stored: the connection was never made
    AMBIGUOUS = "ambiguous"  # may or may not be stored: resending may duplicate (idempotent)
    REJECTED = "rejected"  # the server refuses this payload; resending cannot help


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    detail: str = ""


class LineWriter:
    """Posts line-protocol payloads to an InfluxDB v2 write endpoint (`/api/v2/write`)."""

    def __init__(self, url: str, token: str, org: str, bucket: str, timeout: float) -> None:
        self.bucket = bucket
        # retries=False: urllib3 must not resend behind our back, or we could not tell
        # which payloads were acknowledged.
        self._client = InfluxDBClient(
            url=url, token=token, org=org, timeout=int(timeout * 1000), retries=False
        )
        self._api = self._client.write_api(write_options=SYNCHRONOUS)

    def post(self, payload: bytes) -> Result:
        """Send one payload; never raises for network or server trouble, classifies it."""
        try:
            self._api.write(bucket=self.bucket, record=payload, write_precision=MILLISECONDS)
        except ApiException as exc:
            status = exc.status or 0
            detail = f"HTTP {status}: {(exc.body or exc.reason or '')!s:.200}"
            if 400 <= status < 500 and status not in (408, 429):
                return Result(Outcome.REJECTED, detail)
            return Result(Outcome.AMBIGUOUS, detail)
        except (
            urllib3.exceptions.NewConnectionError,
            urllib3.exceptions.ConnectTimeoutError,
        ) as exc:
            return Result(Outcome.NOT_DELIVERED, str(exc))
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return Result(Outcome.AMBIGUOUS, f"{type(exc).__name__}: {exc}")
        return Result(Outcome.SENT)

    def close(self) -> None:
        self._api.close()  # type: ignore[no-untyped-call]  # unannotated in influxdb-client
        self._client.close()  # type: ignore[no-untyped-call]  # unannotated in influxdb-client
