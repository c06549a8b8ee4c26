/**
 * What the browser-mode specs share: where the UI server that global-setup started listens, a free
 * port for servers a test launches, and the page's own HTTP API for checks the UI cannot show precisely.
 */
export { freePort } from '../src/node/port-check';

export const URL_WITH_TOKEN = process.env.SPECTUNE_UI_URL ?? '';
export const BASE = process.env.SPECTUNE_UI_BASE ?? '';
export const TOKEN = process.env.SPECTUNE_UI_TOKEN ?? '';

/** Ask the same HTTP API the page uses. */
export async function api(channel: string, args: unknown = {}): Promise<unknown> {
  const res = await fetch(`${BASE}/api/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-SpecTune-Token': TOKEN },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as { ok: boolean; result?: unknown; error?: unknown };
  if (!body.ok) throw new Error(`${channel}: ${JSON.stringify(body.error)}`);
  return body.result;
}
