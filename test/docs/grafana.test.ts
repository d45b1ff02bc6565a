// grafana/shipledger.json is import-ready and reads only what the app exports: every metric a
// panel queries is one /metrics or /metrics/ops serves, with the labels the panels use; the
// datasource is an import input; panels fit Grafana's 24-column grid, with unique ids.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatPrometheus } from "../../src/metrics/format.js";
import { OpsMetrics } from "../../src/ops/metrics.js";
import { expected as report } from "../metrics/scenario.js";

interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; datasource: { uid: string } }>;
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(new URL("../../grafana/shipledger.json", import.meta.url), "utf8")) as {
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  uid: string;
  title: string;
  templating: { list: Array<{ name: string; query: unknown; definition?: string }> };
  panels: Panel[];
};
/** The datasource placeholder Grafana fills in on import (the literal text, not a template). */
const DS_UID = ["$", "{DS_PROMETHEUS}"].join("");
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const exprs = panels.flatMap((p) => p.targets?.map((t) => t.expr) ?? []);

async function exportedNames(): Promise<Map<string, Set<string>>> {
  const text = formatPrometheus([{ repository: "acme/shop", report }]);
  const ops = new OpsMetrics({
    store: { inboxDepth: async () => ({ pending: 1, processing: 0, failed: 0, oldestPendingAt: 0 }) } as never,
    now: () => 1,
    processMetrics: false,
  });
  const names = new Map<string, Set<string>>();
  for (const line of `${text}\n${await ops.registry.metrics()}`.split("\n")) {
    const m = /^# (?:HELP|TYPE) (shipledger_[a-z_]+)/.exec(line);
    if (m?.[1]) names.set(m[1], names.get(m[1]) ?? new Set());
    const sample = /^(shipledger_[a-z_]+)\{([^}]*)\}/.exec(line);
    if (sample?.[1] && sample[2]) {
      for (const label of sample[2].matchAll(/([a-z_]+)="/g)) names.get(sample[1])?.add(label[1] as string);
    }
  }
  return names;
}

describe("grafana/shipledger.json", () => {
  it("asks for the Prometheus datasource on import and uses it everywhere", () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" }),
    ]);
    for (const p of panels.filter((x) => x.type !== "row")) {
      expect(p.datasource?.uid, p.title).toBe(DS_UID);
      for (const t of p.targets ?? []) expect(t.datasource.uid).toBe(DS_UID);
      expect(p.description, `${p.title} says what it shows`).toBeTruthy();
    }
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
  });

  it("queries only metrics the app exports, with labels they carry", async () => {
    const names = await exportedNames();
    expect(exprs.length).toBeGreaterThan(8);
    for (const expr of exprs) {
      for (const [, name, labels] of expr.matchAll(/(shipledger_[a-z_]+)(?:\{([^}]*)\})?/g)) {
        const known = names.get(name as string);
        expect(known, `${name} in ${expr}`).toBeDefined();
        for (const [, label] of (labels ?? "").matchAll(/([a-z_]+)=~?"/g))
          expect(known?.has(label as string), `${name}{${label}}`).toBe(true);
      }
    }
    const repository = dashboard.templating.list.find((v) => v.name === "repository");
    expect(repository?.definition).toBe("label_values(shipledger_changes_shipped, repository)");
    expect(names.get("shipledger_changes_shipped")?.has("repository")).toBe(true);
  });

  it("lays its panels on the 24-column grid with unique ids", () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.w).toBeGreaterThan(0);
    }
  });

  it("ranks nobody: no panel is about a person", () => {
    for (const expr of exprs) expect(expr).not.toMatch(/engineer|author|login|user/);
  });
});
