// Which webhooks are production deployments: real payloads (the trimmed fixture and
// @octokit/webhooks-examples), each case changing a few fields.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { type DeploymentsConfig, defaults, parseRepoConfig } from "../../src/config/repo-config.js";
import {
  isDeployableBranch,
  isProductionEnvironment,
  mayBeDeployment,
  productionDeploymentFrom,
  RELEASE_ENVIRONMENT,
  successTimeFromStatuses,
  withResolvedSha,
} from "../../src/deployments/sources.js";
import type { DeploymentVerdict, IgnoredReason, ProductionDeployment } from "../../src/deployments/types.js";
import { type Payload, webhookFixture } from "../helpers/fixtures.js";

interface ExampleGroup {
  name: string;
  examples: Payload[];
}
const examples: ExampleGroup[] = createRequire(import.meta.url)("@octokit/webhooks-examples");

/** A deep copy of the first example of `event` that `pick` accepts. */
function example(event: string, pick: (payload: Payload) => boolean): Payload {
  const found = examples.find((group) => group.name === event)?.examples.find(pick);
  if (found === undefined) throw new Error(`no ${event} example`);
  return structuredClone(found);
}

function config(deployments: Record<string, unknown> = {}): DeploymentsConfig {
  const { config: parsed, errors } = parseRepoConfig({ deployments });
  expect(errors).toEqual([]);
  return parsed.deployments;
}

const ms = (iso: string) => Date.parse(iso);

type Expected = { deployment: Partial<ProductionDeployment>; superseded?: boolean } | { ignored: IgnoredReason };

function expectVerdict(verdict: DeploymentVerdict, expected: Expected): void {
  if ("ignored" in expected) {
    expect(verdict).toMatchObject({ kind: "ignored", reason: expected.ignored });
    if (verdict.kind === "ignored") expect(verdict.detail).not.toBe("");
  } else {
    expect(verdict).toMatchObject({ kind: "production", superseded: expected.superseded ?? false });
    if (verdict.kind === "production") expect(verdict.deployment).toMatchObject(expected.deployment);
  }
}

// ---- deployment_status --------------------------------------------------------------------------

/** The trimmed real deployment_status: success, environment "production", no flags. */
const status = () => webhookFixture("deployment_status.created");
/** The real Actions-created status (github-pages, with flags false and a workflow_run). */
const actionsStatus = () => example("deployment_status", (p) => p.workflow_run !== undefined);

function withEnvironment(payload: Payload, environment: string): Payload {
  payload.deployment.environment = environment;
  payload.deployment.original_environment = environment;
  payload.deployment_status.environment = environment;
  return payload;
}

const SUCCESS_AT = ms("2019-05-15T15:20:55Z");
const CREATED_AT = ms("2019-05-15T15:20:53Z");

