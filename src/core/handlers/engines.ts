/**
 * The engines as the app sees them: their descriptors, what a running one
 * serves (and its draft candidates), and the simulated stand-in for the demo
 * of an engine the user runs themselves. Asks each engine; never branches on
 * an engine's name.
 */
import { SpecTuneError } from '../../shared/errors';
import { engineById, engineDescriptors } from '../../engines';
import { freePort } from '../../node/port-check';
import { startDemoServer, type DemoServer } from '../demo-server';
import { askAt } from '../probes';
import type { HandlerContext, Handlers } from './context';

/** A model list over a slow loopback link still answers well within this. */
const MODELS_TIMEOUT_MS = 5000;

export interface EngineHandlers {
  handlers: Pick<Handlers, 'engines:list' | 'engines:models' | 'demo:start' | 'demo:prepare' | 'demo:stop'>;
  /** Stop the demo server, if one runs (app quit). */
  dispose(): Promise<void>;
}

export function engineHandlers(ctx: HandlerContext): EngineHandlers {
  let demo: { engine: string; server: Promise<DemoServer> } | null = null;

  const stopDemo = async (): Promise<boolean> => {
    const running = demo;
    demo = null;
    if (!running) return false;
    const server = await running.server.catch(() => null);
    await server?.stop();
    return server !== null;
  };

  return {
    handlers: {
      'engines:list': async () => ({ engines: engineDescriptors() }),

      'engines:models': async ({ engine: id, url }) => {
        const engine = engineById(id);
        const ask = askAt(url, MODELS_TIMEOUT_MS);
        const found = await engine.identify(ask);
        if (!found) {
          throw new SpecTuneError('NOT_RUNNING', `no ${engine.descriptor.label} answers at ${url}`, {
            hint: `start it and try again; ${engine.descriptor.installHint}`,
          });
        }
        const drafts = engine.draftCandidates ? await engine.draftCandidates(ask) : [];
        return { models: found.models, draftCandidates: drafts };
      },

      'demo:start': async ({ engine: id }) => {
        const engine = engineById(id);
        if (engine.descriptor.lifecycle !== 'attached') {
          throw new SpecTuneError('INVALID_INPUT', `${engine.descriptor.label} is launched by SpecTune: its demo runs the simulator as the server command`, {
            hint: 'pick "Use the simulator" as the command instead',
          });
        }
        // One demo at a time: asking again for the same engine reuses it, another engine replaces it.
        if (demo && demo.engine !== engine.descriptor.id) await stopDemo();
        if (!demo) {
          const server = freePort('127.0.0.1').then((port) => startDemoServer(engine, '127.0.0.1', port, 20_000, ctx.simulator));
          demo = { engine: engine.descriptor.id, server };
          // A failed start must not stay cached: the next click tries again.
          server.catch(() => {
            if (demo?.server === server) demo = null;
          });
        }
        return { url: (await demo.server).url };
      },

      'demo:prepare': async ({ engine: id }) => {
        const engine = engineById(id);
        if (!engine.prepareDemo) {
          throw new SpecTuneError('INVALID_INPUT', `${engine.descriptor.label} has no real-engine demo`, {
            hint: 'use its simulator instead ("Use the simulator")',
          });
        }
        return { command: engine.descriptor.defaultCommand, ...(await engine.prepareDemo()) };
      },

      'demo:stop': async () => ({ stopped: await stopDemo() }),
    },
    dispose: async () => {
      await stopDemo();
    },
  };
}
