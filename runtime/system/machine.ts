/**
 * The machine the agent runs on: its machine id (§6), its current and booted systems, and whether
 * it needs a reboot (§8). One implementation of the Machine port.
 */
import { readFile } from "node:fs/promises";
import type { CominConfig } from "../../dsl/schema.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../log.js";
import type { Machine } from "../ports.js";
import { detectNeedToReboot } from "../reboot/detect.js";
import { realpathOrNull } from "./fs.js";

async function readMachineId(file: string, log: Logger): Promise<string | null> {
  try {
    const id = (await readFile(file, "utf8")).trim();
    return id === "" ? null : id;
  } catch (error) {
    log.warn("cannot read the machine id: configurations pinned to a machine id will not deploy", { file, error: errorMessage(error) });
    return null;
  }
}

export async function localMachine(paths: CominConfig["paths"], log: Logger): Promise<Machine> {
  const machineId = await readMachineId(paths.machineIdFile, log);
  return {
    machineId,
    currentSystem: () => realpathOrNull(paths.currentSystem),
    bootedSystem: () => realpathOrNull(paths.bootedSystem),
    detectNeedToReboot: (last) => detectNeedToReboot({ paths, lastDeployment: last ? { operation: last.operation, outPath: last.outPath, status: last.status } : null }),
  };
}
