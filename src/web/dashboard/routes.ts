// The leads' dashboard (issue #16): server-rendered pages under /dashboard, from the same report
// code as the CLI and /api/v1/report. Sign-in (/dashboard/login*, /dashboard/logout) is the
// DashboardAuth's; everything else under /dashboard is here:
//   GET  /dashboard                         the signed-in user's organisations
//   GET  /dashboard/o/:owner                an organisation's figures, weeks, agents, repositories
//   GET  /dashboard/o/:owner/r/:repo        a repository's, with its production deployments
//   GET  /dashboard/o/:owner/audit[?repo=]  a reproducible sample of shipped AI-assisted changes
//   POST /dashboard/o/:owner/audit/mark     mark (or unmark) a sampled change's attribution wrong
//   GET  /dashboard/o/:owner/status         backfills and webhook deliveries: why figures may lag
//   GET  /dashboard/assets/:name            uPlot and the dashboard's own script and stylesheet
// Period parameters: weeks=4|12|26 (ending with today, UTC), or since=YYYY-MM-DD&until=YYYY-MM-DD
// (both days included). An owner the user's installations do not include answers exactly as one
// that does not exist; so does a repository GitHub does not list to the user. The organisation-wide
// pages (figures, audit sample, status) cover every repository of the installation: a user who
// cannot see them all on GitHub is shown the repositories they can open instead (403).

import type { IncomingMessage, ServerResponse } from "node:http";
import { estimateBackfill } from "../../ledger/core/backfill-progress.js";
import { auditCandidates, auditPrecision, auditSample, auditSeed } from "../../metrics/audit-sample.js";
import { historyNote } from "../../metrics/compute.js";
import {
  AmbiguousOwnerError,
  historyStart,
  type MetricDefaults,
  type Period,
  type ResolvedScope,
  resolveOwner,
  ScopeNotFoundError,
  scopeOf,
} from "../../metrics/report.js";
import type { InstallationRecord, RepositoryRecord, Store } from "../../store/types.js";
import { isCalendarDay } from "../../util/date-param.js";
import { type Assets, loadAssets, sendAsset } from "./assets.js";
import { FiguresCache, loadFigures } from "./figures.js";
import { FormError, readForm } from "./form.js";
import { securityHeaders, sendHtml } from "./headers.js";
import {
  auditPage,
  type Frame,
  messagePage,
  notFoundPage,
  organisationsPage,
  type PeriodView,
  partialAccessPage,
  signInPage,
  statusPage,
} from "./pages.js";
import { scopeViewHtml } from "./scope-view.js";
import type { DashboardAuth, DashboardUser, RouteHandler } from "./types.js";

export interface DashboardRoutesOptions {
  store: Store;
  auth: DashboardAuth;
  /** The instance's metric settings (as for the API): the ledger's per-scope settings refine them. */
  metric: MetricDefaults;
  now: () => number;
  /** GitHub's web address, for links to pull requests and checks (https://github.com, or GHES's). */
  webUrl: string;
  /** Served over HTTPS: adds Strict-Transport-Security. */
  secure: boolean;
  /** The static files (tests may pass their own). */
  assets?: Assets;
  /** Past periods' reports (tests pass theirs, to wait for the ones being worked out). */
  cache?: FiguresCache;
}

const DAY_MS = 86_400_000;
const WEEK_CHOICES = [4, 12, 26] as const;
const MAX_PERIOD_MS = 5 * 366 * DAY_MS;
const MAX_REASON = 500;
const OWNER = /^[A-Za-z0-9-]{1,39}$/;
const REPO = /^[A-Za-z0-9_.-]{1,100}$/;

class BadRequest extends Error {}

