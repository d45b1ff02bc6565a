// The in-memory GitHub model lives in src/demo (the offline demo serves it over HTTP); tests also
// mount its route table on nock.
import nock from "nock";
import { GitHubModel as BaseModel } from "../../src/demo/github-model.js";

export * from "../../src/demo/github-model.js";

export const API = "https://api.github.com";

/** Mounts a model's routes on nock (persisting), answering every route it knows. */
export function mountOnNock(model: BaseModel): nock.Scope {
  const scope = nock(API).persist();
  for (const route of model.routes()) {
    scope
      .intercept(route.pattern, route.method)
      .reply((uri, body) => route.reply(uri, body) ?? [404, { message: "Not Found" }]);
  }
  return scope;
}

export class GitHubModel extends BaseModel {
  /** Mounts the model on nock (persisting), answering every route it knows. */
  mount(): nock.Scope {
    return mountOnNock(this);
  }
}
