/**
 * The scenarios in the order \`npm run bench\` runs them, in stages: the scenarios of a stage run
 * side by side. Only the crash scenario (reported, not timed) shares its stage, with the idle one,
 * which measures CPU time and memory rather than wall time.
 */
import type { Scenario } from "../scenario.js";
import { bigRepo } from "./big-repo.js";
import { crash } from "./crash.js";
import { evaluations } from "./evaluations.js";
import { fleetServer } from "./fleet-server.js";
import { health } from "./health.js";
import { idle } from "./idle.js";
import { latency } from "./latency.js";
import { overhead } from "./overhead.js";
import { prebuilt } from "./prebuilt.js";
import { rebootLock } from "./reboot-lock.js";
import { scale } from "./scale.js";
import { webhookFlood } from "./webhook-flood.js";

export const STAGES: readonly (readonly Scenario[])[] = [[evaluations], [overhead], [latency], [scale], [bigRepo], [idle, crash], [webhookFlood], [prebuilt], [health], [rebootLock], [fleetServer]];

export const SCENARIOS: readonly Scenario[] = STAGES.flat();