/** The period a request names: a preset of whole days ending with today (UTC), or given days. */
export function readPeriod(query: URLSearchParams, now: number): PeriodView {
  const endOfToday = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const day = (name: string) => {
    const value = query.get(name) ?? "";
    if (!isCalendarDay(value)) {
      throw new BadRequest(`${name}: expected a date such as 2026-11-01`);
    }
    return Date.parse(`${value}T00:00:00Z`);
  };
  if ((query.get("since") ?? "") !== "" || (query.get("until") ?? "") !== "") {
    const since = day("since");
    const until = day("until") + DAY_MS;
    if (since >= until) throw new BadRequest("the period must end after it starts");
    if (until - since > MAX_PERIOD_MS) throw new BadRequest("the period may not exceed five years");
    const q = new URLSearchParams({ since: query.get("since") ?? "", until: query.get("until") ?? "" });
    return { since, until, weeks: null, query: q.toString() };
  }
  const weeks = query.has("weeks") ? Number(query.get("weeks")) : 4;
  if (!(WEEK_CHOICES as readonly number[]).includes(weeks)) throw new BadRequest("weeks: 4, 12 or 26");
  return { since: endOfToday - weeks * 7 * DAY_MS, until: endOfToday, weeks, query: `weeks=${weeks}` };
}

