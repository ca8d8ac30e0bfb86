import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Connector code imports the SDK by its public name; tests read it from source.
    alias: { "intake/sdk": fileURLToPath(new URL("./src/sdk/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Every temporary folder of the run under one, removed at its end.
    globalSetup: ["test/support/global-setup.ts"],
    // Integration tests start Dovecot and child processes: generous bounds, two at a time (2 cores).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
