// The headers every dashboard response carries: a Content-Security-Policy that allows only the
// app's own scripts, styles and images (no inline script, no CDN, no framing), no referrer beyond
// the app itself, and no caching of pages that show a ledger.
import type { ServerResponse } from "node:http";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export function securityHeaders(secure: boolean): Record<string, string> {
  return {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
    ...(secure ? { "strict-transport-security": "max-age=31536000" } : {}),
  };
}

/** Sends an HTML page with the dashboard's headers. */
export function sendHtml(res: ServerResponse, status: number, html: string, secure: boolean): void {
  res.writeHead(status, { ...securityHeaders(secure), "content-type": "text/html; charset=utf-8" }).end(html);
}
