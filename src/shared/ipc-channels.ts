/**
 * The contract's channel names without zod. The sandboxed preload can only
 * `require('electron')`, so it must not pull zod in at runtime; it imports
 * these lists instead. `src/main/ipc/channels-check.ts` fails the typecheck if
 * they ever drift from `ipc-contract.ts`.
 */
export const REQUEST_CHANNEL_NAMES = [
  'app:info',
  'status:probe',
  'server:state',
  'server:start',
  'server:stop',
  'server:restart',
  'server:logs',
  'prompts:builtin',
  'sweep:start',
  'sweep:optimize',
  'sweep:cancel',
  'sweep:state',
  'report:save',
  'report:export',
  'report:apply',
  'history:list',
  'history:get',
  'presets:list',
  'presets:save',
  'presets:rename',
  'presets:delete',
  'presets:apply',
  'runs:list',
  'runs:stop',
  'engines:list',
  'engines:models',
  'demo:start',
  'demo:prepare',
  'report:applyAttached',
  'demo:stop',
  'shell:openExternal',
] as const;

export const EVENT_CHANNEL_NAMES = [
  'server:state',
  'server:log',
  'sweep:progress',
  'sweep:measurement',
  'sweep:report',
  'sweep:done',
  'presets:changed',
] as const;

/** Request channels go over IPC under this prefix so they never collide with event names. */
export const IPC_REQUEST_PREFIX = 'spectune:req:';
export const IPC_EVENT_PREFIX = 'spectune:evt:';

/** What a request handler sends back over IPC; the preload unwraps it. */
export type IpcEnvelope<T> =
  | { ok: true; result: T }
  | { ok: false; error: { code: string; message: string; hint?: string; logTail?: string[] } };
