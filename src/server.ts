#!/usr/bin/env node
// The entry that `npm start` runs.
import { ConfigurationError } from "./config/env.js";
import { loadDotEnv, startApp, stopOnSignals } from "./start.js";

try {
  loadDotEnv();
  const app = await startApp(process.env);
  stopOnSignals(app);
} catch (error) {
  if (error instanceof ConfigurationError) {
    console.error(`shipledger: configuration error: ${error.message}`);
  } else {
    console.error(`shipledger: cannot start: ${(error as Error).message}`);
  }
  process.exit(1);
}
