"""Unit tests of nixos-tests/lib/helpers.py and machine.py: the helpers run against a scripted fake
machine, with stand-ins for the two things the NixOS test driver gives them (`retry` and `t`).

Run: python3 test/nixos-tests/helpers_test.py (test/nixos-tests/helpers.test.ts does).
"""

import contextlib
import json
import pathlib
import unittest

LIB = pathlib.Path(__file__).resolve().parents[2] / "nixos-tests" / "lib"
# In the order the test scripts have them (nixos-tests/lib/fleet.nix, `pythonHelpers`).
HELPERS = [LIB / "helpers.py", LIB / "machine.py"]


class DriverAssertion(Exception):
    """What the driver's `t` raises (RequestedAssertionFailed)."""


class Assertions(unittest.TestCase):
    failureException = DriverAssertion


def retry(fn, timeout_seconds=900):
    """The driver's retry without its one-second pause: at most `timeout_seconds` tries."""
    for _ in range(int(timeout_seconds)):
        if fn(False):
            return
    if not fn(True):
        raise DriverAssertion(f"action timed out (timeout={timeout_seconds})")


def load_helpers():
    namespace = {"retry": retry, "t": Assertions()}
    for file in HELPERS:
        exec(compile(file.read_text(encoding="utf-8"), str(file), "exec"), namespace)
    return namespace


class FakeMachine:
    """Answers `comin status --json` from a list of statuses (the last one repeats) and other
    commands from a dict of prefix -> (exit code, output)."""

    def __init__(self, statuses=(), commands=None):
        self.name = "web1"
        self.statuses = list(statuses)
        self.commands = commands or {}
        self.logs = []
        self.executed = []

    def execute(self, command, timeout=900):
        self.executed.append(command)
        if command == "comin status --json":
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
            if status is None:
                return (3, "comin: the daemon is not running\n")
            # `comin status` exits 1 when it shows a problem, with the JSON all the same.
            return (1 if status.get("problems") else 0, json.dumps(status))
        for prefix, answer in self.commands.items():
            if command.startswith(prefix):
                return answer
        raise AssertionError(f"unexpected command {command!r}")

    def succeed(self, *commands):
        output = ""
        for command in commands:
            code, out = self.execute(command)
            if code != 0:
                raise DriverAssertion(f"command `{command}` failed (exit code {code})")
            output += out
        return output

    def log(self, message):
        self.logs.append(message)

    def nested(self, message):
        return contextlib.nullcontext()


def deployment(commit, operation="switch", status="done"):
    return {"commit": commit, "operation": operation, "status": status}


def generation(commit, out_path="/nix/store/aaa-system", eval_status="done", eval_error=None, build_status="pending"):
    return {
        "commit": commit,
        "outPath": out_path,
        "eval": {"status": eval_status, "error": eval_error},
        "build": {"status": build_status, "error": None},
    }


METRICS = """\
# HELP comin_fetch_count Fetches of each remote by outcome.
# TYPE comin_fetch_count untyped
comin_fetch_count{remote_name="origin",status="succeeded"} 3
comin_fetch_count{status="failed",remote_name="origin"} 1
comin_deployment_info{commit_id="c1",status="done"} 1
comin_build_info{version="0.1.0 \\"dev\\""} 1
comin_is_suspended 0
"""


