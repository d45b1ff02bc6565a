// Which failed webhook deliveries the sweep redelivers (src/ledger/core/redelivery.ts), case by case.
import { describe, expect, it } from "vitest";
import {
  decideRedeliveries,
  type HookDelivery,
  MAX_REDELIVERIES,
  withinWindow,
} from "../../src/ledger/core/redelivery.js";

const T0 = Date.parse("2026-12-01T10:00:00Z");

function attempt(id: number, guid: string, status: string, extra: Partial<HookDelivery> = {}): HookDelivery {
  return {
    id,
    guid,
    deliveredAt: T0 + id * 1000,
    redelivery: false,
    status,
    statusCode: status === "OK" ? 200 : 503,
    event: "pull_request",
    action: "opened",
    installationId: 1,
    repositoryId: 2,
    ...extra,
  };
}

const FAILED = "Invalid HTTP Response: 503";

describe("decideRedeliveries", () => {
  const cases: Array<{
    name: string;
    deliveries: HookDelivery[];
    received?: string[];
    /** Events whose redelivery was asked: through which attempt last, and how many times. */
    redelivered?: Array<[guid: string, deliveryId: number, asks: number]>;
    succeededGuids?: string[];
    expected: Array<[guid: string, verdict: string, deliveryId: number]>;
  }> = [
    { name: "nothing listed", deliveries: [], expected: [] },
    { name: "a successful delivery", deliveries: [attempt(1, "a", "OK")], expected: [] },
    { name: "a failed delivery", deliveries: [attempt(1, "a", FAILED)], expected: [["a", "redeliver", 1]] },
    {
      name: "a timed-out one (status_code 0)",
      deliveries: [attempt(1, "a", "timed out", { statusCode: 0 })],
      expected: [["a", "redeliver", 1]],
    },
    {
      name: "a failed delivery the inbox already has (it timed out after being stored)",
      deliveries: [attempt(1, "a", "timed out")],
      received: ["a"],
      expected: [["a", "received", 1]],
    },
    {
      name: "a failed delivery with a later successful attempt",
      deliveries: [attempt(2, "a", "OK", { redelivery: true }), attempt(1, "a", FAILED)],
      expected: [["a", "succeeded", 1]],
    },
    {
      name: "a failed delivery whose success was on an earlier page",
      deliveries: [attempt(1, "a", FAILED)],
      succeededGuids: ["a"],
      expected: [["a", "succeeded", 1]],
    },
    {
      name: "a failed delivery already redelivered, its redelivery not listed yet (GitHub queued it)",
      deliveries: [attempt(1, "a", FAILED)],
      redelivered: [["a", 1, 1]],
      expected: [["a", "already redelivered", 1]],
    },
    {
      name: "an event whose redelivery failed too (a stopping instance answered 503): again, through the newest",
      deliveries: [attempt(3, "a", FAILED, { redelivery: true }), attempt(1, "a", FAILED)],
      redelivered: [["a", 1, 1]],
      expected: [["a", "redeliver", 3]],
    },
    {
      name: "an event whose last redelivery failed too, asked MAX_REDELIVERIES times: not again",
      deliveries: [attempt(9, "a", FAILED, { redelivery: true })],
      redelivered: [["a", 7, MAX_REDELIVERIES]],
      expected: [["a", "already redelivered", 9]],
    },
    {
      name: "an event redelivered, then asked again: its newest failed attempt is the one asked",
      deliveries: [attempt(5, "a", FAILED, { redelivery: true }), attempt(3, "a", FAILED, { redelivery: true })],
      redelivered: [["a", 5, 2]],
      expected: [["a", "already redelivered", 5]],
    },
    {
      name: "two failed attempts of one event: one decision, through the newest",
      deliveries: [attempt(1, "a", FAILED), attempt(4, "a", FAILED, { redelivery: true })],
      expected: [["a", "redeliver", 4]],
    },
    {
      name: "the inbox wins over everything",
      deliveries: [attempt(1, "a", FAILED)],
      received: ["a"],
      redelivered: [["a", 1, 1]],
      expected: [["a", "received", 1]],
    },
    {
      name: "several events, newest first",
      deliveries: [
        attempt(5, "e", "OK"),
        attempt(4, "d", FAILED),
        attempt(3, "c", FAILED),
        attempt(2, "b", FAILED),
        attempt(1, "a", FAILED),
      ],
      received: ["c"],
      redelivered: [["b", 2, 1]],
      expected: [
        ["d", "redeliver", 4],
        ["c", "received", 3],
        ["b", "already redelivered", 2],
        ["a", "redeliver", 1],
      ],
    },
  ];

  it.each(cases)("$name", ({ deliveries, received = [], redelivered = [], succeededGuids = [], expected }) => {
    const decisions = decideRedeliveries({
      deliveries,
      received: new Set(received),
      redelivered: new Map(redelivered.map(([guid, deliveryId, asks]) => [guid, { deliveryId, asks }])),
      succeededGuids: new Set(succeededGuids),
    });
    expect(decisions.map((d) => [d.guid, d.verdict, d.delivery.id])).toEqual(expected);
  });
});

describe("withinWindow", () => {
  const page = [attempt(30, "c", "OK"), attempt(20, "b", FAILED), attempt(10, "a", FAILED)];
  const cases: Array<{
    name: string;
    watermarkId: number | null;
    oldestAt: number;
    lastPage: boolean;
    fresh: number[];
    through: boolean;
  }> = [
    {
      name: "never swept, more pages",
      watermarkId: null,
      oldestAt: 0,
      lastPage: false,
      fresh: [30, 20, 10],
      through: false,
    },
    {
      name: "never swept, the last page",
      watermarkId: null,
      oldestAt: 0,
      lastPage: true,
      fresh: [30, 20, 10],
      through: true,
    },
    {
      name: "the watermark below the page",
      watermarkId: 5,
      oldestAt: 0,
      lastPage: false,
      fresh: [30, 20, 10],
      through: false,
    },
    {
      name: "the watermark inside the page",
      watermarkId: 20,
      oldestAt: 0,
      lastPage: false,
      fresh: [30],
      through: true,
    },
    { name: "the watermark above the page", watermarkId: 30, oldestAt: 0, lastPage: false, fresh: [], through: true },
    {
      name: "older than GitHub keeps",
      watermarkId: null,
      oldestAt: T0 + 15_000,
      lastPage: false,
      fresh: [30, 20],
      through: true,
    },
  ];
  it.each(cases)("$name", ({ watermarkId, oldestAt, lastPage, fresh, through }) => {
    const out = withinWindow(page, { watermarkId, oldestAt, lastPage });
    expect({ fresh: out.fresh.map((d) => d.id), through: out.through }).toEqual({ fresh, through });
  });
});
