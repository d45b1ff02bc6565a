// The dashboard's static files: uPlot's script and stylesheet from the app's own dependencies, and
// the dashboard's own (src/web/dashboard/assets/, found from the package root, so the same from
// src/ under tsx and from dist/ after a build: tsc copies no .js or .css). Read once, served with
// long caching (pages name them with a version), correct types, and the dashboard's headers.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../../util/package-root.js";
import { securityHeaders } from "./headers.js";

export interface Asset {
  type: string;
  body: Buffer;
}

const TYPES = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" } as const;

/** Where each asset is read from: a dependency's file (resolved by Node) or one of the dashboard's own. */
export function assetPaths(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const own = join(packageRoot(), "src", "web", "dashboard", "assets");
  return {
    "uPlot.iife.min.js": require.resolve("uplot/dist/uPlot.iife.min.js"),
    "uPlot.min.css": require.resolve("uplot/dist/uPlot.min.css"),
    "dashboard.js": join(own, "dashboard.js"),
    "dashboard.css": join(own, "dashboard.css"),
  };
}

export interface Assets {
  /** A short hash of every asset: pages add it to their addresses. */
  version: string;
  get(name: string): Asset | undefined;
}

export function loadAssets(paths: Record<string, string> = assetPaths()): Assets {
  const assets = new Map<string, Asset>();
  const hash = createHash("sha256");
  for (const [name, path] of Object.entries(paths)) {
    const body = readFileSync(path);
    hash.update(name).update(body);
    assets.set(name, { type: name.endsWith(".css") ? TYPES.css : TYPES.js, body });
  }
  return { version: hash.digest("hex").slice(0, 12), get: (name) => assets.get(name) };
}

export function sendAsset(res: ServerResponse, asset: Asset, secure: boolean, head: boolean): void {
  res.writeHead(200, {
    ...securityHeaders(secure),
    "content-type": asset.type,
    "content-length": String(asset.body.length),
    "cache-control": "public, max-age=31536000, immutable",
  });
  res.end(head ? undefined : asset.body);
}