class StatusTests(unittest.TestCase):
    def setUp(self):
        self.h = load_helpers()

    def test_comin_status_is_none_while_the_agent_does_not_answer(self):
        machine = FakeMachine([None])

        self.assertIsNone(self.h["comin_status"](machine))

    def test_comin_status_reads_the_json_when_a_problem_makes_it_exit_1(self):
        machine = FakeMachine([{"problems": [{"kind": "build"}], "hostname": "web1"}])

        self.assertEqual(self.h["comin_status"](machine)["hostname"], "web1")

    def test_dig_follows_keys_and_indexes_and_stops_at_a_missing_level(self):
        status = {"remotes": [{"main": {"commit": "c1"}}]}

        self.assertEqual(self.h["dig"](status, "remotes", 0, "main", "commit"), "c1")
        self.assertEqual(self.h["dig"](status, "remotes", -1, "main", "commit"), "c1")
        self.assertIsNone(self.h["dig"](status, "remotes", 1, "main"))
        self.assertIsNone(self.h["dig"](status, "candidate", "commit"))

    def test_wait_deployed_waits_for_commit_operation_and_done(self):
        machine = FakeMachine([
            None,
            {"deployment": deployment("c1")},
            {"deployment": deployment("c2", status="running")},
            {"deployment": deployment("c2", operation="test")},
            {"deployment": deployment("c2"), "marker": "the one"},
        ])

        status = self.h["wait_deployed"](machine, "c2", "switch", 10)

        self.assertEqual(status["marker"], "the one")

    def test_wait_deployed_fails_at_once_when_the_evaluation_of_the_commit_failed(self):
        machine = FakeMachine([{"generation": generation("c2", eval_status="failed", eval_error="boom"), "deployment": deployment("c1")}])

        with self.assertRaises(DriverAssertion) as raised:
            self.h["wait_deployed"](machine, "c2", "switch", 1000)

        self.assertIn("the eval of c2 failed: boom", str(raised.exception))

    def test_wait_for_status_times_out_and_logs_the_last_status(self):
        machine = FakeMachine([{"deployment": deployment("c1")}])

        with self.assertRaises(DriverAssertion):
            self.h["wait_for_status"](machine, "c9 deployed", lambda status: False, 3)

        self.assertIn('"commit": "c1"', machine.logs[-1])

    def test_ensure_first_fetch_waits_for_every_remote_and_asks_nothing_more(self):
        fetched = {"ok": True, "error": None}
        machine = FakeMachine([
            {"remotes": [{"lastFetch": None}, {"lastFetch": None}]},
            {"remotes": [{"lastFetch": fetched}, {"lastFetch": None}]},
            {"remotes": [{"lastFetch": fetched}, {"lastFetch": fetched}]},
        ])

        self.h["ensure_first_fetch"](machine, 10)

        self.assertEqual(machine.executed, ["comin status --json"] * 3)

    def test_ensure_first_fetch_fetches_again_when_the_start_up_fetch_failed(self):
        failed = {"ok": False, "error": "connection refused"}
        machine = FakeMachine([{"remotes": [{"lastFetch": failed}]}], commands={"comin fetch --wait": (0, "origin: ok\n")})

        self.h["ensure_first_fetch"](machine, 10)

        self.assertEqual(machine.executed[-1], "comin fetch --wait")
        self.assertIn("connection refused", machine.logs[-1])

    def test_the_guard_accepts_the_prebuilt_system(self):
        machine = FakeMachine([{"generation": generation("c0")}, {"generation": generation("c1", "/nix/store/bbb-web1")}])

        status = self.h["assert_prebuilt"](machine, "c1", "/nix/store/bbb-web1", 10)

        self.assertEqual(status["generation"]["commit"], "c1")

    def test_the_guard_fails_with_the_hint_when_the_evaluation_diverged(self):
        machine = FakeMachine([{"generation": generation("c1", "/nix/store/ccc-other")}])

        with self.assertRaises(DriverAssertion) as raised:
            self.h["assert_prebuilt"](machine, "c1", "/nix/store/bbb-web1", 10)

        self.assertIn("prebuilt outside", str(raised.exception))

    def test_the_guard_reports_a_failed_evaluation(self):
        machine = FakeMachine([{"generation": generation("c1", None, eval_status="failed", eval_error="attribute missing")}])

        with self.assertRaises(DriverAssertion) as raised:
            self.h["assert_prebuilt"](machine, "c1", "/nix/store/bbb-web1", 10)

        self.assertIn("attribute missing", str(raised.exception))

    def test_the_guard_accepts_a_substituted_system_whose_evaluation_was_skipped(self):
        prebuilt = dict(generation("c1", "/nix/store/bbb-web1", eval_status="skipped", eval_error="prebuilt"), source="prebuilt")
        machine = FakeMachine([{"generation": prebuilt}])

        status = self.h["assert_prebuilt"](machine, "c1", "/nix/store/bbb-web1", 10)

        self.assertEqual(status["generation"]["source"], "prebuilt")

    def test_the_guard_refuses_a_skipped_evaluation_of_a_local_system(self):
        machine = FakeMachine([{"generation": generation("c1", "/nix/store/bbb-web1", eval_status="skipped")}])

        with self.assertRaises(DriverAssertion):
            self.h["assert_prebuilt"](machine, "c1", "/nix/store/bbb-web1", 10)


