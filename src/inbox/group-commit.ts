// Group commit for the webhook intake: the deliveries that arrive while the ledger is writing
// are stored together in the next statement, one commit for all of them. Each sender is still
// answered only after its own delivery is durable; under load, one commit (an fsync on Postgres)
// serves many deliveries instead of one.
import type { Enqueued, InboxQueries, NewDelivery } from "../store/types.js";

interface Waiting {
  delivery: NewDelivery;
  resolve(result: Enqueued): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Most deliveries in one statement (bounded by the drivers' parameter limits: 9 columns each). */
  maxBatch?: number;
  /** Statements in flight at once (Postgres pipelines them; SQLite runs them one after another). */
  maxInFlight?: number;
}

/** An enqueue function with the shape of Store.enqueueDelivery, batching behind the scenes. */
export function groupCommit(store: Pick<InboxQueries, "enqueueDeliveries">, options: GroupCommitOptions = {}) {
  const maxBatch = options.maxBatch ?? 200;
  const maxInFlight = options.maxInFlight ?? 2;
  const queue: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  const schedule = () => {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    // After the current I/O callbacks: the requests that completed together share a commit.
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  const settle = (batch: Waiting[], stored: { inserted: Set<string>; requeued: Set<string> }) => {
    const answered = new Set<string>();
    for (const w of batch) {
      // The same id twice in one batch: the first is the new (or requeued) one, the second a duplicate.
      const first = !answered.has(w.delivery.id);
      answered.add(w.delivery.id);
      w.resolve({
        inserted: first && stored.inserted.has(w.delivery.id),
        requeued: first && stored.requeued.has(w.delivery.id),
      });
    }
  };

  const flush = async () => {
    if (queue.length === 0 || inFlight >= maxInFlight) return;
    const batch = queue.splice(0, maxBatch);
    inFlight++;
    schedule();
    try {
      settle(batch, await store.enqueueDeliveries(batch.map((w) => w.delivery)));
    } catch (error) {
      if (batch.length === 1) batch[0]?.reject(error);
      else {
        // One delivery the ledger refuses must not fail the others: store them one by one.
        for (const w of batch) {
          try {
            settle([w], await store.enqueueDeliveries([w.delivery]));
          } catch (single) {
            w.reject(single);
          }
        }
      }
    } finally {
      inFlight--;
      schedule();
    }
  };

  return function enqueue(delivery: NewDelivery): Promise<Enqueued> {
    return new Promise((resolve, reject) => {
      queue.push({ delivery, resolve, reject });
      schedule();
    });
  };
}
