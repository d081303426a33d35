/**
 * Schema of prebuilt systems: substituting what CI built and published instead of evaluating on
 * the machine (behaviour §15). Part of the configuration schema (see schema.ts for the conventions).
 */
import { z } from "zod";
import { PublicKey, StoreUri } from "./fields-external.js";
import { NotesRef } from "./fields.js";

export const Prebuilt = z.strictObject({
  /**
   * Binary caches the prebuilt systems are substituted from (any Nix store URI that `comin
   * publish --to` copied them to, e.g. `https://cache.example.org`).
   */
  substituters: z
    .array(StoreUri, { error: "expected a list of substituters" })
    .min(1, { error: "prebuilt needs at least one substituter" }),
  /**
   * Public keys (`name:base64`, as in `trusted-public-keys`) whose signatures are accepted; a
   * path that none of them signed is refused by Nix.
   */
  trustedPublicKeys: z
    .array(PublicKey, { error: "expected a list of public keys" })
    .min(1, { error: "prebuilt needs at least one trusted public key: unsigned systems are never substituted" }),
  /**
   * Git notes ref holding the manifests (`comin publish --notes-ref`), fetched from each remote.
   * @default "refs/notes/comin"
   */
  notesRef: NotesRef.default("refs/notes/comin"),
  /**
   * When the candidate commit has no manifest for this host: `wait` keeps it pending until one
   * is published (re-checked after every fetch); `evaluate` evaluates and builds it here.
   * @default "wait"
   */
  missing: z.enum(["wait", "evaluate"]).default("wait"),
});
