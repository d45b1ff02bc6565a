// Bounds the expensive work callers can start at once (reports): for the whole process, and for
// one caller. Work beyond a bound is refused at once rather than queued, so that no queue grows.

export class GateFullError extends Error {
  override name = "GateFullError";
  /** Which bound was reached: the caller's own, or the process's. */
  constructor(readonly bound: "caller" | "process") {
    super(bound === "caller" ? "too much work in flight for this caller" : "too much work in flight");
  }
}

export class WorkGate<K> {
  readonly #perCaller = new Map<K, number>();
  #total = 0;

  constructor(
    readonly max: number,
    readonly maxPerCaller: number,
  ) {}

  /** Runs `work` in a slot of `caller`'s, or rejects with a GateFullError without running it. */
  async run<T>(caller: K, work: () => Promise<T>): Promise<T> {
    const own = this.#perCaller.get(caller) ?? 0;
    if (own >= this.maxPerCaller) throw new GateFullError("caller");
    if (this.#total >= this.max) throw new GateFullError("process");
    this.#total++;
    this.#perCaller.set(caller, own + 1);
    try {
      return await work();
    } finally {
      this.#total--;
      const left = (this.#perCaller.get(caller) ?? 1) - 1;
      if (left > 0) this.#perCaller.set(caller, left);
      else this.#perCaller.delete(caller);
    }
  }
}
