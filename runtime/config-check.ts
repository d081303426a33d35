/**
 * The configuration checker the daemon runs as a child process at start-up
 * (`node config-check.js FILE`, see config.ts): prints the verdict of `checkConfigFile` as one
 * JSON document between markers on stdout and exits 0; any other exit is the checker's own failure.
 */
import { CHECK_END, CHECK_MARKER, checkConfigFile } from "./config.js";

const file = process.argv[2];
if (file === undefined || process.argv.length !== 3) {
  process.stderr.write("usage: config-check.js FILE\n");
  process.exit(2);
}
process.stdout.write(`${CHECK_MARKER}${JSON.stringify(await checkConfigFile(file))}${CHECK_END}`);
