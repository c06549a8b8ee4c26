/** Which servers are up, what the app is and what it can launch. */
import { DEFAULT_ENDPOINTS, type Endpoint } from '../../shared/schemas';
import { BUILTIN_PROMPT_TYPES, BUILTIN_SYSTEM_PROMPTS } from '../../shared/prompts';
import { probeAll } from '../probes';
import { engineById } from '../../engines';
import type { HandlerContext, Handlers } from './context';

/** vLLM's first `--version` imports torch: seconds, so ask once per app run. */
const VERSION_PROBE_TIMEOUT_MS = 30_000;

export function statusHandlers(ctx: HandlerContext): Pick<Handlers, 'app:info' | 'status:probe' | 'prompts:builtin'> {
  let vllmProbe: Promise<{ found: boolean; version: string | null }> | null = null;

  const probeVllm = () =>
    (vllmProbe ??= withTimeout(ctx.server.detectVersion(ctx.vllmCommand), VERSION_PROBE_TIMEOUT_MS).then(
      (v) => ({ found: true, version: v.raw }),
      () => ({ found: false, version: null }),
    ));

  return {
    'app:info': async () => {
      const vllm = await probeVllm();
      return {
        version: ctx.appVersion,
        platform: process.platform,
        mode: ctx.mode,
        vllmFound: vllm.found,
        vllmVersion: vllm.version,
        simulatorCommand: ctx.simulator.command,
        dataDir: ctx.dataDir,
      };
    },

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
