/**
 * The one Content-Security-Policy of the UI: sent as a header by browser mode
 * and the Electron session, and put in the built index.html as a meta tag for
 * file:// loads (which carry no headers). Only the app's own scripts run.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Browsers ignore frame-ancestors in a meta tag (and warn about it); the header carries it. */
export const META_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(/;\s*frame-ancestors[^;]*/, '');
