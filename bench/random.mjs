// The benchmarks' deterministic random source: the same seed gives the same repository or ledger.

/** mulberry32: a small, fast 32-bit PRNG; numbers in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded generator and the draws the benchmarks make from it. */
export function seeded(seed) {
  const random = mulberry32(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const between = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const hex = (n) => {
    let out = "";
    while (out.length < n) out += ((random() * 4294967296) >>> 0).toString(16).padStart(8, "0");
    return out.slice(0, n);
  };
  /** An index in [0, n) skewed towards the start (a few busy repositories, prolific engineers). */
  const skewed = (n) => Math.min(n - 1, Math.floor(n * random() ** 2));
  return { random, pick, between, hex, skewed };
}
