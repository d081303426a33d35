/**
 * Reboots from the agent's side (behaviour.md §8): keeping the need-to-reboot facts fresh (at
 * start-up, after each deployment, and on the window re-check), and running the reboot the
 * planner decided — recorded first (history, state written), then the command.
 */
import type { CominConfig } from "../../dsl/schema.js";
import type { RebootFacts } from "../reboot/policy.js";
import { currentDeployment } from "../history.js";
import type { AgentContext } from "./context.js";
import { newRebootEntry } from "./records.js";

/** Reboot facts plus what the agent remembers between two checks. */
export class RebootWatch {
  facts: RebootFacts = { needed: false, reason: null, current: null, booted: null };
  /** Policy `always`: a boot deployment asks for a reboot even into the same system. */
  private afterBoot = false;
  private unknownLogged = false;

  constructor(private readonly policy: CominConfig["reboot"]["policy"]) {}

  /** Call after a deployment finished. */
  deployed(operation: string | null, status: string): void {
    if (this.policy === "always" && status === "done" && operation === "boot") this.afterBoot = true;
  }

  /** The reboot command ran well: the `always` request is served. */
  rebooted(): void {
    this.afterBoot = false;
  }

  /** Re-reads the systems; emits `reboot-required` when a reboot becomes needed (policy `never`: nothing, §8). */
  async refresh(ctx: AgentContext): Promise<void> {
    const { machine } = ctx.ports;
    const [detection, current, booted] = await Promise.all([
      machine.detectNeedToReboot(currentDeployment(ctx.state.deployments)),
      machine.currentSystem(),
      machine.bootedSystem(),
    ]);
    if (detection.unknown && !this.unknownLogged) {
      this.unknownLogged = true;
      ctx.log.info("cannot tell whether a reboot is needed (no kernel, initrd or kernel-modules links to compare): assuming not");
    }
    const needed = detection.needed || this.afterBoot;
    const reason = detection.reason ?? (this.afterBoot ? "a boot deployment (policy always)" : null);
    if (needed && !this.facts.needed && this.policy !== "never") ctx.events.emit({ type: "reboot-required", at: ctx.at(), reason: reason ?? "unknown" });
    this.facts = { needed, reason: needed ? reason : null, current, booted };
  }
}

/** Records the reboot, then runs the command; a real reboot never comes back to finish this. */
export async function runReboot(ctx: AgentContext, watch: RebootWatch, reason: string, pair: string): Promise<void> {
  const { state } = ctx;
  const at = ctx.at();
  const { current, booted } = watch.facts;
  state.rebootAttempt = { pair, at, ok: false, error: "the reboot command has not finished" };
  state.deployments.push(newRebootEntry(reason, booted, current, at));
  await ctx.save();
  await ctx.ports.store.flush();
  ctx.events.emit({ type: "reboot", at, reboot: { at, reason, from: booted, to: current } });
  const result = await ctx.ports.rebooter.reboot();
  state.rebootAttempt = { pair, at, ok: result.ok, error: result.error };
  if (result.ok) watch.rebooted();
  else ctx.log.error("reboot command failed: trying again in 10 minutes inside a window", { error: result.error });
  await ctx.save();
}