describe("deployment_status", () => {
  it.each<[string, () => Payload, Record<string, unknown>, Expected]>([
    [
      "success to production is a production deployment at the status's time",
      status,
      {},
      {
        deployment: {
          repositoryId: 186853002,
          repositoryFullName: "Codertocat/Hello-World",
          environment: "production",
          source: "deployment",
          sourceId: "145988746",
          sha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
          ref: "master",
          succeededAt: SUCCESS_AT,
          succeededAtPrecision: "exact",
        },
      },
    ],
    [
      "inactive (superseded later) is still that past success, with its creation time as a lower bound",
      () => {
        const p = status();
        p.deployment_status.state = "inactive";
        p.deployment_status.created_at = "2019-05-16T09:00:00Z";
        return p;
      },
      {},
      {
        superseded: true,
        deployment: { sourceId: "145988746", succeededAt: CREATED_AT, succeededAtPrecision: "estimate" },
      },
    ],
    ...(["pending", "queued", "in_progress", "failure", "error"].map((state) => [
      `state ${state} is not a success`,
      () => {
        const p = status();
        p.deployment_status.state = state;
        return p;
      },
      {},
      { ignored: "not_successful" },
    ]) as [string, () => Payload, Record<string, unknown>, Expected][]),
    ["staging is not production", () => withEnvironment(status(), "staging"), {}, { ignored: "not_production" }],
    ...(["Production", "PROD", "prod-eu", "eu-production", "k8s/prod"].map((environment) => [
      `"${environment}" contains "prod" (any case)`,
      () => withEnvironment(status(), environment),
      {},
      { deployment: { environment } },
    ]) as [string, () => Payload, Record<string, unknown>, Expected][]),
    ...(["preprod", "pre-production", "Non-Prod", "nonprod-eu", "pre_prod"].map((environment) => [
      `"${environment}" contains "prod" but is excluded by default`,
      () => withEnvironment(status(), environment),
      {},
      { ignored: "not_production" },
    ]) as [string, () => Payload, Record<string, unknown>, Expected][]),
    [
      "excludeEnvironments: [] makes a preprod name production again",
      () => withEnvironment(status(), "preprod"),
      { excludeEnvironments: [] },
      { deployment: { environment: "preprod" } },
    ],
    [
      "production_environment: true makes any name production by default (the creator said so)",
      () => {
        const p = withEnvironment(status(), "staging");
        p.deployment.production_environment = true;
        return p;
      },
      {},
      { deployment: { environment: "staging" } },
    ],
    [
      "productionEnvironmentFlag: false ignores the flag",
      () => {
        const p = withEnvironment(status(), "staging");
        p.deployment.production_environment = true;
        return p;
      },
      { productionEnvironmentFlag: false },
      { ignored: "not_production" },
    ],
    [
      "an excluded name stays excluded even with the flag",
      () => {
        const p = withEnvironment(status(), "preprod");
        p.deployment.production_environment = true;
        return p;
      },
      {},
      { ignored: "not_production" },
    ],
    [
      "production_environment: false (as Actions sends it) does not stop a production name",
      () => {
        const p = actionsStatus();
        withEnvironment(p, "production");
        p.deployment_status.state = "success";
        return p;
      },
      {},
      { deployment: { environment: "production", source: "deployment" } },
    ],
    [
      "an Actions test job's deployment to a non-production environment is ignored",
      () => {
        const p = withEnvironment(actionsStatus(), "ci-tests");
        p.deployment_status.state = "success";
        return p;
      },
      {},
      { ignored: "not_production" },
    ],
    [
      "the real GitHub Pages deployment (github-pages, in progress) is ignored",
      actionsStatus,
      {},
      { ignored: "not_production" },
    ],
    [
      "a transient environment is never production, even named production and flagged",
      () => {
        const p = status();
        p.deployment.transient_environment = true;
        p.deployment.production_environment = true;
        return p;
      },
      {},
      { ignored: "transient_environment" },
    ],
    [
      "configured environments replace the default pattern",
      () => withEnvironment(status(), "live"),
      { environments: ["live", "eu-*"] },
      { deployment: { environment: "live" } },
    ],
    [
      "with configured environments, a production name without the flag is not production",
      status,
      { environments: ["live"] },
      { ignored: "not_production" },
    ],
    [
      "the status's environment wins over the deployment's (a status can move it)",
      () => {
        const p = withEnvironment(status(), "staging");
        p.deployment_status.environment = "production";
        return p;
      },
      {},
      { deployment: { environment: "production" } },
    ],
    [
      "a pull request's merge ref is not a merged change",
      () => {
        const p = status();
        p.deployment.ref = "refs/pull/12/merge";
        return p;
      },
      {},
      { ignored: "pull_request_ref" },
    ],
    [
      "the sha is lower-cased and the log link kept",
      () => {
        const p = status();
        p.deployment.sha = p.deployment.sha.toUpperCase();
        p.deployment_status.log_url = "https://example.com/logs/1";
        return p;
      },
      {},
      { deployment: { sha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", url: "https://example.com/logs/1" } },
    ],
    [
      "a missing sha is a malformed payload",
      () => {
        const p = status();
        delete p.deployment.sha;
        return p;
      },
      {},
      { ignored: "malformed_payload" },
    ],
    [
      "a bad time is a malformed payload",
      () => {
        const p = status();
        p.deployment_status.created_at = "yesterday";
        return p;
      },
      {},
      { ignored: "malformed_payload" },
    ],
  ])("%s", (_name, payload, deployments, expected) => {
    expectVerdict(
      productionDeploymentFrom({ name: "deployment_status", payload: payload() }, config(deployments)),
      expected,
    );
  });

  it("names the failing field of a malformed payload", () => {
    const p = status();
    delete p.deployment.sha;
    const verdict = productionDeploymentFrom({ name: "deployment_status", payload: p }, defaults.deployments);
    expect(verdict).toMatchObject({ kind: "ignored", detail: expect.stringContaining("deployment.sha") });
  });

  it("never throws on payloads that are not objects", () => {
    for (const payload of [null, undefined, 42, "x", [], { deployment: null }]) {
      expect(productionDeploymentFrom({ name: "deployment_status", payload }, defaults.deployments)).toMatchObject({
        kind: "ignored",
        reason: "malformed_payload",
      });
    }
  });
});

// ---- one source per repository ------------------------------------------------------------------

describe("only the configured source counts", () => {
  const payloads: Record<string, () => Payload> = {
    deployment_status: status,
    release: () => example("release", (p) => p.action === "published"),
    workflow_run: () => example("workflow_run", (p) => p.workflow_run.conclusion === "success"),
    push: () => example("push", (p) => p.ref === "refs/heads/master"),
  };
  const sourceOf: Record<string, string> = {
    deployment_status: "deployment",
    release: "release",
    workflow_run: "workflow_run",
    push: "push",
  };

  it.each(["deployment", "release", "workflow_run", "push"])("source %s", (source) => {
    const cfg = config({ source, workflow: "test" });
    for (const [name, payload] of Object.entries(payloads)) {
      const verdict = productionDeploymentFrom({ name, payload: payload() }, cfg);
      if (sourceOf[name] === source) expect(verdict.kind, name).toBe("production");
      else expect(verdict, name).toMatchObject({ kind: "ignored", reason: "other_source" });
    }
  });

  it("ignores events no source reads", () => {
    const verdict = productionDeploymentFrom(
      { name: "pull_request", payload: webhookFixture("pull_request.closed") },
      defaults.deployments,
    );
    expect(verdict).toMatchObject({ kind: "ignored", reason: "unsupported_event" });
  });
});

// ---- release -------------------------------------------------------------------------------------

const published = () => example("release", (p) => p.action === "published");
const PUBLISHED_AT = ms("2019-05-15T15:20:53Z");

describe("release", () => {
  const cfg = () => config({ source: "release" });

  it.each<[string, () => Payload, Expected]>([
    [
      "a published release is a deployment of its tag; a branch target leaves the sha to resolve",
      published,
      {
        deployment: {
          environment: RELEASE_ENVIRONMENT,
          source: "release",
          sourceId: "17372790",
          sha: null,
          ref: "0.0.1",
          succeededAt: PUBLISHED_AT,
          succeededAtPrecision: "exact",
          url: "https://github.com/Codertocat/Hello-World/releases/tag/0.0.1",
        },
      },
    ],
    [
      "a sha as target_commitish is the tag's commit",
      () => {
        const p = published();
        p.release.target_commitish = "6113728F27AE82C7B1A177C8D03F9E96E0ADF246";
        return p;
      },
      { deployment: { sha: "6113728f27ae82c7b1a177c8d03f9e96e0adf246" } },
    ],
    [
      "`released` (also sent when a prerelease becomes a release) is the same deployment",
      () => example("release", (p) => p.action === "released"),
      { deployment: { sourceId: "17372790", ref: "0.0.1" } },
    ],
    [
      "`released` of a prerelease promoted later: at the promotion (its last update), not its publication",
      () => {
        const p = example("release", (x) => x.action === "released");
        p.release.updated_at = "2019-05-23T09:00:00Z";
        return p;
      },
      { deployment: { succeededAt: ms("2019-05-23T09:00:00Z"), succeededAtPrecision: "exact" } },
    ],
    [
      "`published` is at the publication, whatever was updated since",
      () => {
        const p = published();
        p.release.updated_at = "2019-05-23T09:00:00Z";
        return p;
      },
      { deployment: { succeededAt: PUBLISHED_AT } },
    ],
    [
      "a draft is not a deployment",
      () => {
        const p = published();
        p.release.draft = true;
        return p;
      },
      { ignored: "draft_release" },
    ],
    [
      "a published prerelease is not a production deployment",
      () => {
        const p = published();
        p.release.prerelease = true;
        return p;
      },
      { ignored: "prerelease" },
    ],
    [
      "the real `prereleased` event",
      () => example("release", (p) => p.action === "prereleased"),
      { ignored: "not_successful" },
    ],
    ...(["created", "edited", "deleted"].map((action) => [
      `the real \`${action}\` event`,
      () => example("release", (p) => p.action === action),
      { ignored: "not_successful" },
    ]) as [string, () => Payload, Expected][]),
    [
      "unpublished",
      () => {
        const p = published();
        p.action = "unpublished";
        return p;
      },
      { ignored: "not_successful" },
    ],
    [
      "no publication time",
      () => {
        const p = published();
        p.release.published_at = null;
        return p;
      },
      { ignored: "not_successful" },
    ],
    [
      "no tag",
      () => {
        const p = published();
        delete p.release.tag_name;
        return p;
      },
      { ignored: "malformed_payload" },
    ],
  ])("%s", (_name, payload, expected) => {
    expectVerdict(productionDeploymentFrom({ name: "release", payload: payload() }, cfg()), expected);
  });

  it("withResolvedSha fills in the tag's commit, and refuses what is not a sha", () => {
    const verdict = productionDeploymentFrom({ name: "release", payload: published() }, cfg());
    if (verdict.kind !== "production") throw new Error("expected a deployment");
    const resolved = withResolvedSha(verdict.deployment, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect(resolved).toEqual({ ...verdict.deployment, sha: "a".repeat(40) });
    expect(() => withResolvedSha(verdict.deployment, "master")).toThrow(/not a commit sha/);
  });
});

// ---- workflow_run --------------------------------------------------------------------------------

const successfulRun = () => example("workflow_run", (p) => p.workflow_run.conclusion === "success");

describe("workflow_run", () => {
  it.each<[string, () => Payload, Record<string, unknown>, Expected]>([
    [
      "a successful run of the configured workflow on the default branch",
      successfulRun,
      { workflow: "test" },
      {
        deployment: {
          repositoryId: 300029405,
          environment: "workflow:.github/workflows/test.yml",
          source: "workflow_run",
          sourceId: "289782451",
          sha: "3484a3fb816e0859fd6e1cea078d76385ff50625",
          ref: "master",
          succeededAt: ms("2020-10-05T16:33:49Z"),
          succeededAtPrecision: "exact",
        },
      },
    ],
    [
      "matched by path",
      successfulRun,
      { workflow: ".github/workflows/*.yml" },
      { deployment: { sourceId: "289782451" } },
    ],
    ["matched by file name", successfulRun, { workflow: "test.yml" }, { deployment: { sourceId: "289782451" } }],
    [
      "matched by name, case-insensitively",
      successfulRun,
      { workflow: "TEST" },
      { deployment: { sourceId: "289782451" } },
    ],
    ["another workflow", successfulRun, { workflow: "deploy*" }, { ignored: "other_workflow" }],
    ...(["failure", "cancelled", "skipped", "timed_out"].map((conclusion) => [
      `concluded ${conclusion}`,
      () => {
        const p = successfulRun();
        p.workflow_run.conclusion = conclusion;
        return p;
      },
      { workflow: "test" },
      { ignored: "not_successful" },
    ]) as [string, () => Payload, Record<string, unknown>, Expected][]),
    [
      "the real `requested` event",
      () => example("workflow_run", (p) => p.action === "requested"),
      { workflow: "test" },
      { ignored: "not_successful" },
    ],
    [
      "the real completed run without a conclusion",
      () => example("workflow_run", (p) => p.action === "completed" && p.workflow_run.conclusion === null),
      { workflow: "Manually triggered workflow" },
      { ignored: "not_successful" },
    ],
    [
      "another branch",
      () => {
        const p = successfulRun();
        p.workflow_run.head_branch = "feature";
        return p;
      },
      { workflow: "test" },
      { ignored: "other_branch" },
    ],
    [
      "the configured branch instead of the default",
      () => {
        const p = successfulRun();
        p.workflow_run.head_branch = "release";
        return p;
      },
      { workflow: "test", branch: "release" },
      { deployment: { ref: "release" } },
    ],
    [
      "the default branch is not the configured one",
      successfulRun,
      { workflow: "test", branch: "release" },
      { ignored: "other_branch" },
    ],
    [
      "a pull_request run on a branch named like the default",
      () => {
        const p = successfulRun();
        p.workflow_run.event = "pull_request";
        return p;
      },
      { workflow: "test" },
      { ignored: "pull_request_run" },
    ],
    [
      "a fork's branch named like the default",
      () => {
        const p = successfulRun();
        p.workflow_run.head_repository.id = 1;
        return p;
      },
      { workflow: "test" },
      { ignored: "pull_request_run" },
    ],
  ])("%s", (_name, payload, deployments, expected) => {
    const cfg = config({ source: "workflow_run", ...deployments });
    expectVerdict(productionDeploymentFrom({ name: "workflow_run", payload: payload() }, cfg), expected);
  });
});

// ---- push ----------------------------------------------------------------------------------------

const branchPush = () => example("push", (p) => p.ref === "refs/heads/master");
const AFTER = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

describe("push", () => {
  it.each<[string, () => Payload, Record<string, unknown>, Expected]>([
    [
      "a push to the default branch, at the push time",
      branchPush,
      {},
      {
        deployment: {
          environment: "push:master",
          source: "push",
          sourceId: `${"0".repeat(40)}..${AFTER}`,
          sha: AFTER,
          ref: "master",
          succeededAt: 1557933657_000,
          succeededAtPrecision: "exact",
        },
      },
    ],
    [
      "a force-push is a deployment too (it may be a rollback)",
      () => {
        const p = branchPush();
        p.forced = true;
        p.created = false;
        p.before = "a".repeat(40);
        return p;
      },
      {},
      { deployment: { sourceId: `${"a".repeat(40)}..${AFTER}` } },
    ],
    [
      "without pushed_at, the head commit's time is a lower bound",
      () => {
        const p = branchPush();
        delete p.repository.pushed_at;
        return p;
      },
      {},
      { deployment: { succeededAt: ms("2019-05-15T15:19:25Z"), succeededAtPrecision: "estimate" } },
    ],
    [
      "the real tag push",
      () => example("push", (p) => p.ref.startsWith("refs/tags/") && !p.deleted),
      {},
      { ignored: "tag_push" },
    ],
    [
      "the real tag deletion",
      () => example("push", (p) => p.ref.startsWith("refs/tags/") && p.deleted),
      {},
      { ignored: "tag_push" },
    ],
    [
      "a branch deletion",
      () => {
        const p = branchPush();
        p.deleted = true;
        p.before = p.after;
        p.after = "0".repeat(40);
        p.head_commit = null;
        return p;
      },
      {},
      { ignored: "deleted_branch" },
    ],
    [
      "another branch",
      () => {
        const p = branchPush();
        p.ref = "refs/heads/feature";
        return p;
      },
      {},
      { ignored: "other_branch" },
    ],
    [
      "the configured branch",
      () => {
        const p = branchPush();
        p.ref = "refs/heads/deploy/prod";
        return p;
      },
      { branch: "deploy/prod" },
      { deployment: { environment: "push:deploy/prod", ref: "deploy/prod" } },
    ],
    [
      "no time at all",
      () => {
        const p = branchPush();
        delete p.repository.pushed_at;
        p.head_commit = null;
        return p;
      },
      {},
      { ignored: "malformed_payload" },
    ],
  ])("%s", (_name, payload, deployments, expected) => {
    const cfg = config({ source: "push", ...deployments });
    expectVerdict(productionDeploymentFrom({ name: "push", payload: payload() }, cfg), expected);
  });
});

// ---- helpers for the lead -----------------------------------------------------------------------

describe("isProductionEnvironment", () => {
  it.each<[string, { productionEnvironment?: boolean; transientEnvironment?: boolean }, boolean]>([
    ["production", {}, true],
    ["staging", {}, false],
    ["staging", { productionEnvironment: true }, true],
    ["production", { transientEnvironment: true }, false],
    ["preprod", { productionEnvironment: true }, false],
    ["review-app-12", { productionEnvironment: true, transientEnvironment: true }, false],
  ])("%s %j → %s", (environment, flags, expected) => {
    expect(isProductionEnvironment(environment, flags, defaults.deployments)).toBe(expected);
  });
});

describe("isDeployableBranch", () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ["main", {}, true],
    ["develop", {}, false],
    ["Main", {}, false],
    ["release/1.x", { deployableBranches: ["main", "release/*"] }, true],
    ["main", { deployableBranches: ["release/*"] }, false],
  ])("%s with %j → %s", (branch, deployments, expected) => {
    expect(isDeployableBranch(branch, config(deployments), "main")).toBe(expected);
  });
});

