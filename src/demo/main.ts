#!/usr/bin/env node
// The entry that `npm run demo` runs (`npm run demo -- --installed-late` too): see run.ts.
import { processIO } from "../cli/io.js";
import { demoCommand } from "./run.js";

process.exitCode = await demoCommand(process.argv.slice(2), processIO());
