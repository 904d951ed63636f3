"""A local HTTP stand-in for the BigQuery REST API, enough for the real client to talk to.

It answers jobs.insert (queries and multipart load uploads), jobs.get, jobs.getQueryResults,
tables.list and records every request, so a test can assert what the client sent. It runs
no SQL: a query's result rows are whatever the test registered for it (none by default).
"""

from __future__ import annotations

import email
import email.policy
import io
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from werkzeug import Request, Response

PROJECT = "recon-test"
DATASET = "recon"
LOCATION = "EU"


@dataclass
class Job:
    """One job as the client submitted it (a load job also carries its uploaded frame)."""

    job_id: str
    configuration: dict[str, Any]
    session_id: str
    frame: pd.DataFrame | None = None

    @property
    def kind(self) -> str:
        return "load" if "load" in self.configuration else "query"

    @property
    def sql(self) -> str:
        return self.configuration["query"]["query"]

    @property
    def parameters(self) -> dict[str, tuple[str, Any]]:
        """{name: (type, value)} of the query parameters as sent."""
        return {
            p["name"]: (p["parameterType"]["type"], p["parameterValue"].get("value"))
            for p in self.configuration["query"].get("queryParameters", [])
        }

    @property
    def creates_session(self) -> bool:
        return bool(self.configuration[self.kind].get("createSession"))

    @property
    def joined_session(self) -> str | None:
        props = self.configuration[self.kind].get("connectionProperties", [])
        return next((p["value"] for p in props if p["key"] == "session_id"), None)


@dataclass
class StandIn:
    """Register result rows with `answer`, failing queries with `fail`; read `jobs`."""

    tables: list[str] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    answers: list[tuple[Callable[[str], bool], list[dict[str, str]], list[list[Any]]]] = field(
        default_factory=list
    )
    failures: list[tuple[Callable[[str], bool], str]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def answer(self, matches: Callable[[str], bool], schema: list[dict[str, str]], rows) -> None:
        self.answers.append((matches, schema, rows))

    def fail(self, matches: Callable[[str], bool], message: str) -> None:
        """Queries `matches` picks finish with this error, as BigQuery reports a failed job."""
        self.failures.append((matches, message))

    @property
    def queries(self) -> list[Job]:
        return [j for j in self.jobs if j.kind == "query"]

    @property
    def loads(self) -> list[Job]:
        return [j for j in self.jobs if j.kind == "load"]

    def _resource(self, job: Job) -> dict[str, Any]:
        status: dict[str, Any] = {"state": "DONE"}
        if job.kind == "query":
            for matches, message in self.failures:
                if matches(job.sql):
                    status["errorResult"] = {"reason": "invalidQuery", "message": message}
                    status["errors"] = [status["errorResult"]]
                    break
        return {
            "kind": "bigquery#job",
            "id": f"{PROJECT}:{LOCATION}.{job.job_id}",
            "jobReference": {"projectId": PROJECT, "jobId": job.job_id, "location": LOCATION},
            "configuration": job.configuration,
            "status": status,
            "statistics": {"sessionInfo": {"sessionId": job.session_id}},
        }

    def _submit(self, configuration: dict[str, Any], frame: pd.DataFrame | None) -> Job:
        kind = "load" if "load" in configuration else "query"
        job_id = configuration.get("jobReference", {}).get("jobId") or f"job_{next(self._ids)}"
        props = configuration[kind].get("connectionProperties", [])
        session = next((p["value"] for p in props if p["key"] == "session_id"), None)
        if configuration[kind].get("createSession"):
            session = f"session_{next(self._ids)}"
        job = Job(job_id, configuration, session or "", frame)
        self.jobs.append(job)
        return job

    def _results(self, job: Job) -> dict[str, Any]:
        schema: list[dict[str, str]] = []
        rows: list[list[Any]] = []
        for matches, answer_schema, answer_rows in self.answers:
            if matches(job.sql):
                schema, rows = answer_schema, answer_rows
                break
        out = {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": {"projectId": PROJECT, "jobId": job.job_id, "location": LOCATION},
            "jobComplete": True,
            "totalRows": str(len(rows)),
            "rows": [{"f": [{"v": v} for v in row]} for row in rows],
        }
        if schema:
            out["schema"] = {"fields": schema}
        return out

    def handle(self, request: Request) -> Response:
        path = request.path
        by_id = {j.job_id: j for j in self.jobs}
        if request.method == "POST" and path.startswith("/upload/"):
            metadata, frame = _multipart(request)
            return _json(self._resource(self._submit(metadata["configuration"], frame)))
        if request.method == "POST" and path.endswith("/jobs"):
            body = request.get_json()
            body["configuration"]["jobReference"] = body.get("jobReference", {})
            return _json(self._resource(self._submit(body["configuration"], None)))
        if match := re.search(r"/queries/([^/]+)$", path):
            return _json(self._results(by_id[match.group(1)]))
        if match := re.search(r"/jobs/([^/]+)$", path):
            return _json(self._resource(by_id[match.group(1)]))
        if path.endswith("/tables"):
            return _json(
                {"tables": [{"tableReference": _table(t), "type": "TABLE"} for t in self.tables]}
            )
        return Response(f"stand-in has no route for {request.method} {path}", status=404)


def _table(name: str) -> dict[str, str]:
    return {"projectId": PROJECT, "datasetId": DATASET, "tableId": name}


def _json(payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload), content_type="application/json")


def _multipart(request: Request) -> tuple[dict[str, Any], pd.DataFrame]:
    """A multipart/related upload: the job resource, then the data (parquet)."""
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = email.message_from_bytes(head + request.get_data(), policy=email.policy.HTTP)
    metadata, data = (part.get_payload(decode=True) for part in message.iter_parts())
    return json.loads(metadata), pd.read_parquet(io.BytesIO(data))
