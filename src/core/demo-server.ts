/**
 * For the demo of an engine the user runs themselves (LM Studio, Ollama, a generic OpenAI-compatible server): start
 * the simulator's persona of that engine, as the user's own server would be
 * running, so the sweep attaches to it exactly as it would to the real one.
 * Its own process group; stopped (TERM, grace, KILL) when the demo ends.
 */
import { execa } from 'execa';
import { SpecTuneError } from '../shared/errors';
import type { Engine } from '../engines/engine';
import { terminateTree } from '../node/process-tree';
import { identifyWith } from './probes';
import { simulatorCommand } from './simulator-command';

export interface DemoServer {
  url: string;
  stop(): Promise<void>;
}

/** The simulator's command words and environment; default: the Node CLI's `spectune sim` (Electron passes its bundled one). */
export interface SimulatorWords {
  command: string[];
  env: Record<string, string>;
}

export async function startDemoServer(engine: Engine, host: string, port: number, timeoutMs = 20_000, sim?: SimulatorWords): Promise<DemoServer> {
  const d = engine.descriptor.demo;
  if (d.persona === null) throw new SpecTuneError('INVALID_INPUT', `${engine.descriptor.label} has no simulator persona to start`);
  // '' is the simulator's own (vLLM) persona: no persona word.
  const persona = d.persona ? [d.persona] : [];
  const [file, ...args] = [...(sim?.command ?? simulatorCommand()), ...persona, '--host', host, '--port', String(port), '--model', d.model, ...(d.draftModels.length ? ['--draft-models', d.draftModels.join(',')] : []), ...d.personaArgs];
  const child = execa(file, args, { env: sim?.env ?? {}, detached: true, cleanup: false, reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', buffer: { stderr: true } });
  void child.then(() => {}, () => {});
  const url = `http://${host}:${port}`;
  const stop = async () => {
    if (child.pid !== undefined) await terminateTree({ pgid: child.pid, graceMs: 2000 });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await identifyWith(engine, url, 500).catch(() => null)) return { url, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = child.exitCode !== null;
  await stop();
  const stderr = exited ? String((await child).stderr ?? '').trim() : '';
  throw new SpecTuneError('EXITED_BEFORE_READY', `the simulated ${engine.descriptor.label} did not start${stderr ? `: ${stderr}` : ''}`, {
    hint: `run the same command by hand to see why: ${['spectune sim', ...persona, '--help'].join(' ')}`,
  });
}
