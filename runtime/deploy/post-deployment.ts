/**
 * The optional post-deployment command (behaviour.md §7.6): an absolute path run without a shell
 * and without arguments, with the COMIN_* variables in its environment. Its failure is logged and
 * never changes the deployment's status.
 */
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import { runStage } from "../process.js";

/** The documented variables; the agent sets every one of them (empty when not applicable). */
export const POST_DEPLOYMENT_VARIABLES = [
  "COMIN_GIT_SHA",
  "COMIN_GIT_REF",
  "COMIN_GIT_MSG",
  "COMIN_HOSTNAME",
  "COMIN_GENERATION",
  "COMIN_OPERATION",
  "COMIN_STATUS",
  "COMIN_ERROR_MSG",
  "COMIN_FLAKE_URL",
  "COMIN_HEALTH",
] as const;

const POST_DEPLOYMENT_TIMEOUT_SEC = 300;

export async function runPostDeploymentCommand(command: string, env: Record<string, string>, log: Logger): Promise<void> {
  if (!command.startsWith("/")) {
    log.error("post-deployment command not run: it must be an absolute path", { command });
    return;
  }
  const missing = POST_DEPLOYMENT_VARIABLES.filter((name) => !(name in env));
  if (missing.length > 0) log.warn("post-deployment command: variables missing from its environment", { missing });
  const started = Date.now();
  try {
    await runStage(command, [], {
      env,
      timeoutSec: POST_DEPLOYMENT_TIMEOUT_SEC,
      what: "post-deployment command",
      onLine: (line, stream) => log.info("post-deployment command output", { stream, line }),
    });
    log.info("post-deployment command done", { command, durationMs: Date.now() - started });
  } catch (error) {
    log.error("post-deployment command failed", { command, error: errorMessage(error), durationMs: Date.now() - started });
  }
}
