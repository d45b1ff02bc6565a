import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Context, type Logger, type ProbotOctokit } from "probot";
import { ConfigReadCache } from "../github/config-cache.js";
import { type AppIdentity, type HandlerRegistry, handlersFor, PermanentDeliveryError } from "../handlers/types.js";
import { INSTANCE_METRIC_DEFAULTS } from "../metrics/report.js";
import type { Delivery, DeliverySummary, InstallationRecord, Store } from "../store/types.js";
import { describeGitHubError, formatGitHubFailure, redactSecrets } from "../util/github-errors.js";
import { type BackoffPolicy, nextAttemptAt } from "./backoff.js";
import { jsonDepth, MAX_PAYLOAD_DEPTH } from "./payload.js";

export interface WorkerOptions {
  store: Store;
  handlers: HandlerRegistry;
  /** An Octokit for an installation, or app-authenticated (JWT) when no installation id is given. */
  auth: (installationId?: number) => Promise<ProbotOctokit>;
  log: Logger;
  now?: () => number;
  random?: () => number;
  /** Deliveries run at once. */
  concurrency?: number;
  /** Of them, at most this many of one installation (default 2). */
  perInstallation?: number;
  /**
   * Deliveries claimed beyond those running, waiting for a turn (default 64): how far past one
   * installation's backlog the worker looks for the other installations' deliveries.
   */
  claimAhead?: number;
  leaseMs?: number;
  pollMs?: number;
  backoff?: Partial<BackoffPolicy>;
  /** Identity written on claims; defaults to host:pid:random. */
  id?: string;
  app?: AppIdentity;
  /** The configuration files read, shared by the deliveries this worker runs (default: a new cache). */
  configReads?: ConfigReadCache;
  /** Told how each attempt ended and how long it took (operational metrics, src/ops/metrics.ts). */
  observe?: (attempt: { event: string; outcome: "done" | "retry" | "failed"; durationMs: number }) => void;
}

/**
 * Takes deliveries from the inbox and runs their handlers: at least once, with retries and
 * exponential backoff, until done or failed for good. Everything it needs lives in the ledger,
 * so a restart (or another instance, on Postgres) carries on where it stopped.
 */
export class InboxWorker {
  readonly id: string;
  readonly #o: Required<Omit<WorkerOptions, "backoff" | "id">> & { backoff: BackoffPolicy };
  readonly #inFlight = new Set<Promise<void>>();
  /** Ids of the deliveries this worker holds, waiting for a turn or running. */
  readonly #active = new Set<string>();
  /** Of them, those whose attempt has been counted (startDelivery): cut short, they are uncounted. */
  readonly #started = new Set<string>();
  /** Claimed deliveries waiting for a turn to run, in the order claimed (#turn, #dispatch). */
  readonly #waiting: Array<{ id: string; installation: number | null; start: (run: boolean) => void }> = [];
  /** Deliveries running, by installation. */
  readonly #runningBy = new Map<number | null, number>();
  #runningCount = 0;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #pumping = false;
  /** The claim under way, if any (stop() waits for it). */
  #claiming: Promise<void> = Promise.resolve();
  #wanted = false;

