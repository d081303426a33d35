/**
 * Runs the configured reboot command (default `systemctl reboot`, §8), without a shell and under
 * a timeout. One implementation of the Rebooter port.
 */
import { errorMessage } from "../errors.js";
import type { Rebooter } from "../ports.js";
import { runStage } from "../process.js";

const REBOOT_COMMAND_TIMEOUT_SEC = 120;

export function commandRebooter(command: readonly string[]): Rebooter {
  const [file = "systemctl", ...args] = command;
  return {
    async reboot() {
      try {
        await runStage(file, args, { timeoutSec: REBOOT_COMMAND_TIMEOUT_SEC, what: "the reboot command" });
        return { ok: true, error: null };
      } catch (error) {
        return { ok: false, error: errorMessage(error) };
      }
    },
  };
}
