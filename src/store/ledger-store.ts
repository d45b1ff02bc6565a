// The ledger on one database: its facts per aggregate, each a module of its own (installations,
// changes, deployments, fates, reports, inbox, redeliveries, backfills, dashboard, spend) on the same connection.

import { BackfillStore } from "./backfills.js";
import { ChangeStore } from "./changes.js";
import { DashboardStore } from "./dashboard.js";
import { DeploymentStore } from "./deployments.js";
import type { DialectDriver, LedgerDb, LedgerSchema } from "./dialect.js";
import { FateQueries } from "./fate-queries.js";
import { InboxStore } from "./inbox.js";
import { InstallationStore } from "./installations.js";
import { RedeliveryStore } from "./redeliveries.js";
import { ReportStore } from "./reports.js";
import { SpendStore } from "./spend.js";
import type { Dialect, Store } from "./types.js";

export class LedgerStore implements Store {
  readonly dialect: Dialect;
  readonly installations: InstallationStore;
  readonly changes: ChangeStore;
  readonly deployments: DeploymentStore;
  readonly fates: FateQueries;
  readonly reports: ReportStore;
  readonly inbox: InboxStore;
  readonly redeliveries: RedeliveryStore;
  readonly backfills: BackfillStore;
  readonly dashboard: DashboardStore;
  readonly spend: SpendStore;
  readonly #driver: DialectDriver;

  constructor(db: LedgerDb, tables: LedgerSchema, driver: DialectDriver) {
    this.dialect = driver.dialect;
    this.#driver = driver;
    this.installations = new InstallationStore(db, tables, driver);
    this.changes = new ChangeStore(db, tables, driver);
    this.deployments = new DeploymentStore(db, tables, driver);
    this.fates = new FateQueries(db, tables, driver);
    this.reports = new ReportStore(db, tables, driver);
    this.inbox = new InboxStore(db, tables, driver);
    this.redeliveries = new RedeliveryStore(db, tables, driver);
    this.backfills = new BackfillStore(db, tables, driver);
    this.dashboard = new DashboardStore(db, tables, driver);
    this.spend = new SpendStore(db, tables, driver);
  }

  close(): Promise<void> {
    return this.#driver.close();
  }
}