class MetricTests(unittest.TestCase):
    def setUp(self):
        self.h = load_helpers()

    def test_metric_value_matches_labels_in_any_order(self):
        value = self.h["metric_value"]

        self.assertEqual(value(METRICS, "comin_fetch_count", remote_name="origin", status="succeeded"), 3.0)
        self.assertEqual(value(METRICS, "comin_fetch_count", remote_name="origin", status="failed"), 1.0)
        self.assertEqual(value(METRICS, "comin_build_info", version='0.1.0 \\"dev\\"'), 1.0)
        self.assertEqual(value(METRICS, "comin_is_suspended"), 0.0)
        self.assertIsNone(value(METRICS, "comin_deployment_info", commit_id="c2"))
        self.assertIsNone(value(METRICS, "comin_fetch"))

    def test_wait_for_fetches_waits_for_the_count(self):
        answers = iter([(7, ""), (0, METRICS.replace("} 3", "} 1")), (0, METRICS)])
        machine = FakeMachine(commands={})
        machine.execute = lambda command, timeout=900: next(answers)

        self.h["wait_for_fetches"](machine, "origin", 3, 10)

        self.assertRaises(StopIteration, next, answers)

    def test_github_signature_matches_githubs_documented_example(self):
        signature = self.h["github_signature"]("It's a Secret to Everybody", "Hello, World!")

        self.assertEqual(signature, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")


class MachineTests(unittest.TestCase):
    def setUp(self):
        self.h = load_helpers()

    def test_profile_generations_counts_the_output_of_grep(self):
        machine = FakeMachine(commands={"ls -1 /nix/var/nix/profiles/system-profiles": (0, "2\n")})

        self.assertEqual(self.h["profile_generations"](machine), 2)

    def test_boot_log_is_empty_before_any_installation(self):
        machine = FakeMachine(commands={"cat /var/lib/test-boot/log": (0, "")})

        self.assertEqual(self.h["boot_log"](machine), [])

    def test_post_quotes_the_body_and_returns_the_status_code(self):
        seen = []
        machine = FakeMachine()
        machine.execute = lambda command, timeout=900: seen.append(command) or (0, "202")

        code = self.h["post"](machine, "http://web1:4244/", '{"a": "b c"}', {"X-GitHub-Event": "push"})

        self.assertEqual(code, 202)
        self.assertIn("--data-binary '{\"a\": \"b c\"}'", seen[0])
        self.assertIn("--header 'X-GitHub-Event: push'", seen[0])


INITRD_REASON = (
    "the running system's initrd differ from the booted system's "
    "(initrd: booted /nix/store/aaa-initrd/initrd, running /nix/store/bbb-initrd/initrd)"
)
BACKDOOR = "systemctl show --property=InvocationID --value backdoor.service"


class FirstSwitchTests(unittest.TestCase):
    def setUp(self):
        self.h = load_helpers()

    def test_the_first_switch_needs_a_reboot_for_the_initrd_alone_and_keeps_the_backdoor(self):
        machine = FakeMachine(
            [{"needToReboot": False}, {"needToReboot": True, "needToRebootReason": INITRD_REASON}],
            commands={BACKDOOR: (0, "0f3c\n")},
        )

        status = self.h["assert_first_switch"](machine, "0f3c", 10)

        self.assertEqual(status["needToRebootReason"], INITRD_REASON)

    def test_a_changed_kernel_is_not_the_nodes_initrd(self):
        reason = INITRD_REASON.replace("initrd differ", "kernel, initrd differ").replace("(initrd:", "(kernel:")
        machine = FakeMachine([{"needToReboot": True, "needToRebootReason": reason}], commands={BACKDOOR: (0, "0f3c\n")})

        with self.assertRaises(DriverAssertion) as raised:
            self.h["assert_first_switch"](machine, "0f3c", 10)

        self.assertIn("only the initrd should differ", str(raised.exception))

    def test_a_restarted_backdoor_fails_the_first_switch(self):
        machine = FakeMachine([{"needToReboot": True, "needToRebootReason": INITRD_REASON}], commands={BACKDOOR: (0, "9e1d\n")})

        with self.assertRaises(DriverAssertion) as raised:
            self.h["assert_first_switch"](machine, "0f3c", 10)

        self.assertIn("restarted the driver's backdoor.service", str(raised.exception))


class FakeProcess:
    """A QEMU process that exits after `polls` polls."""

    def __init__(self, polls):
        self.polls = polls

    def poll(self):
        self.polls -= 1
        return 0 if self.polls < 0 else None


class RebootTests(unittest.TestCase):
    def setUp(self):
        self.h = load_helpers()

    def test_a_reboot_is_awaited_on_the_qemu_process_without_any_command(self):
        machine = FakeMachine()
        machine.process = FakeProcess(polls=3)
        machine.wait_for_shutdown = lambda: machine.logs.append("shut down")

        self.h["wait_for_reboot"](machine, 10)

        self.assertEqual(machine.executed, [])
        self.assertEqual(machine.logs, ["shut down"])

    def test_a_machine_that_never_stops_fails_the_wait(self):
        machine = FakeMachine()
        machine.process = FakeProcess(polls=100)

        with self.assertRaises(DriverAssertion):
            self.h["wait_for_reboot"](machine, 5)

    def test_boot_into_gives_qemu_the_system_and_the_clock_only_while_starting(self):
        os = self.h["os"]
        seen = {}
        machine = FakeMachine()
        machine.start = lambda: seen.update({name: os.environ.get(name) for name in ("QEMU_KERNEL_PARAMS", "QEMU_OPTS")})
        clock = self.h["datetime"].datetime(2035, 1, 1, 2, 31, 5, tzinfo=self.h["datetime"].timezone.utc)
        os.environ["QEMU_OPTS"] = "-m 512"
        try:
            self.h["boot_into"](machine, "/nix/store/aaa-nixos-system-web1", clock)

            self.assertEqual(seen["QEMU_KERNEL_PARAMS"], "init=/nix/store/aaa-nixos-system-web1/init")
            self.assertEqual(seen["QEMU_OPTS"], "-m 512 -rtc base=2035-01-01T02:31:05")
            self.assertEqual(os.environ["QEMU_OPTS"], "-m 512")
            self.assertNotIn("QEMU_KERNEL_PARAMS", os.environ)
        finally:
            os.environ.pop("QEMU_OPTS", None)

    def test_the_clock_after_a_setting_is_never_before_it_plus_the_time_elapsed(self):
        machine = FakeMachine(commands={"date --utc --set": (0, "")})
        h = self.h
        setting = h["set_clock"](machine, "2035-01-01 02:30:00")
        setting["monotonic"] -= 42

        later = h["clock_after"](setting)

        self.assertEqual(machine.executed, ["date --utc --set '2035-01-01 02:30:00'"])
        self.assertEqual(setting["at"].isoformat(), "2035-01-01T02:30:00+00:00")
        self.assertGreaterEqual((later - setting["at"]).total_seconds(), 42 + 60)
        self.assertLess((later - setting["at"]).total_seconds(), 42 + 60 + 30)


if __name__ == "__main__":
    unittest.main()
