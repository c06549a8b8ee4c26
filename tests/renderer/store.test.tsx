// @vitest-environment jsdom
/** The store's own rules, without the screens: "busy → call → done" for requests, and form errors that follow the values once tried. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/renderer/src/api/errors';
import { createAppStore } from '../../src/renderer/src/state/store';
import type { ServerSettings, ServerState } from '../../src/shared/schemas';
import { createFakeApi, stoppedState } from './fake-api';
import engines from './fixtures/engines.json';
import { EngineDescriptorSchema } from '../../src/shared/engine-descriptor';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function ready(fake: ReturnType<typeof createFakeApi>) {
  const store = createAppStore(fake.api, { screen: 'servers' });
  const off = await store.getState().init();
  return { store, off };
}

describe('busy → call → done', () => {
  it('a request is busy while it runs, its old error goes at the start, a failure stays until the next try', async () => {
    let answer: ReturnType<typeof deferred<ServerState>> | null = null;
    const fake = createFakeApi({
      'server:start': (s) => {
        if (!answer) throw new ApiError({ code: 'PORT_IN_USE', message: 'port 8000 is in use' });
        return answer.promise.then((st) => ({ ...st, settings: s as ServerSettings }));
      },
    });
    const { store, off } = await ready(fake);
    store.getState().setServerField('model', 'm');
    await store.getState().startServer();
    expect(store.getState().serverTask).toEqual({ busy: false, error: expect.objectContaining({ code: 'PORT_IN_USE' }) });

    answer = deferred<ServerState>();
    const started = store.getState().startServer();
    await Promise.resolve();
    expect(store.getState().serverTask).toEqual({ busy: true, error: null });
    answer.resolve({ ...stoppedState, phase: 'ready' });
    await started;
    expect(store.getState().serverTask).toEqual({ busy: false, error: null });
    expect(store.getState().server?.phase).toBe('ready');
    off();
  });

  it('a preset that fails to apply says so where the server is and where the presets are', async () => {
    const fake = createFakeApi({
      'presets:apply': () => {
        throw new ApiError({ code: 'PORT_IN_USE', message: 'port 8000 is in use' });
      },
    });
    const { store, off } = await ready(fake);
    expect(await store.getState().applyPreset('p1')).toBe(false);
    expect(store.getState().serverTask.error?.code).toBe('PORT_IN_USE');
    expect(store.getState().presetsTask.error?.code).toBe('PORT_IN_USE');
    off();
  });
});

describe('a tried form’s errors follow its values', () => {
  it('a still-wrong value gets its own message, a fixed one loses it, and the plan’s other forms are re-checked too', async () => {
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'r' }) });
    const { store, off } = await ready(fake);
    const s = () => store.getState();
    // Untried: nothing is said while typing.
    s().setSweepForm({ repeats: '0' });
    expect(s().sweepFormErrors).toEqual({});

    expect(await s().runSweep('sweep')).toBe(false);
    // The Servers form has no model yet: the managed plan points there first.
    expect(s().sweepFormErrors.server).toMatch(/^Fix the server settings on the Servers screen first: Give the model /);
    s().setServerField('model', 'demo/simulated-7b');
    s().setServerField('method', 'ngram');
    expect(s().sweepFormErrors).toEqual({ repeats: 'Repeats must be 1 or more, e.g. 3' });
    s().setSweepForm({ repeats: 'three' });
    expect(s().sweepFormErrors).toEqual({ repeats: 'Repeats must be a whole number from 1 to 100, e.g. 3' });
    s().setSweepForm({ repeats: '2', tokens: '1-3' });
    expect(s().sweepFormErrors).toEqual({});

    expect(await s().runSweep('sweep')).toBe(true);
    expect(fake.callsTo('sweep:start')[0]).toMatchObject({ tokens: [0, 1, 2, 3], repeats: 2 });
    // A run that started clears the try: typing a mistake now says nothing until the next Run.
    s().setSweepForm({ repeats: '0' });
    expect(s().sweepFormErrors).toEqual({});
    off();
  });
});

describe('the Servers form', () => {
  it('starts on the first engine SpecTune launches once the descriptors arrive, keeping what the user typed before', async () => {
    const list = deferred<{ engines: ReturnType<typeof EngineDescriptorSchema.parse>[] }>();
    const fake = createFakeApi({ 'engines:list': () => list.promise });
    const store = createAppStore(fake.api, { screen: 'servers' });
    const init = store.getState().init();
    expect(store.getState().serverForm).toMatchObject({ engine: '', command: '' });
    store.getState().setServerField('model', 'typed/early');
    const descriptors = engines.map((e) => EngineDescriptorSchema.parse(e));
    list.resolve({ engines: descriptors });
    const off = await init;
    const first = descriptors.find((d) => d.lifecycle === 'launched')!;
    expect(store.getState().serverForm).toMatchObject({ engine: first.id, command: first.defaultCommand.join(' '), model: 'typed/early', port: '8000' });
    off();
  });
});
