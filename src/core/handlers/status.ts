/** Which servers are up, what the app is and what it can launch. */
import { DEFAULT_ENDPOINTS, type Endpoint } from '../../shared/schemas';
import { BUILTIN_PROMPT_TYPES, BUILTIN_SYSTEM_PROMPTS } from '../../shared/prompts';
import { probeAll } from '../probes';
import { engineById, engineDescriptors } from '../../engines';
import type { EngineInstall } from '../../shared/ipc-contract';
import type { HandlerContext, Handlers } from './context';

/** An engine's first `--version` can take seconds (vLLM's imports torch): each is asked once per app run, and waited for this long. */
const VERSION_PROBE_TIMEOUT_MS = 30_000;

export function statusHandlers(ctx: HandlerContext): Pick<Handlers, 'app:info' | 'status:probe' | 'prompts:builtin'> {
  let installs: Promise<EngineInstall[]> | null = null;

  /** Each launched engine's own detection on its default command; an engine the user runs is not SpecTune's to find. */
  const detectInstalls = () =>
    (installs ??= Promise.all(
      engineDescriptors().map(async (d): Promise<EngineInstall> => {
        if (d.lifecycle !== 'launched') return { engine: d.id, installed: null, version: null };
        const command = [...(ctx.engineCommands[d.id] ?? d.defaultCommand)];
        // In the desktop app this executable is Electron: run as a command it would start a second app, not a Node script.
        if (ctx.mode === 'electron' && command[0] === process.execPath) return { engine: d.id, installed: null, version: null };
        return withTimeout(ctx.server.detectVersion(command, { engine: d.id }), VERSION_PROBE_TIMEOUT_MS).then(
          (b) => ({ engine: d.id, installed: true, version: b.raw }),
          () => ({ engine: d.id, installed: false, version: null }),
        );
      }),
    ));

  return {
    'app:info': async () => ({
      version: ctx.appVersion,
      platform: process.platform,
      mode: ctx.mode,
      engines: await detectInstalls(),
      simulatorCommand: ctx.simulator.command,
      dataDir: ctx.dataDir,
    }),

    'status:probe': async ({ endpoints }) => {
      // Every engine's usual address (the same list as `spectune status`): the app's first screen ranks what answers first.
      const list: Endpoint[] = [...DEFAULT_ENDPOINTS];
      // The launched server may run on another port than its engine's default; show it too, named by its engine.
      const managed = ctx.server.state();
      if (managed.url && managed.phase !== 'stopped') list.push({ name: `Managed ${managedLabel(managed.settings?.engine)}`, url: managed.url });
      for (const e of endpoints ?? []) list.push(e);
      const seen = new Set<string>();
      const unique = list.filter((e) => {
        const key = sameServerKey(e.url);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      return probeAll(unique);
    },

    'prompts:builtin': async () => ({ promptTypes: [...BUILTIN_PROMPT_TYPES], systemPrompts: [...BUILTIN_SYSTEM_PROMPTS] }),
  };
}

/** The launched server's engine by its label ("llama.cpp (llama-server)"); "server" when its settings are not known. */
function managedLabel(engine: string | undefined): string {
  return engine ? engineById(engine).descriptor.label : 'server';
}

/** localhost:8000, 127.0.0.1:8000/ and LOCALHOST:8000 are one server: probe and show it once. */
function sameServerKey(url: string): string {
  return url.trim().toLowerCase().replace(/\/+$/, '').replace('//localhost', '//127.0.0.1');
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
