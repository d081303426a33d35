# Helpers shared by the test scripts of the comin VM tests (nixos-tests/*.nix), which put this
# file and ./machine.py in front of their own script: here, the agent's status, history and
# metrics. `retry` and `t` come from the NixOS test driver.
#
# The functions are left unannotated on purpose: the driver type-checks the whole script with
# mypy, which then checks how they are called but not their bodies (the machine objects they
# take are the driver's). The modules imported here are ./machine.py's and the scripts' too:
# importing one again would fail the driver's pyflakes check ("redefinition of unused import").
import datetime
import hashlib
import hmac
import json
import os
import re
import shlex
import time


GUARD_HINT = (
    "the agent's evaluation inside the VM gave another system than the one prebuilt outside it, "
    "so the VM would have to build it offline. Usual causes: nixpkgs seen with other metadata or "
    "at another store path, comin's package or module reading the flake's revision, or something "
    "the node has that nixos-tests/fleet/base.nix lacks. See nixos-tests/README.md."
)


def comin_status(machine):
    """`comin status --json` of the machine, or None while the agent does not answer.

    Exit code 1 means "a problem is shown" (a refused head, a failed fetch or stage): the JSON is
    there all the same, and the suites wait for exactly such states.
    """
    code, output = machine.execute("comin status --json")
    if code not in (0, 1):
        return None
    try:
        return json.loads(output)
    except ValueError:
        return None


def dig(value, *keys):
    """value[key1][key2]..., or None as soon as a level is missing."""
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def wait_for_status(machine, description, predicate, timeout=600):
    """Polls the agent's status until predicate(status) holds, and returns that status."""
    seen = {}

    def check(last_try):
        status = comin_status(machine)
        seen["status"] = status
        if status is not None and predicate(status):
            return True
        if last_try:
            machine.log(f"status when giving up on {description}: {json.dumps(status, indent=2)}")
        return False

    with machine.nested(f"waiting for {description}"):
        retry(check, timeout)
    return seen["status"]


def ensure_first_fetch(machine, timeout=300):
    """Waits for the agent's start-up fetch of every remote; fetches again, once, if one failed.

    For agents that do not poll: their start-up fetch is their only automatic one."""

    def fetched(status):
        return all(remote.get("lastFetch") is not None for remote in status.get("remotes") or [{}])

    status = wait_for_status(machine, f"the start-up fetch on {machine.name}", fetched, timeout)
    if not all(remote["lastFetch"]["ok"] for remote in status["remotes"]):
        machine.log(f"the start-up fetch failed, fetching again: {json.dumps(status['remotes'])}")
        machine.succeed("comin fetch --wait")


def stage_failure(status, commit):
    """The error of a failed evaluation or build of `commit`, if the current generation has one."""
    generation = status.get("generation") or {}
    if generation.get("commit") != commit:
        return None
    for stage in ("eval", "build"):
        if dig(generation, stage, "status") == "failed":
            return f"the {stage} of {commit} failed: {dig(generation, stage, 'error')}"
    return None


def wait_deployed(machine, commit, operation, timeout=600):
    """Waits until the latest deployment is `commit` with `operation`, done; returns the status.

    A failed evaluation or build of that commit fails the test at once: inside a VM without a
    network, trying again changes nothing."""

    def deployed(status):
        failure = stage_failure(status, commit)
        if failure is not None:
            t.fail(f"{machine.name}: {failure}")
        deployment = status.get("deployment") or {}
        return (
            deployment.get("commit") == commit
            and deployment.get("operation") == operation
            and deployment.get("status") == "done"
        )

    description = f"{commit[:8]} deployed with {operation} on {machine.name}"
    return wait_for_status(machine, description, deployed, timeout)


def assert_prebuilt(machine, commit, expected, timeout=900):
    """The guard every suite starts with: the agent's first evaluation of `commit` in the VM is
    the system prebuilt outside it. Otherwise everything after would wait on a build that cannot
    happen offline; this fails in seconds instead, and says why."""

    def evaluated(status):
        generation = status.get("generation") or {}
        return generation.get("commit") == commit and dig(generation, "eval", "status") in ("done", "failed", "skipped")

    status = wait_for_status(machine, f"the evaluation of {commit[:8]} on {machine.name}", evaluated, timeout)
    generation = status["generation"]
    # A prebuilt system (behaviour §15) is not evaluated on the machine: its manifest names it.
    resolved = "skipped" if generation.get("source") == "prebuilt" else "done"
    t.assertEqual(
        generation["eval"]["status"],
        resolved,
        f"{machine.name}: the evaluation of {commit} failed: {generation['eval']['error']}",
    )
    t.assertEqual(generation["outPath"], expected, f"{machine.name}: {GUARD_HINT}")
    return status


def deployments(machine):
    """`comin deployment list --json`: the history, oldest first, reboots included."""
    return json.loads(machine.succeed("comin deployment list --json"))


def read_metrics(machine, url="http://127.0.0.1:4243/metrics"):
    """The Prometheus exposition of the agent, or None while it does not answer."""
    code, output = machine.execute(f"curl --silent --fail --max-time 10 {shlex.quote(url)}")
    return output if code == 0 else None


METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
METRIC_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metric_value(text, name, **labels):
    """The value of the first sample of `name` whose labels include `labels`, or None."""
    for line in text.splitlines():
        match = METRIC_LINE.match(line)
        if match is None or match.group(1) != name:
            continue
        found = dict(METRIC_LABEL.findall(match.group(2) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(3))
    return None


def fetch_count(machine, remote):
    """Successful fetches of `remote` since the agent started, or None while it does not answer."""
    text = read_metrics(machine)
    if text is None:
        return None
    return metric_value(text, "comin_fetch_count", remote_name=remote, status="succeeded") or 0.0


def wait_for_fetches(machine, remote, at_least, timeout=300):
    """Waits until `remote` was fetched successfully `at_least` times since the agent started.

    The witness that the agent has looked at the remote's branches since some event, before a
    test asserts that it did NOT act on them."""

    def enough(_last_try):
        count = fetch_count(machine, remote)
        return count is not None and count >= at_least

    with machine.nested(f"waiting for {at_least:g} fetches of {remote} on {machine.name}"):
        retry(enough, timeout)


def github_signature(secret, body):
    """The X-Hub-Signature-256 header of a GitHub webhook delivery."""
    return "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def post(machine, url, body, headers):
    """POSTs `body` from `machine`; returns the HTTP status code."""
    command = ["curl", "--silent", "--output", "/dev/null", "--write-out", "%{http_code}"]
    command += ["--max-time", "30", "--request", "POST", "--data-binary", body]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    command.append(url)
    return int(machine.succeed(" ".join(shlex.quote(part) for part in command)).strip())
