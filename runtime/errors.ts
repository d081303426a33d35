/** Why a stage (fetch, eval, build, deploy) stopped. Callers branch on `kind`, never on text. */
/** `waiting`: nothing failed, the stage cannot run yet (a prebuilt system not yet published, §15). */
export type StageErrorKind = "failed" | "timeout" | "cancelled" | "waiting";

export class StageError extends Error {
  override readonly name = "StageError";
  constructor(
    readonly kind: StageErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
