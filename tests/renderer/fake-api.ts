/**
 * An in-memory SpecTuneApi for component tests: records every call, answers
 * with the handlers a test gives (defaults are a quiet, empty app), and lets
 * the test push events the way main would.
 */
import { REQUEST_CHANNELS, requests, type AppInfo, type EventChannel, type EventPayload, type RequestArgs, type RequestChannel, type RequestResult, type SpecTuneApi } from '../../src/shared/ipc-contract';
import { ReportSchema, STOPPED_SERVER_STATE, type ServerState } from '../../src/shared/schemas';
import { exportReport } from '../../src/shared/report-export';
import prompts from '../../resources/prompts.json';
import { EngineDescriptorSchema } from '../../src/shared/engine-descriptor';
// The registry's descriptors as data (the registry itself is Node code); tests/app-engines.test.ts keeps it equal to the registry.
import engines from './fixtures/engines.json';

type Handlers = { [C in RequestChannel]?: (args: RequestArgs<C>) => Promise<RequestResult<C>> | RequestResult<C> };

export const stoppedState: ServerState = STOPPED_SERVER_STATE;

const descriptors = engines.map((e) => EngineDescriptorSchema.parse(e));

/** Every engine SpecTune launches installed (vLLM 0.15.1 among them); those the user runs: not applicable. */
export const browserInfo: AppInfo = {
  version: '0.1.0',
  platform: 'linux',
  mode: 'browser',
  engines: descriptors.map((d) => (d.lifecycle === 'launched' ? { engine: d.id, installed: true, version: d.id === 'vllm' ? '0.15.1' : 'b7000' } : { engine: d.id, installed: null, version: null })),
  simulatorCommand: ['node', '/opt/spectune/bin/spectune.js', 'sim'],
  dataDir: '/home/u/.spectune',
};

/** A machine with no engine installed: the launched ones answered no to --version. */
export const noEngineInfo: AppInfo = {
  ...browserInfo,
  engines: browserInfo.engines.map((e) => (e.installed === null ? e : { ...e, installed: false, version: null })),
};

const defaults: Handlers = {
  'app:info': () => browserInfo,
  'status:probe': () => [],
  'server:state': () => stoppedState,
  'server:logs': () => [],
  'prompts:builtin': () => ({ promptTypes: prompts.promptTypes, systemPrompts: prompts.systemPrompts }),
  'sweep:state': () => ({ running: false, runId: null, kind: null, progress: null, report: null }),
  'presets:list': () => [],
  'history:list': () => [],
  // The registry's own descriptors: the renderer is tested against what the services really send.
  'engines:list': () => ({ engines: descriptors }),
  // Pure, like the services' handler: the real exporter, so a download test checks real bytes.
  'report:export': ({ report, format }) => exportReport(ReportSchema.parse(report), format),
  'runs:list': () => [],
};

export interface FakeApi {
  api: SpecTuneApi;
  calls: { channel: RequestChannel; args: unknown }[];
  callsTo(channel: RequestChannel): unknown[];
  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void;
}

export function createFakeApi(handlers: Handlers = {}): FakeApi {
  const all = { ...defaults, ...handlers } as Record<string, (args: unknown) => unknown>;
  const calls: FakeApi['calls'] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const api: Record<string, unknown> = {
    on(event: string, l: (p: unknown) => void) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(l);
      return () => listeners.get(event)!.delete(l);
    },
  };
  for (const c of REQUEST_CHANNELS) {
    api[c] = async (args: unknown) => {
      calls.push({ channel: c, args });
      // The renderer must send what the real services accept: a bad argument fails the test, as main would refuse it.
      const sent = requests[c].args.safeParse(args);
      if (!sent.success) throw new Error(`fake api: ${c} was called outside the contract: ${sent.error.message}`);
      const h = all[c];
      if (!h) throw new Error(`fake api: no handler for ${c}`);
      const result = await h(args);
      // A double that answers what the real services could not would test a UI that cannot exist.
      const checked = requests[c].result.safeParse(result);
      if (!checked.success) throw new Error(`fake api: ${c} answered outside the contract: ${checked.error.message}`);
      return result;
    };
  }
  return {
    api: api as SpecTuneApi,
    calls,
    callsTo: (channel) => calls.filter((c) => c.channel === channel).map((c) => c.args),
    emit(event, payload) {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
  };
}
