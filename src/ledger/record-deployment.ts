// Recording a production deployment: once per source key, whatever order its observations come
// in (a redelivery, its `success` and later `inactive`, an estimate before the exact time). When
// a better observation moves its success time, it is pending again, and so are its neighbours.

import type { DeploymentInput, DeploymentRecord, Store } from "../store/types.js";
import { improvesSuccessTime } from "./core/deployment-order.js";

export async function recordDeployment(
  store: Store,
  deployment: DeploymentInput,
  now: number,
): Promise<{ deployment: DeploymentRecord; inserted: boolean; moved: boolean }> {
  const { deployment: recorded, inserted } = await store.deployments.upsertDeployment(deployment, now);
  if (inserted) return { deployment: recorded, inserted, moved: false };
  const observed = { succeededAt: deployment.succeededAt, exact: deployment.succeededAtExact };
  const known = { succeededAt: recorded.succeededAt, exact: recorded.succeededAtExact };
  if (!improvesSuccessTime(observed, known)) return { deployment: recorded, inserted, moved: false };
  const moved = await store.deployments.moveDeploymentSuccess(
    recorded.id,
    { succeededAt: deployment.succeededAt, succeededAtExact: deployment.succeededAtExact },
    now,
  );
  return { deployment: moved, inserted, moved: true };
}
