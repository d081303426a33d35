/**
 * The benchmark's teardown list: the test helpers (`tempDir`, `Daemon.start`) register their
 * cleanups on anything with `teardown(fn)`, like ava's `t`. Cleanups run last-in first-out, all of
 * them even when one fails, so that no daemon or temporary directory outlives the run.
 */
export class Cleanup {
  private readonly steps: (() => Promise<void> | void)[] = [];

  teardown(fn: () => Promise<void> | void): void {
    this.steps.push(fn);
  }

  /**
   * Runs every registered step (newest first); returns the errors of those that failed. With
   * `keep`, the steps stay registered, to be run again (an interrupted run cleans up twice: code
   * still running may write into a directory while it is being removed).
   */
  async run(options: { keep?: boolean } = {}): Promise<unknown[]> {
    const errors: unknown[] = [];
    const steps = options.keep ? [...this.steps].reverse() : [];
    for (;;) {
      const step = options.keep ? steps.shift() : this.steps.pop();
      if (!step) break;
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }
}
