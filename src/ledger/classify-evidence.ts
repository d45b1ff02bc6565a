// Classifying the evidence of AI-assisted changes recorded before the ledger kept its strength
// (migration 0007), or by an older version of the app while a newer one ran beside it. Which
// evidence is explicit is decided in code (src/attribution/strength.ts), so SQL alone cannot do it;
// reports call this before they read, so that none reads an unclassified row. Once done, the
// lookup reads an empty partial index (changes_unclassified_idx): nothing to pay on each report.

import { changeEvidenceStrength } from "../attribution/strength.js";
import type { Store } from "../store/types.js";

/** Rows read and written at a time: a bounded transaction however old the ledger is. */
const BATCH = 500;

/** Classifies the installation's unclassified AI-assisted changes; returns how many. */
export async function classifyStoredEvidence(store: Store, installationId: number, batch = BATCH): Promise<number> {
  let classified = 0;
  for (;;) {
    const rows = await store.changes.listUnclassifiedChanges(installationId, batch);
    if (rows.length === 0) return classified;
    await store.changes.recordEvidenceStrengths(
      rows.map((row) => ({ id: row.id, aiEvidence: changeEvidenceStrength(true, row.evidence) ?? "circumstantial" })),
    );
    classified += rows.length;
    // A batch shorter than asked for was the last.
    if (rows.length < batch) return classified;
  }
}
