import { Probot, ProbotOctokit } from "probot";
import { createShipledger, type ShipledgerDeps } from "../../src/app.js";

/**
 * A Probot with Shipledger loaded, as the DCO app's tests build theirs: token auth, and the
 * function form of ProbotOctokit.defaults so that retries and throttling are off.
 */
export async function loadApp(deps: ShipledgerDeps) {
  const probot = new Probot({
    githubToken: "test",
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  const routes: Array<
    Parameters<NonNullable<Parameters<ReturnType<typeof createShipledger>["appFn"]>[1]>["addHandler"]>[0]
  > = [];
  const shipledger = createShipledger(deps);
  await probot.load(shipledger.appFn, { cwd: process.cwd(), addHandler: (h) => routes.push(h) });
  return { probot, shipledger, worker: shipledger.worker, routes };
}

/** A clock the test moves by hand. */
export function manualClock(start: number) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
