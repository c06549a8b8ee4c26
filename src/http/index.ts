/** Browser mode's HTTP transport, used by `spectune ui`: below cli and main, above core. */
export { startBrowserServer, type BrowserServer, type BrowserServerOptions } from './server';
export { createEventHub, type EventHub } from './events';
export { isLoopbackHost } from './guard';
export { httpStatusFor } from './rpc';
/** The CSP every browser-mode answer carries. */
export { CONTENT_SECURITY_POLICY } from '../shared/csp';