export function createDashboardRoutes(options: DashboardRoutesOptions): RouteHandler {
  const { store, auth, metric, webUrl, secure } = options;
  const assets = options.assets ?? loadAssets();
  const cache = options.cache ?? new FiguresCache();
  const web = webUrl.replace(/\/+$/, "");
  const send = (res: ServerResponse, status: number, body: string) => sendHtml(res, status, body, secure);
  const notFound = (res: ServerResponse) => send(res, 404, notFoundPage());

  /** The installation of `owner` if this user may see it; null (answered as absent) otherwise. */
  async function installationFor(user: DashboardUser, owner: string): Promise<InstallationRecord | null> {
    if (!OWNER.test(owner)) return null;
    let installation: InstallationRecord | null;
    try {
      installation = await resolveOwner(store, { login: owner });
    } catch (error) {
      if (!(error instanceof AmbiguousOwnerError)) throw error;
      // The user's own installations tell which account they mean.
      const mine = error.installations.filter((i) => user.installationIds.includes(i.id));
      installation = mine.length === 1 ? (mine[0] ?? null) : null;
    }
    // An installation the app was removed from is gone for the dashboard too, even for a session
    // that listed it at sign-in (the list page leaves it out; so does every page of it).
    if (!installation || installation.deletedAt !== null || !user.installationIds.includes(installation.id))
      return null;
    return installation;
  }

  /**
   * What `user` may see of `installation`: the repositories GitHub listed for them at sign-in, and
   * whether those are all the repositories the ledger holds of it. A repository removed from the
   * installation is no longer listed by GitHub: it is seen by those who see every repository (its
   * history is in the organisation's figures), by no one else.
   */
  async function accessOf(user: DashboardUser, installation: InstallationRecord): Promise<Access> {
    const listed = new Set(user.repositoryIds[installation.id] ?? []);
    const held = await store.installations.listRepositories(installation.id);
    const visible = held.filter((r) => listed.has(r.id));
    const whole = visible.length === held.length;
    return { whole, visible, may: (repositoryId) => whole || listed.has(repositoryId) };
  }

  /** An organisation-wide page asked by a user who does not see every repository of it: theirs instead. */
  async function partialAccess(
    req: IncomingMessage,
    res: ServerResponse,
    user: DashboardUser,
    installation: InstallationRecord,
    access: Access,
  ) {
    const owner = installation.accountLogin;
    const repositories = access.visible.map((r) => r.fullName).sort((a, b) => a.localeCompare(b));
    send(res, 403, partialAccessPage(await frameFor(req, user, owner, [{ label: owner }]), owner, repositories));
  }

  /**
   * The scope of a page (`repo`'s, or the organisation's) if this user may see it. A repository they
   * may not open is absent (ScopeNotFoundError); the organisation's pages without access to every
   * repository are answered with theirs instead (partialAccess), and null is returned.
   */
  async function scopeFor(
    req: IncomingMessage,
    res: ServerResponse,
    user: DashboardUser,
    installation: InstallationRecord,
    repo: string | null,
  ): Promise<ResolvedScope | null> {
    const access = await accessOf(user, installation);
    if (repo === null) {
      if (access.whole) return orgScope(installation);
      await partialAccess(req, res, user, installation, access);
      return null;
    }
    const scope = await scopeOf(store, { repo: `${installation.accountLogin}/${repo}` }, installation);
    if (!(scope.repositoryIds ?? []).every((id) => access.may(id))) {
      throw new ScopeNotFoundError(`no repository ${repo} for this user`);
    }
    return scope;
  }

  /** The frame's parts that come from the session: who is signed in, the CSRF token, the assets. */
  async function sessionFrame(req: IncomingMessage, user: DashboardUser) {
    return { login: user.login, csrf: await auth.csrfToken(req), assetVersion: assets.version };
  }

  async function frameFor(req: IncomingMessage, user: DashboardUser, title: string, crumbs: Frame["crumbs"]) {
    return { title, crumbs, ...(await sessionFrame(req, user)) };
  }

  const orgScope = (installation: InstallationRecord): ResolvedScope => ({
    label: `${installation.accountLogin} (organisation)`,
    installationId: installation.id,
    owner: installation.accountLogin,
  });

  async function organisations(req: IncomingMessage, res: ServerResponse, user: DashboardUser) {
    const owners: string[] = [];
    for (const id of user.installationIds) {
      const installation = await store.installations.getInstallation(id);
      if (installation && installation.deletedAt === null && installation.accountLogin !== "unknown") {
        owners.push(installation.accountLogin);
      }
    }
    owners.sort((a, b) => a.localeCompare(b));
    send(res, 200, organisationsPage(await frameFor(req, user, "Your organisations", []), [...new Set(owners)]));
  }

  async function scopeView(
    req: IncomingMessage,
    res: ServerResponse,
    user: DashboardUser,
    installation: InstallationRecord,
    query: URLSearchParams,
    repo: string | null,
  ) {
    const now = options.now();
    const period = readPeriod(query, now);
    const scope = await scopeFor(req, res, user, installation, repo);
    if (!scope) return;
    const frame = await sessionFrame(req, user);
    send(res, 200, await scopeViewHtml({ store, metric, webUrl, cache }, installation, scope, period, now, frame));
  }

  async function audit(
    req: IncomingMessage,
    res: ServerResponse,
    user: DashboardUser,
    installation: InstallationRecord,
    query: URLSearchParams,
  ) {
    const owner = installation.accountLogin;
    const now = options.now();
    const period = readPeriod(query, now);
    const repo = query.get("repo") || null;
    if (repo !== null && !REPO.test(repo)) throw new ScopeNotFoundError("bad repository name");
    const scope = await scopeFor(req, res, user, installation, repo);
    if (!scope) return;
    const figures = await loadFigures(store, scope, period, metric, now, { cache });
    const candidates = auditCandidates(figures.rows, period, figures.options);
    const seed = auditSeed(
      { installationId: installation.id, ...(scope.repositoryIds ? { repositoryId: scope.repositoryIds[0] } : {}) },
      period,
    );
    const sample = auditSample(candidates, seed);
    const ids = sample.map((c) => c.id);
    const changes = new Map((await store.changes.getChanges(installation.id, ids)).map((c) => [c.id, c]));
    const marks = new Map((await store.dashboard.listMarks(installation.id, ids)).map((m) => [m.changeId, m]));
    const entries = sample.flatMap((row) => {
      const change = changes.get(row.id);
      if (!change) return [];
      const mark = marks.get(row.id);
      return [
        {
          change,
          repository: row.repository,
          pullUrl: change.number !== null ? `${web}/${row.repository}/pull/${change.number}` : null,
          mark: mark ? { reason: mark.reason, markedAt: mark.markedAt } : null,
        },
      ];
    });
    const back: Record<string, string> = Object.fromEntries(new URLSearchParams(period.query));
    if (repo) back.repo = repo;
    const base = `/dashboard/o/${encodeURIComponent(owner)}`;
    send(
      res,
      200,
      auditPage({
        frame: await frameFor(req, user, `Audit sample: ${repo ? scope.label : owner}`, [
          { label: owner, href: `${base}?${period.query}` },
          { label: "Audit sample" },
        ]),
        owner,
        period,
        repository: repo ? scope.label : null,
        candidates: candidates.length,
        entries,
        precision: auditPrecision(ids, marks.keys()),
        report: figures.report,
        back,
      }),
    );
  }

  async function mark(
    req: IncomingMessage,
    res: ServerResponse,
    user: DashboardUser,
    installation: InstallationRecord,
  ) {
    const form = await readForm(req);
    // The token first: a forged form changes nothing, whatever else it says.
    if (!(await auth.checkCsrf(req, form.get("csrf") ?? undefined))) {
      send(
        res,
        403,
        messagePage(
          { title: "Refused" },
          "Refused",
          "This form has expired or did not come from this dashboard: reload the page and try again.",
        ),
      );
      return;
    }
    const changeId = Number(form.get("change"));
    const verdict = form.get("verdict");
    const reason = (form.get("reason") ?? "").trim();
    if (!Number.isSafeInteger(changeId) || changeId <= 0) throw new BadRequest("change: expected a change id");
    if (verdict !== "wrong" && verdict !== "unmark") throw new BadRequest("verdict: wrong or unmark");
    if (verdict === "wrong" && (reason === "" || reason.length > MAX_REASON)) {
      throw new BadRequest(`reason: say why, in at most ${MAX_REASON} characters`);
    }
    // Where to go back to: the sample the form was on, from parameters read as a period and a name.
    const back = new URLSearchParams();
    const period = readPeriod(form, options.now());
    for (const [k, v] of new URLSearchParams(period.query)) back.set(k, v);
    const repo = form.get("repo");
    if (repo) {
      if (!REPO.test(repo)) throw new BadRequest("repo: expected a repository name");
      back.set("repo", repo);
    }
    const [change] = await store.changes.getChanges(installation.id, [changeId]);
    // A change of a repository the user cannot see is answered as one that does not exist.
    if (!change || !(await accessOf(user, installation)).may(change.repositoryId)) {
      notFound(res);
      return;
    }
    if (verdict === "wrong") {
      await store.dashboard.markAttribution({
        installationId: installation.id,
        changeId,
        verdict: "wrong",
        reason,
        markedBy: user.userId,
        markedAt: options.now(),
      });
    } else {
      await store.dashboard.unmarkAttribution(installation.id, changeId);
    }
    const location = `/dashboard/o/${encodeURIComponent(installation.accountLogin)}/audit?${back}#change-${changeId}`;
    res.writeHead(303, { ...securityHeaders(secure), location, "content-type": "text/html; charset=utf-8" }).end();
  }

  async function status(
    req: IncomingMessage,
    res: ServerResponse,
    user: DashboardUser,
    installation: InstallationRecord,
  ) {
    const now = options.now();
    const scope = await scopeFor(req, res, user, installation, null);
    if (!scope) return;
    const repositories = await store.installations.listRepositories(installation.id, { includeRemoved: true });
    const names = new Map(repositories.map((r) => [r.id, r.fullName]));
    const runs = (await store.backfills.listBackfillRuns(installation.id)).map((run) => ({
      run,
      repository: names.get(run.repositoryId) ?? `repository ${run.repositoryId}`,
      ...estimateBackfill(run, now),
    }));
    const waiting = await store.inbox.listDeliveries({
      statuses: ["pending", "processing"],
      installationId: installation.id,
      limit: 1000,
    });
    const failed = await store.inbox.listDeliveries({
      statuses: ["failed"],
      installationId: installation.id,
      limit: 1000,
    });
    const recent = [...waiting, ...failed].sort((a, b) => b.receivedAt - a.receivedAt).slice(0, 50);
    const period: Period = readPeriod(new URLSearchParams(), now);
    send(
      res,
      200,
      statusPage({
        frame: await frameFor(req, user, `Status: ${installation.accountLogin}`, [
          { label: installation.accountLogin, href: `/dashboard/o/${encodeURIComponent(installation.accountLogin)}` },
          { label: "Status" },
        ]),
        owner: installation.accountLogin,
        runs,
        inbox: { pending: waiting.length, failed: failed.length, recent },
        historyNote: historyNote(period.since, await historyStart(store, scope)),
        repositories: repositories.sort((a, b) => a.fullName.localeCompare(b.fullName)),
      }),
    );
  }

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path !== "/dashboard" && !path.startsWith("/dashboard/")) return false;
    if (path === "/dashboard/logout" || path === "/dashboard/login" || path.startsWith("/dashboard/login/"))
      return false;
    const method = req.method ?? "GET";
    const head = method === "HEAD";

    if (path.startsWith("/dashboard/assets/")) {
      const asset = method === "GET" || head ? assets.get(path.slice("/dashboard/assets/".length)) : undefined;
      if (asset) sendAsset(res, asset, secure, head);
      else notFound(res);
      return true;
    }

    const parts = path
      .split("/")
      .slice(2)
      .filter((p, i, all) => p !== "" || i < all.length - 1);
    const isMark = parts.length === 4 && parts[0] === "o" && parts[2] === "audit" && parts[3] === "mark";
    if (isMark ? method !== "POST" : method !== "GET" && !head) {
      res.setHeader("allow", isMark ? "POST" : "GET, HEAD");
      send(
        res,
        405,
        messagePage({ title: "Method not allowed" }, "Method not allowed", "This address does not take that method."),
      );
      return true;
    }

    const user = await auth.user(req);
    if (!user) {
      send(res, 401, signInPage(`${path}${url.search}`));
      return true;
    }
    try {
      if (parts.length === 0 || (parts.length === 1 && parts[0] === "")) {
        await organisations(req, res, user);
        return true;
      }
      if (parts[0] !== "o" || parts.length < 2) {
        notFound(res);
        return true;
      }
      // A malformed escape (`%E0`) names no owner or repository: answered as absent.
      const owner = decoded(parts[1] ?? "");
      const installation = owner === null ? null : await installationFor(user, owner);
      if (!installation) {
        notFound(res);
        return true;
      }
      const rest = parts.slice(2);
      const repo = rest.length === 2 && rest[0] === "r" ? decoded(rest[1] ?? "") : null;
      if (rest.length === 0) await scopeView(req, res, user, installation, url.searchParams, null);
      else if (repo !== null && REPO.test(repo)) await scopeView(req, res, user, installation, url.searchParams, repo);
      else if (rest.length === 1 && rest[0] === "audit") await audit(req, res, user, installation, url.searchParams);
      else if (isMark) await mark(req, res, user, installation);
      else if (rest.length === 1 && rest[0] === "status") await status(req, res, user, installation);
      else notFound(res);
    } catch (error) {
      if (error instanceof ScopeNotFoundError) notFound(res);
      else if (error instanceof BadRequest)
        send(res, 400, messagePage({ title: "Bad request" }, "Bad request", error.message));
      else if (error instanceof FormError)
        send(res, error.status, messagePage({ title: "Bad request" }, "Bad request", error.message));
      else {
        // Ours (the ledger, a bug): the page says so with the dashboard's security headers; the
        // server's handler logs it (it has been answered).
        if (!res.headersSent) {
          send(
            res,
            500,
            messagePage({ title: "Error" }, "Something went wrong", "The page could not be built; try again."),
          );
        }
        throw error;
      }
    }
    return true;
  };
}

/** What a signed-in user may see of an installation (accessOf). */
interface Access {
  /** Whether they see every repository the ledger holds of it: the organisation-wide pages. */
  whole: boolean;
  /** Its repositories (not removed) GitHub listed to them. */
  visible: RepositoryRecord[];
  /** Whether they may open this repository's pages and its changes. */
  may(repositoryId: number): boolean;
}

/** A path segment decoded, or null when its escapes are malformed. */
function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
