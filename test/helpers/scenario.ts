// The scenario builder lives in src/demo (the offline demo plays one); tests build on a model
// that can also be mounted on nock.
import { Scenario as BaseScenario } from "../../src/demo/scenario.js";
import { GitHubModel } from "./github-model.js";

export { T } from "../../src/demo/scenario.js";

export class Scenario extends BaseScenario<GitHubModel> {
  constructor(owner = "acme", repo = "shop", repositoryId = 4242) {
    super(owner, repo, repositoryId, { model: new GitHubModel(owner, repo, repositoryId) });
  }
}
