import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The Postgres and end-to-end suites start real servers; keep parallelism modest on 2 cores.
    maxWorkers: 2,
  },
});