describe("successTimeFromStatuses", () => {
  it.each<[string, { state: string; created_at: string }[], number | null]>([
    ["no statuses", [], null],
    ["never succeeded (an inactive set by hand)", [{ state: "inactive", created_at: "2024-01-02T00:00:00Z" }], null],
    [
      "the first success, whatever the list order",
      [
        { state: "inactive", created_at: "2024-01-05T00:00:00Z" },
        { state: "success", created_at: "2024-01-03T00:00:00Z" },
        { state: "success", created_at: "2024-01-02T00:00:00Z" },
        { state: "in_progress", created_at: "2024-01-01T00:00:00Z" },
      ],
      ms("2024-01-02T00:00:00Z"),
    ],
  ])("%s", (_name, statuses, expected) => {
    expect(successTimeFromStatuses(statuses)).toBe(expected);
  });
});

describe("mayBeDeployment: events no configuration makes a deployment", () => {
  it.each([
    ["deployment_status", { deployment_status: { state: "success" } }, true],
    ["deployment_status", { deployment_status: { state: "inactive" } }, true],
    ["deployment_status", { deployment_status: { state: "pending" } }, false],
    ["deployment_status", { deployment_status: { state: "failure" } }, false],
    ["release", { action: "published" }, true],
    ["release", { action: "created" }, false],
    ["workflow_run", { action: "completed", workflow_run: { conclusion: "success" } }, true],
    ["workflow_run", { action: "completed", workflow_run: { conclusion: "failure" } }, false],
    ["workflow_run", { action: "requested", workflow_run: { conclusion: null } }, false],
    ["push", { ref: "refs/heads/main", deleted: false }, true],
    ["push", { ref: "refs/tags/v1" }, false],
    ["push", { ref: "refs/heads/gone", deleted: true }, false],
    ["issues", { action: "opened" }, false],
  ])("%s %j → %s", (name, payload, expected) => {
    expect(mayBeDeployment({ name, payload })).toBe(expected);
  });
});
