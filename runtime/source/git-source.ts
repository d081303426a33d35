/**
 * The git source: fetch rounds of the remotes into the agent's bare repository (fetcher.ts) and
 * the selection over the fetched refs, signature gate included (selection.ts). One implementation
 * of the Source port.
 */
import type { CominConfig } from "../../dsl/schema.js";
import { Fetcher } from "../fetcher.js";
import type { GitRepository } from "../git/repository.js";
import type { SignatureVerifier } from "../git/signatures.js";
import type { Logger } from "../log.js";
import type { Source } from "../ports.js";
import { gatherAndSelect } from "../selection.js";
import type { FetchOutcome } from "../types.js";

export function gitSource(args: { config: CominConfig; repo: GitRepository; verifier: SignatureVerifier | null; log: Logger }): Source {
  const { config, repo, verifier, log } = args;
  let onFetched: (outcomes: FetchOutcome[]) => Promise<void> = async () => {};
  const fetcher = new Fetcher({ repo, remotes: config.remotes, log, onFetched: (outcomes) => onFetched(outcomes) });
  return {
    start(handler) {
      onFetched = handler;
      fetcher.start();
    },
    stop: () => fetcher.stop(),
    request: (remotes) => fetcher.request(remotes),
    get fetching() {
      return fetcher.fetching;
    },
    select: (state) => gatherAndSelect({ repo, remotes: config.remotes, verifier, ...state }),
  };
}
