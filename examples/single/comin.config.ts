// One machine, one remote, everything else at its default.
import { defineConfig } from "comin";

export default defineConfig({
  remotes: [{ name: "origin", url: "https://git.example.org/infra.git" }],
  hosts: {
    laptop: {},
  },
});
