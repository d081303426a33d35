/**
 * The lab's binary cache: a static HTTP server of a `nix copy --to file://` directory, run inside
 * a node's namespace (`node cache-server-main.js <root> <address> <port>`). It prints
 * "listening" once it serves, then one line per requested path.
 */
import { createStaticServer } from "../test/helpers/prebuilt.js";

const [root, address, port] = process.argv.slice(2);
if (!root || !address || !port) {
  process.stderr.write("usage: cache-server-main.js <root> <address> <port>\n");
  process.exit(2);
}
const server = createStaticServer(root, (pathname) => process.stdout.write(`GET ${pathname}\n`));
server.listen(Number(port), address, () => process.stdout.write("listening\n"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