  constructor(options: WorkerOptions) {
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.#o = {
      store: options.store,
      handlers: options.handlers,
      auth: options.auth,
      log: options.log,
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
      concurrency: options.concurrency ?? 4,
      perInstallation: options.perInstallation ?? 2,
      claimAhead: options.claimAhead ?? 64,
      leaseMs: options.leaseMs ?? 5 * 60_000,
      pollMs: options.pollMs ?? 1_000,
      backoff: { baseMs: 5_000, maxMs: 15 * 60_000, maxAttempts: 8, ...options.backoff },
      app: options.app ?? { id: undefined, webUrl: "https://github.com", metric: INSTANCE_METRIC_DEFAULTS },
      observe: options.observe ?? (() => {}),
      configReads: options.configReads ?? new ConfigReadCache({ now: options.now ?? Date.now }),
    };
  }

  /** Starts polling. `resumeInterrupted` returns this process's predecessors' claims to the queue. */
  async start({ resumeInterrupted }: { resumeInterrupted: boolean }): Promise<void> {
    if (resumeInterrupted) {
      const released = await this.#o.store.inbox.releaseClaims({ now: this.#o.now() });
      if (released > 0) this.#o.log.info({ released }, "inbox: resuming deliveries interrupted by a restart");
    }
    this.#running = true;
    this.notify();
  }

  /**
   * Stops taking new work and waits for the deliveries in hand, at most `graceMs` when given.
   * What is still running then is handed back (its claims released, the cut attempt not counted)
   * so that a restart or another instance takes it at once; its run here is abandoned and can
   * no longer settle it. Resolves with the ids handed back.
   */
  async stop({ graceMs }: { graceMs?: number } = {}): Promise<string[]> {
    this.#running = false;
    const begun = performance.now();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    // A claim under way hands back what it brings when it returns (#claimNow); it is waited for
    // within the grace period, so that the ledger is not closed under it.
    if (graceMs === undefined) await this.#claiming;
    else {
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([this.#claiming, new Promise<void>((resolve) => (wait = setTimeout(resolve, graceMs)))]);
      clearTimeout(wait);
    }
    const waiting = await this.#handBackWaiting();
    const settled = Promise.allSettled([...this.#inFlight]).then(() => true);
    if (graceMs === undefined) {
      await settled;
      return waiting;
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      // What is left of the grace period after the claim under way.
      timer = setTimeout(() => resolve(false), Math.max(0, graceMs - (performance.now() - begun)));
    });
    const done = await Promise.race([settled, expired]);
    clearTimeout(timer);
    if (done) return waiting;
    const unfinished = [...this.#active];
    const counted = unfinished.filter((id) => this.#started.has(id));
    const uncounted = unfinished.filter((id) => !this.#started.has(id));
    const handedBack = await Promise.all([
      this.#handBack(counted, "still running after the grace period", { uncount: true }),
      this.#handBack(uncounted, "not started yet after the grace period"),
    ]);
    if (handedBack.some(Boolean)) {
      this.#o.log.warn(
        { deliveries: unfinished.length },
        "inbox: stopping; deliveries still running after the grace period were handed back",
      );
    }
    return [...waiting, ...unfinished];
  }

  /** Deliveries claimed but not started go back to the inbox at once (no attempt was counted). */
  async #handBackWaiting(): Promise<string[]> {
    const waiting = this.#waiting.splice(0);
    for (const w of waiting) w.start(false);
    const ids = waiting.map((w) => w.id);
    await this.#handBack(ids, "not started");
    return ids;
  }

  /**
   * Releases this worker's claims on `ids` (`uncount`: their attempts started and were cut short);
   * false when there were none or the ledger refused.
   */
  async #handBack(ids: string[], what: string, { uncount = false } = {}): Promise<boolean> {
    if (ids.length === 0) return false;
    try {
      await this.#o.store.inbox.releaseClaims({ now: this.#o.now(), worker: this.id, ids, uncount });
      return true;
    } catch (error) {
      // Their leases will run out and another start takes them: nothing is lost, only later.
      this.#o.log.error({ err: error }, `inbox: stopping; cannot hand back the deliveries ${what}`);
      return false;
    }
  }

  /** Something was enqueued: look now rather than at the next poll. */
  notify(): void {
    if (!this.#running) return;
    this.#wanted = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#running && this.#wanted) {
        this.#wanted = false;
        const claimed = await this.#claim();
        if (claimed > 0) this.#wanted = true;
        if (this.#inFlight.size >= this.#o.concurrency + this.#o.claimAhead) await Promise.race(this.#inFlight);
      }
    } catch (error) {
      this.#o.log.error({ err: error }, "inbox: cannot read the inbox; will try again");
    } finally {
      this.#pumping = false;
      this.#schedule();
    }
  }

  #schedule(): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.notify();
    }, this.#o.pollMs);
    this.#timer.unref();
  }

  /**
   * Claims in the inbox's order (oldest first), up to `claimAhead` more than can run: a handler
   * waiting for its installation's pace (Probot's throttling: one write a second per installation)
   * holds its turn, so the other installations' deliveries, behind a busy installation's backlog,
   * must be in hand to be given the turns left.
   */
  #claim(): Promise<number> {
    const claim = this.#claimNow();
    // stop() waits for a claim under way: what it brings is handed back, never started.
    this.#claiming = claim.then(
      () => {},
      () => {},
    );
    return claim;
  }

  async #claimNow(): Promise<number> {
    const room = this.#o.concurrency + this.#o.claimAhead - this.#inFlight.size;
    if (room <= 0) return 0;
    const deliveries = await this.#o.store.inbox.claimDeliveries({
      worker: this.id,
      limit: room,
      now: this.#o.now(),
      leaseMs: this.#o.leaseMs,
    });
    if (!this.#running) {
      // Stopped while the claim was under way: the deliveries go back at once (none started).
      await this.#handBack(
        deliveries.map((d) => d.id),
        "claimed while stopping",
      );
      return 0;
    }
    for (const delivery of deliveries) {
      const task = this.#process(delivery, { queued: true }).finally(() => {
        this.#inFlight.delete(task);
        this.notify();
      });
      this.#inFlight.add(task);
    }
    return deliveries.length;
  }

  /** For tests and the CLI: processes every delivery that is due now; returns when none is left. */
  async drain(): Promise<void> {
    for (;;) {
      const deliveries = await this.#o.store.inbox.claimDeliveries({
        worker: this.id,
        limit: this.#o.concurrency,
        now: this.#o.now(),
        leaseMs: this.#o.leaseMs,
      });
      if (deliveries.length === 0 && this.#inFlight.size === 0) return;
      await Promise.all(deliveries.map((d) => this.#process(d)));
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  /**
   * Waits for a turn to run: at most `concurrency` at once, `perInstallation` of one installation.
   * False: the worker is stopping and the delivery was not started.
   */
  #turn(delivery: DeliverySummary): Promise<boolean> {
    return new Promise((start) => {
      this.#waiting.push({ id: delivery.id, installation: delivery.installationId, start });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#runningCount < this.#o.concurrency) {
      // The installation with the fewest running goes first, its oldest delivery first: one
      // installation's backlog, paced by GitHub, never holds the turns of the others.
      let next = -1;
      let fewest = this.#o.perInstallation;
      for (const [i, waiting] of this.#waiting.entries()) {
        const running = this.#runningBy.get(waiting.installation) ?? 0;
        if (running < fewest) {
          next = i;
          fewest = running;
          if (running === 0) break;
        }
      }
      if (next === -1) return;
      const [chosen] = this.#waiting.splice(next, 1);
      if (!chosen) return;
      this.#runningBy.set(chosen.installation, fewest + 1);
      this.#runningCount++;
      chosen.start(true);
    }
  }

  #finished(delivery: DeliverySummary): void {
    const running = (this.#runningBy.get(delivery.installationId) ?? 1) - 1;
    if (running > 0) this.#runningBy.set(delivery.installationId, running);
    else this.#runningBy.delete(delivery.installationId);
    this.#runningCount--;
    this.#dispatch();
  }

  async #process(delivery: DeliverySummary, { queued = false }: { queued?: boolean } = {}): Promise<void> {
    const { store, log: baseLog } = this.#o;
    const log = baseLog.child({ delivery: delivery.id, event: delivery.event, action: delivery.action });
    if (this.#active.has(delivery.id)) {
      // Its lease ran out while this worker still runs it (renewals failed): the run in hand settles it.
      log.warn("inbox: claimed again while still running here; left to the run in hand");
      return;
    }
    this.#active.add(delivery.id);
    // A handler may wait long (GitHub's rate limit, a slow range): the claim is renewed while it
    // runs, three times a lease, so that no other worker takes the delivery and runs it twice.
    const renewal = setInterval(
      () => {
        store.inbox.renewClaim(delivery.id, this.id, this.#o.now()).then(
          (held) => {
            if (!held) log.warn("inbox: the claim was lost to another worker while running");
          },
          (error) => log.warn({ err: error }, "inbox: cannot renew the claim; will try again"),
        );
      },
      Math.max(1, Math.floor(this.#o.leaseMs / 3)),
    );
    renewal.unref();
    let started = false;
    try {
      // False: the worker stopped before its turn, and handed it back (#handBackWaiting).
      if (queued && !(await this.#turn(delivery))) return;
      started = queued;
      await this.#attempt(delivery, log);
    } finally {
      clearInterval(renewal);
      this.#active.delete(delivery.id);
      this.#started.delete(delivery.id);
      if (started) this.#finished(delivery);
    }
  }

  async #attempt(claimed: DeliverySummary, log: Logger): Promise<void> {
    const { store } = this.#o;
    // The attempt is counted as it starts, not when it was claimed: a crash (kill -9, out of
    // memory) charges the deliveries that were running, not those waiting for a turn behind them.
    let started: { attempts: number; payload: string } | null;
    try {
      started = await store.inbox.startDelivery(claimed.id, this.id, this.#o.now());
    } catch (error) {
      // Not started, nothing counted: its lease runs out and it is taken again.
      log.error({ err: error }, "inbox: cannot start the delivery; it will be taken again when its lease ends");
      return;
    }
    if (started === null) {
      log.warn("inbox: the claim was lost to another worker before the delivery started");
      return;
    }
    this.#started.add(claimed.id);
    const delivery: Delivery = { ...claimed, ...started };
    const begun = performance.now();
    const observe = (outcome: "done" | "retry" | "failed") => {
      try {
        this.#o.observe({ event: delivery.event, outcome, durationMs: performance.now() - begun });
      } catch {
        // Metrics never decide a delivery's fate.
      }
    };
    try {
      if (delivery.attempts > this.#o.backoff.maxAttempts) {
        // Claimed again and again without ever settling: its handler kills the process.
        throw new PermanentDeliveryError(`abandoned after ${delivery.attempts - 1} interrupted attempts`);
      }
      await this.#run(delivery, log);
      await store.inbox.completeDelivery(delivery.id, this.id, this.#o.now());
      log.debug("inbox: delivery done");
      observe("done");
    } catch (error) {
      const message = describeFailure(error);
      const now = this.#o.now();
      const retryAt =
        error instanceof PermanentDeliveryError
          ? null
          : nextAttemptAt(delivery.attempts, now, this.#o.backoff, this.#o.random());
      if (retryAt === null)
        log.error({ attempts: delivery.attempts, error: message }, "inbox: delivery failed for good");
      else log.warn({ attempts: delivery.attempts, retryAt, error: message }, "inbox: delivery failed; will retry");
      observe(retryAt === null ? "failed" : "retry");
      try {
        await store.inbox.failDelivery(delivery.id, this.id, { error: message, now, retryAt });
      } catch (storeError) {
        // The claim's lease will expire and the delivery will be taken again: nothing is lost.
        log.error({ err: storeError }, "inbox: cannot record the failure");
      }
    }
  }

  async #run(delivery: Delivery, log: Logger): Promise<void> {
    let payload: unknown;
    // The intake refuses such bodies; a delivery stored otherwise (an older version, an embedder)
    // must not take a handler into unbounded recursion either.
    if (jsonDepth(delivery.payload) > MAX_PAYLOAD_DEPTH) {
      throw new PermanentDeliveryError(`payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`);
    }
    try {
      payload = JSON.parse(delivery.payload);
    } catch {
      throw new PermanentDeliveryError("payload is not valid JSON");
    }
    if (typeof payload !== "object" || payload === null) throw new PermanentDeliveryError("payload is not an object");
    const handlers = handlersFor(this.#o.handlers, delivery.event, delivery.action);
    await this.#recordSource(delivery, payload as SourcePayload);
    if (handlers.length === 0) return;
    const octokit = await this.#o.auth(delivery.installationId ?? undefined);
    const probot = new Context(
      { id: delivery.id, name: delivery.event, payload } as ConstructorParameters<typeof Context>[0],
      octokit,
      log,
    );
    for (const handler of handlers) {
      await handler({
        delivery: {
          id: delivery.id,
          event: delivery.event,
          action: delivery.action,
          receivedAt: delivery.receivedAt,
          attempt: delivery.attempts,
          finalAttempt: delivery.attempts >= this.#o.backoff.maxAttempts,
        },
        payload,
        octokit,
        probot,
        store: this.#o.store,
        log,
        now: this.#o.now,
        app: this.#o.app,
        configReads: this.#o.configReads,
      });
    }
  }

  /**
   * Keeps the installation and repository of every delivery known, whatever its event. A delivery
   * is signed, not proof: a repository is taken under the installation it names only when its
   * owner is that installation's account (by id), or when GitHub says so (the installation's
   * account not known yet, another owner, or a repository another installation has: a transfer or
   * a reinstall). Otherwise the delivery fails for good, and nothing is recorded.
   */
  async #recordSource(delivery: Delivery, payload: SourcePayload): Promise<void> {
    const installationId = delivery.installationId;
    const repository = payload.repository;
    if (installationId === null || !repository?.owner) return;
    const { store } = this.#o;
    const now = this.#o.now();
    const record = [
      {
        id: repository.id,
        fullName: repository.full_name,
        private: Boolean(repository.private),
        defaultBranch: repository.default_branch ?? null,
      },
    ];
    // A late delivery of an installation that no longer has the repository (a transfer, a
    // reinstall) was received before the event that moved it: it does not take it back.
    const receivedAt = delivery.receivedAt;
    const owner = repository.owner;
    let installation = await store.installations.getInstallation(installationId);
    let confirmed = false;
    let written = true;
    if (!(await this.#ownedByInstallation(installationId, installation, owner))) {
      const account = await this.#confirmInstallation(installationId, repository, false);
      confirmed = true;
      await store.installations.upsertInstallation({
        id: installationId,
        accountId: account.id,
        accountLogin: account.login,
        accountType: account.type ?? installation?.accountType ?? "unknown",
        now,
      });
    } else if (installation?.accountId == null) {
      await store.installations.upsertInstallation({
        id: installationId,
        accountId: owner.id,
        accountLogin: owner.login,
        accountType: owner.type ?? installation?.accountType ?? "unknown",
        now,
      });
    } else {
      written = false;
    }
    // Read again only when written (most deliveries write nothing here).
    if (written) installation = await store.installations.getInstallation(installationId);
    const { withheld } = await store.installations.upsertRepositories(installationId, record, now, {
      receivedAt,
      moves: false,
    });
    if (withheld.length > 0) {
      if (!confirmed) await this.#confirmInstallation(installationId, repository, true);
      await this.#confirmRepositoryId(installationId, repository);
      await store.installations.upsertRepositories(installationId, record, now, { receivedAt });
    }
    // The account renamed: every delivery of its repositories carries its login now.
    if (installation?.accountId === owner.id && owner.login && owner.login !== installation.accountLogin) {
      await store.installations.renameAccount(owner.id, owner.login, now);
    }
  }

  /**
   * Whether the repository's owner is, without asking GitHub, the installation's account: its
   * known account id; or, not known yet (an installation first seen through this delivery, or
   * recorded before account ids were kept, under the owner's login), an account no other
   * installation has. Anything else is asked.
   */
  async #ownedByInstallation(
    installationId: number,
    installation: InstallationRecord | null,
    owner: { id: number; login: string },
  ): Promise<boolean> {
    if (installation?.accountId != null) return installation.accountId === owner.id;
    if (installation && installation.accountLogin.toLowerCase() !== owner.login.toLowerCase()) return false;
    const others = await this.#o.store.installations.findInstallationsByAccountId(owner.id);
    return others.every((other) => other.id === installationId || other.deletedAt !== null);
  }

  /**
   * Asks GitHub (as the app) which installation has the repository the delivery names; anything
   * but the delivery's installation fails the delivery for good. Returns that installation's account.
   */
  async #confirmInstallation(
    installationId: number,
    repository: NonNullable<SourcePayload["repository"]>,
    moving: boolean,
  ): Promise<{ id: number; login: string; type?: string }> {
    const [owner = "", repo = ""] = repository.full_name.split("/");
    const app = await this.#o.auth();
    let found: { id: number; account?: { id: number; login: string; type?: string } | null };
    try {
      ({ data: found } = (await app.rest.apps.getRepoInstallation({ owner, repo })) as { data: typeof found });
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
      throw new PermanentDeliveryError(
        `repository ${repository.full_name} (id ${repository.id}): GitHub says the app is not installed on it, but the delivery names installation ${installationId}; nothing was recorded`,
      );
    }
    if (found.id !== installationId || !found.account) {
      throw new PermanentDeliveryError(
        `repository ${repository.full_name} (id ${repository.id}) belongs to installation ${found.id} on GitHub, but the delivery names installation ${installationId}; nothing was ${moving ? "moved" : "recorded"}`,
      );
    }
    return found.account;
  }

  /**
   * A repository moves only as itself: the id the delivery gives must be, on GitHub, the repository
   * of the name it gives (asked as the installation, which can read its own repositories).
   */
  async #confirmRepositoryId(
    installationId: number,
    repository: NonNullable<SourcePayload["repository"]>,
  ): Promise<void> {
    const octokit = await this.#o.auth(installationId);
    let actual: { id: number; full_name: string } | null = null;
    try {
      ({ data: actual } = (await octokit.request("GET /repositories/{repository_id}", {
        repository_id: repository.id,
      })) as { data: { id: number; full_name: string } });
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
    if (actual?.full_name.toLowerCase() !== repository.full_name.toLowerCase()) {
      throw new PermanentDeliveryError(
        `repository id ${repository.id} is ${actual ? actual.full_name : "not visible to the installation"} on GitHub, not ${repository.full_name} as the delivery of installation ${installationId} says; nothing was moved`,
      );
    }
  }
}

interface SourcePayload {
  repository?: {
    id: number;
    full_name: string;
    private?: boolean;
    default_branch?: string;
    owner?: { id: number; login: string; type?: string };
  };
}

function describeFailure(error: unknown): string {
  if (error instanceof PermanentDeliveryError) return error.message;
  const failure = describeGitHubError(error);
  if (failure.status !== null) return formatGitHubFailure(failure);
  const e = error as Error;
  return redactSecrets(`${e?.name ?? "Error"}: ${e?.message ?? String(error)}`).slice(0, 2000);
}
