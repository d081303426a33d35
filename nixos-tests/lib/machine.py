# Helpers about the test machines themselves, put after ./helpers.py (whose imports and
# wait_for_status they use) in front of every VM test script: their systems and boot entries,
# the first switch of an agent, clocks and reboots, files and keys. Unannotated, like helpers.py.


# The reason the agent gives when only the initrd changed (runtime/reboot/detect.ts).
INITRD_ONLY = "the running system's initrd differ from the booted system's (initrd: "


def backdoor_invocation(machine):
    """The invocation id of the driver's backdoor.service: another one means it was restarted."""
    return machine.succeed("systemctl show --property=InvocationID --value backdoor.service").strip()


def assert_first_switch(machine, backdoor, timeout=600):
    """What every agent's first switch to a fleet system does, on purpose.

    The test framework adds udev rules naming the VLAN interfaces to each node's initrd
    (nixos/lib/testing/network.nix); the fleet systems have none, so their initrd differs from the
    one the node booted: the agent reports a needed reboot, for the initrd alone (the default
    policy only reports it). The switch keeps the driver's shell: `backdoor` is the invocation id
    of backdoor.service before it, and the fleet systems agree with the node on everything the unit
    depends on (fleet/base.nix)."""
    status = wait_for_status(machine, f"{machine.name} needing a reboot for the node's own initrd", lambda status: status.get("needToReboot") is True, timeout)
    reason = status.get("needToRebootReason") or ""
    t.assertTrue(reason.startswith(INITRD_ONLY), f"{machine.name}: only the initrd should differ, the agent says: {reason}")
    t.assertEqual(backdoor_invocation(machine), backdoor, f"{machine.name}: the switch restarted the driver's backdoor.service")
    return status


def set_clock(machine, when):
    """Sets the machine's clock to `when` ("YYYY-MM-DD HH:MM:SS", UTC). Returns that setting:
    `at` (an aware datetime), and what `clock_after` needs to continue from it."""
    machine.succeed(f"date --utc --set {shlex.quote(when)}")
    at = datetime.datetime.strptime(when, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return {"at": at, "monotonic": time.monotonic()}


def clock_after(setting, margin_seconds=60):
    """The machine's clock now, from a `set_clock` setting, plus a margin: the host's time elapsed
    since, which a guest clock does not outrun (test VMs count time with acpi_pm, which lags under
    load). A clock set from this never goes back."""
    elapsed = time.monotonic() - setting["monotonic"]
    return setting["at"] + datetime.timedelta(seconds=elapsed + margin_seconds)


def machine_clock(machine):
    """The machine's clock, as an aware datetime in UTC."""
    seconds = int(machine.succeed("date --utc +%s").strip())
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)


def wait_for_reboot(machine, timeout=300):
    """Waits until the machine's agent has rebooted it, i.e. stopped it: the driver starts QEMU with
    -no-reboot. Only the QEMU process is watched: a command would race with the reboot. (Not
    wait_for_console_text: with a timeout it takes one queued console line a second, and the
    console holds thousands from the boot.)"""

    def stopped(_last_try):
        return machine.process is not None and machine.process.poll() is not None

    with machine.nested(f"waiting for {machine.name} to reboot"):
        retry(stopped, timeout)
    machine.wait_for_shutdown()


def boot_into(machine, system, clock):
    """Starts the stopped machine into `system` with its hardware clock at `clock` (UTC).

    A direct-boot VM boots its own system: the last init= on the kernel command line wins, as a
    boot loader would choose. QEMU's clock is the host's unless given a base; the guest would
    otherwise come back to the host's time, before the time the test had set."""
    additions = {
        "QEMU_KERNEL_PARAMS": f"init={system}/init",
        "QEMU_OPTS": "-rtc base=" + clock.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    saved = {name: os.environ.get(name) for name in additions}
    for name, value in additions.items():
        os.environ[name] = f"{saved[name]} {value}" if saved[name] else value
    try:
        machine.start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def current_system(machine):
    return machine.succeed("readlink -f /run/current-system").strip()


def booted_system(machine):
    return machine.succeed("readlink -f /run/booted-system").strip()


def fleet_marker(machine):
    """The marker of the fleet state the machine runs (nixos-tests/fleet/state.nix)."""
    return machine.succeed("cat /etc/fleet-marker").strip()


def profile_generations(machine):
    """Generations of the agent's system profile: the boot entries a boot loader would list."""
    output = machine.succeed(
        "ls -1 /nix/var/nix/profiles/system-profiles 2>/dev/null | grep -c '^comin-[0-9]*-link$' || true"
    )
    return int(output.strip() or "0")


def boot_log(machine):
    """Systems the recording boot loader made the default, oldest first (fleet/base.nix)."""
    return machine.succeed("cat /var/lib/test-boot/log 2>/dev/null || true").split()


def copy_file(source, source_path, target, target_path, mode="0644"):
    """Copies a small file from one machine to another, through the test driver."""
    content = source.succeed(f"base64 -w0 {shlex.quote(source_path)}").strip()
    path = shlex.quote(target_path)
    target.succeed(
        f"mkdir -p \"$(dirname {path})\"",
        f"echo {shlex.quote(content)} | base64 -d > {path}",
        f"chmod {mode} {path}",
    )


def gpg_fingerprint(machine, email):
    """Fingerprint of the secret key of `email` in root's keyring."""
    return machine.succeed(
        f"gpg --with-colons --list-secret-keys {shlex.quote(email)} | awk -F: '/^fpr/ {{ print $10; exit }}'"
    ).strip()
