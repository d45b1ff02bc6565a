// The dashboard's seams: who is signed in (auth.ts implements it), and what the pages need of it.
import type { IncomingMessage, ServerResponse } from "node:http";

/** A signed-in GitHub user, as the session holds them. */
export interface DashboardUser {
  userId: number;
  login: string;
  /** This app's installations the user could access on GitHub when they signed in. */
  installationIds: number[];
  /**
   * Per installation, the repositories GitHub listed for the user then (GET
   * /user/installations/{id}/repositories). An installation is listed to anyone who can reach one
   * of its repositories: the organisation-wide pages need every repository, a repository's page its own.
   */
  repositoryIds: Record<number, number[]>;
}

/** A route handler on the app's HTTP server: true when it answered the request. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface DashboardAuth {
  /**
   * Answers the sign-in routes: GET /dashboard/login (to GitHub's authorize page, with state and a
   * PKCE challenge), GET /dashboard/login/callback (code → token → user and installations →
   * session cookie), POST /dashboard/logout (CSRF-checked).
   */
  routes: RouteHandler;
  /** The request's signed-in user, or null (no cookie, a forged or expired one, a signed-out session). */
  user(req: IncomingMessage): Promise<DashboardUser | null>;
  /** The CSRF token every state-changing form of this session carries (a hidden field `csrf`). */
  csrfToken(req: IncomingMessage): Promise<string | null>;
  /** True when the form's token is this session's. */
  checkCsrf(req: IncomingMessage, token: string | undefined): Promise<boolean>;
}
