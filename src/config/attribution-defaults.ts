// The default `attribution` section as a plain object, for code that must not load zod (the
// scan CLI starts in a fraction of a second). A test asserts that it equals what the schema in
// repo-config.ts gives for an empty file.

import type { AttributionConfig } from "./repo-config.js";

export const DEFAULT_ATTRIBUTION: AttributionConfig = {
  agents: [],
  labels: ["ai-assisted"],
  ignoreAuthors: [],
  disableMarkers: [],
  trustGenericTrailers: false,
  policy: "none",
};

/** The options the attribution engine takes, with the defaults. */
export const DEFAULT_ATTRIBUTION_OPTIONS = { attribution: DEFAULT_ATTRIBUTION };
