"""Fault injection at every call of a flow, and the invariants checked after it.

A *flow* is a list of jobs (workflow runs of the action through ``cli.run_from_environ``,
each with its own outputs and summary files) and reconcile passes over one world (the
simulator over HTTP, the in-memory GitHub, a fake clock linked to the simulator's).

Every GitHub port call and every Jules HTTP request the flow makes passes through one
``Injector``, which numbers them. A *case* is (flow, call number, fault kind): the flow is run
from scratch with that one fault at that one call, then settled by at most two reconcile
passes, and the invariants are checked. Every call is faulted, except that within a run of
identical consecutive calls (the polls of one wait) the first two and the last stand for the
rest (``positions``). The invariants:

- at most one Jules session per request (sessions grouped by the request tag in the prompt);
- every request ends in a final state visible on the issue (a PR link, a failure with its
  reason, an error with its message) or is still open and the issue has the open label;
- never the open label without an open request (or an ended one whose notice is still owed);
- the requester is told once: at most one notice per event of a request, and every request
  that ended (or waits for a person) has its notice posted and recorded;
- each job's exit code agrees with its ``outcome`` output (1 exactly for failed and error);
- neither secret appears in any log line, output, summary, comment, PR body or Jules request.

Fault kinds (``GITHUB_FAULTS``, ``JULES_FAULTS``):

- refused before acting: a 5xx, a rate limit (429 with and without Retry-After on Jules; a
  secondary rate limit on GitHub), a connection error;
- acted, then the answer was lost (GitHub stored the write / Jules acted, and the caller
  sees a 502 or a read timeout);
- a garbage 200 answer (Jules: ``{}``; GitHub: an answer the client cannot read);
- the job killed right after the call was applied (then GitHub's re-run: attempt 2 of the
  same run, the fault spent).
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx

from jules_action import notices
from jules_action.cli import run_from_environ
from jules_action.errors import GitHubError
from jules_action.github_failures import failure_for
from jules_action.github_port import GitHubPort
from jules_action.tracker import OPEN_LABEL
from jules_action.tracking import MarkerCodec, Status, TrackingState
from jules_action_dev.standin.state import ApiFailure, StateBackedGitHub
from tests.world import API_KEY, TOKEN, LinkedClock, World, make_world

GITHUB_FAULTS = (
    "refused-5xx",
    "refused-secondary-rate-limit",
    "refused-connection",
    "applied-then-lost",
    "garbage",
    "killed-after",
)
JULES_FAULTS = (
    "refused-5xx",
    "refused-429",
    "refused-429-retry-after",
    "refused-connection",
    "applied-then-lost",
    "garbage",
    "killed-after",
)
GITHUB_WRITES = frozenset(
    {
        "create_issue_comment",
        "edit_issue_comment",
        "add_issue_reaction",
        "add_comment_reaction",
        "add_label",
        "remove_label",
        "edit_pull_body",
        "request_review",
    }
)
TAG = re.compile(r"\(jules-action request (\S+) (\S+)\)")
NOTICE_MARKER = re.compile(r"<!-- jules-action:notice (\S+ \S+) -->")
FINAL_VISIBLE = {Status.PR_OPENED, Status.NO_PR, Status.FAILED, Status.ERROR}


class Killed(BaseException):
    """The runner went away right after a call: nothing in the action may catch it."""


@dataclass
class Injector:
    """Numbers every call; makes call ``target`` fail with ``kind`` (once)."""

    target: int | None = None
    kind: str = ""
    calls: list[str] = field(default_factory=list)

    def next(self, label: str) -> str | None:
        index = len(self.calls)
        self.calls.append(label)
        return self.kind if index == self.target else None


class FaultyGitHub:
    """The in-memory GitHub with the injector in front of every port method."""

    def __init__(self, inner: StateBackedGitHub, injector: Injector) -> None:
        self._inner = inner
        self._injector = injector

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            fault = self._injector.next(f"github {name}")
            if fault is None:
                return method(*args, **kwargs)
            if fault == "refused-5xx":
                raise failure_for(name, status=502, github_message="Bad Gateway")
            if fault == "refused-secondary-rate-limit":
                raise failure_for(
                    name,
                    status=403,
                    github_message="You have exceeded a secondary rate limit.",
                    retry_after=60.0,
                )
            if fault == "refused-connection" or (fault == "garbage" and name not in GITHUB_WRITES):
                raise GitHubError(f"GitHub could not be reached for {name}.", status_code=None)
            method(*args, **kwargs)  # GitHub acted
            if fault == "killed-after":
                raise Killed(name)
            if fault == "garbage":
                raise GitHubError(f"GitHub's answer for {name} could not be read.")
            raise failure_for(name, status=502, github_message="Bad Gateway")

        return call


_LOOPBACK: list[httpx.HTTPTransport] = []


def _loopback() -> httpx.HTTPTransport:
    """One plain-HTTP transport for every case (building TLS contexts is most of a case)."""
    if not _LOOPBACK:
        _LOOPBACK.append(httpx.HTTPTransport(verify=False))
    return _LOOPBACK[0]


class FaultyTransport(httpx.BaseTransport):
    """Real HTTP to the simulator, with the injector in front of every request."""

    def __init__(self, injector: Injector) -> None:
        self._inner = _loopback()
        self._injector = injector

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = re.sub(r"/\d+", "/{id}", request.url.path.removeprefix("/v1alpha"))
        fault = self._injector.next(f"jules {request.method} {path}")
        if fault is None:
            return self._inner.handle_request(request)
        if fault == "refused-5xx":
            return _google_error(503, "UNAVAILABLE", "The service is currently unavailable.")
        if fault == "refused-429":
            return _google_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted.")
        if fault == "refused-429-retry-after":
            return _google_error(
                429, "RESOURCE_EXHAUSTED", "Rate limited.", headers={"Retry-After": "5"}
            )
        if fault == "refused-connection":
            raise httpx.ConnectError("connection refused", request=request)
        response = self._inner.handle_request(request)  # Jules acted
        response.read()
        if fault == "killed-after":
            raise Killed(path)
        if fault == "garbage":
            return httpx.Response(200, content=b"{}", headers={"content-type": "application/json"})
        raise httpx.ReadTimeout("the answer was lost", request=request)

    def close(self) -> None:
        """The shared transport stays open for the next case."""


def _google_error(
    code: int, status: str, message: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {"error": {"code": code, "message": message, "status": status}}
    return httpx.Response(code, json=body, headers=headers)


@dataclass
class Job:
    """One workflow run (attempt) of the action, as the runner would see it."""

    name: str
    exit_code: int | None  # None: killed
    outputs: dict[str, str]
    stdout: str
    summary: str


@dataclass
class Flow:
    """The world a flow runs in, and the jobs it ran."""

    world: World
    injector: Injector
    tmp: Path
    jobs: list[Job] = field(default_factory=list)
    next_run: int = 100

    @property
    def clock(self) -> LinkedClock:
        return self.world.clock

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def event(self, name: str, payload: dict[str, Any], **inputs: str) -> Job:
        """A delivered event: a workflow run, re-run once (attempt 2) if it was killed."""
        self.next_run += 1
        run_id = str(self.next_run)
        first = self._attempt(name, payload, run_id, "1", inputs)
        if first.exit_code is not None:
            return first
        return self._attempt(name, payload, run_id, "2", inputs)

    def reconcile(self, **inputs: str) -> Job:
        self.next_run += 1
        job = self._attempt("", None, str(self.next_run), "1", {"mode": "reconcile", **inputs})
        return job

    def _attempt(
        self,
        event_name: str,
        payload: dict[str, Any] | None,
        run_id: str,
        attempt: str,
        inputs: dict[str, str],
    ) -> Job:
        where = self.tmp / f"run-{run_id}-{attempt}"
        where.mkdir(parents=True)
        env = {
            "GITHUB_REPOSITORY": "Codertocat/Hello-World",
            "GITHUB_RUN_ID": run_id,
            "GITHUB_RUN_ATTEMPT": attempt,
            "GITHUB_OUTPUT": str(where / "output"),
            "GITHUB_STEP_SUMMARY": str(where / "summary.md"),
            "INPUT_JULES-API-KEY": API_KEY,
            "INPUT_GITHUB-TOKEN": TOKEN,
            "INPUT_JULES-API-URL": self.world.simulator.base_url,
            # A look every 2 minutes while a session works: every kind of wait still happens
            # (growing before the work, steady during it, sooner after COMPLETED), and the
            # matrix stays the size it was when the wait grew to 120 s by itself.
            "INPUT_POLL-INTERVAL": "120",
            "INPUT_TRIGGER-LABEL": "bug",
        }
        if payload is not None:
            (where / "event.json").write_text(json.dumps(payload))
            env["GITHUB_EVENT_NAME"] = event_name
            env["GITHUB_EVENT_PATH"] = str(where / "event.json")
        env.update({f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()})
        stdout = io.StringIO()

        def github(*, token: str, api_url: str, repository: str) -> GitHubPort:
            return cast(GitHubPort, FaultyGitHub(self.world.github, self.injector))

        code: int | None
        try:
            code = run_from_environ(
                env,
                stdout=stdout,
                clock=self.clock,
                github_factory=github,
                jules_transport=FaultyTransport(self.injector),
            )
        except Killed:
            code = None
        outputs_file = where / "output"
        summary_file = where / "summary.md"
        job = Job(
            name=f"{event_name or 'reconcile'} {run_id}.{attempt}",
            exit_code=code,
            outputs=_read_outputs(outputs_file.read_text()) if outputs_file.exists() else {},
            stdout=stdout.getvalue(),
            summary=summary_file.read_text() if summary_file.exists() else "",
        )
        self.jobs.append(job)
        return job


def _read_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT lines: ``name=value`` or ``name<<DELIM`` ... ``DELIM``."""
    found: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            found[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            found[name] = value_text
    return found


FlowScript = Callable[[Flow], None]


@dataclass(frozen=True)
class FlowSpec:
    name: str
    script: FlowScript
    issue: int = 1
    sim_options: dict[str, Any] = field(default_factory=dict)
    expect_final: Status = Status.PR_OPENED  # what the fault-free flow must end in


def new_world(spec: FlowSpec) -> World:
    world = make_world(LinkedClock(), **spec.sim_options)
    world.github_state.create_issue(
        title="Spelling error in the README file",
        body="It looks like you accidently spelled 'commit' with two 't's.",
        author="Codertocat",
    )
    return world


def run_case(spec: FlowSpec, tmp: Path, injector: Injector) -> tuple[Flow, list[str]]:
    """Run the flow with ``injector``, settle it, and return the invariant violations."""
    world = new_world(spec)
    with world.simulator:
        flow = Flow(world, injector, tmp)
        spec.script(flow)
        for _ in range(2):
            flow.advance(20 * 60)
            flow.reconcile()
        return flow, violations(flow, spec)


def violations(flow: Flow, spec: FlowSpec) -> list[str]:
    world = flow.world
    found: list[str] = []
    tags = Counter(
        match.group(2)
        for session in world.simulator.sessions.values()
        if (match := TAG.search(str(session.get("prompt", ""))))
    )
    found += [f"{n} sessions for request {key}" for key, n in tags.items() if n > 1]
    states = world.tracking(spec.issue)
    labelled = OPEN_LABEL in [
        label.name for label in world.github_state.get_issue(spec.issue).labels
    ]
    open_ones = [s for s in states if s.status.is_open or notices.due(s)]
    found += _notice_violations(world, spec, states)
    for state in states:
        if state.status is Status.DUPLICATE:
            continue
        if state.status.is_open and not labelled:
            found.append(f"request {state.request} is {state.status.value} without the label")
        if state.status in FINAL_VISIBLE and state.status is not Status.NO_PR:
            if state.status is Status.PR_OPENED and not state.pr_url:
                found.append(f"request {state.request} says pr-opened with no link")
            if state.status in (Status.FAILED, Status.ERROR) and not state.detail:
                found.append(f"request {state.request} ended {state.status.value} with no reason")
    for state in states:
        if (
            state.session_id
            and state.status is not Status.DUPLICATE
            and not _may_trigger(world, state.actor)
        ):
            found.append(f"a session for a request by @{state.actor}, who may not trigger")
    keys = Counter(s.request for s in states if s.status is not Status.DUPLICATE)
    found += [f"{n} requests for {key}" for key, n in keys.items() if n > 1]
    if labelled and not open_ones:
        found.append("the open label is on the issue with no open request")
    for key in tags:
        if not any(s.request == key for s in states) and not key.startswith(
            ("schedule:", "dispatch:")
        ):
            found.append(f"session for {key} with no request on the issue")
    for job in flow.jobs:
        if job.exit_code is None:
            continue
        outcome = job.outputs.get("outcome", "")
        expected = 1 if outcome in {"failed", "error"} else 0
        if not outcome or job.exit_code != expected:
            found.append(f"{job.name}: exit {job.exit_code} with outcome {outcome!r}")
    found += _secrets(flow)
    return found


def _notice_violations(world: World, spec: FlowSpec, states: list[TrackingState]) -> list[str]:
    found: list[str] = []
    bodies = world.notice_bodies(spec.issue)
    posted = Counter(m.group(1) for b in bodies if (m := NOTICE_MARKER.search(b)))
    found += [f"notice {key} posted {n} times" for key, n in posted.items() if n > 1]
    codec = MarkerCodec(API_KEY)
    for state in states:
        key = notices.notice_key(state)
        if not key or state.status is Status.DUPLICATE:
            continue
        if notices.due(state):
            found.append(f"request {state.request}: the {key} notice was never recorded")
        if not any(notices.marker(codec, state, key) in b for b in bodies):
            found.append(f"request {state.request}: no {key} notice on the issue")
    return found


def _may_trigger(world: World, login: str) -> bool:
    try:
        _, role = world.github_state.permission(login)
    except ApiFailure:
        return False
    return role in {"admin", "maintain", "write"}


def _secrets(flow: Flow) -> list[str]:
    world = flow.world
    places: dict[str, str] = {}
    for job in flow.jobs:
        lines = [line for line in job.stdout.splitlines() if not line.startswith("::add-mask::")]
        places[f"{job.name} log"] = "\n".join(lines)
        places[f"{job.name} outputs"] = json.dumps(job.outputs)
        places[f"{job.name} summary"] = job.summary
    for issue in world.github_state.list_issues(state="all"):
        places[f"#{issue.number} body"] = issue.body or ""
        for comment in world.github_state.list_comments(issue.number):
            places[f"comment {comment.id}"] = comment.body
    for request in world.simulator.requests:
        places[f"jules {request.method} {request.path}"] = json.dumps(request.body)
    return [
        f"a secret in {where}"
        for where, text in places.items()
        for secret in (API_KEY, TOKEN)
        if secret in text
    ]


def positions(calls: list[str]) -> list[int]:
    """The calls to fault: every one, except inside a run of identical consecutive calls (the
    polls of one wait), where the first two and the last stand for the rest: a fault there
    meets the same code in the same state."""
    keep: list[int] = []
    start = 0
    while start < len(calls):
        end = start
        while end + 1 < len(calls) and calls[end + 1] == calls[start]:
            end += 1
        keep += sorted({start, min(start + 1, end), end})
        start = end + 1
    return keep


def cases(spec: FlowSpec, calls: list[str]) -> Iterator[tuple[int, str, str]]:
    """(call number, call, fault kind) for the calls of the fault-free trace to fault."""
    for index in positions(calls):
        call = calls[index]
        kinds = GITHUB_FAULTS if call.startswith("github ") else JULES_FAULTS
        for kind in kinds:
            yield index, call, kind
