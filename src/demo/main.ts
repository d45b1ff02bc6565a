#!/usr/bin/env node
// The entry that `npm run demo` runs: see run.ts.
import { processIO } from "../cli/io.js";
import { runDemo } from "./run.js";

process.exitCode = await runDemo(processIO());
