/** A launch of the built-in simulator is recognised as one for every persona, so it gets the environment it needs (Electron's Node mode) and is marked simulated. */
import { describe, expect, it } from 'vitest';
import { isSimulatorCommand, withSimulatorEnv, type HandlerContext } from '../src/core/handlers/context';
import { ServerSettingsSchema } from '../src/shared/schemas';

const SIM = ['/opt/SpecTune/spectune', '/opt/SpecTune/resources/simulator.js'];
const ctx = { simulator: { command: SIM, env: { ELECTRON_RUN_AS_NODE: '1' } } } as unknown as HandlerContext;
const settings = (command: string[]) => ServerSettingsSchema.parse({ engine: 'llama.cpp', command, model: 'm.gguf' });

describe('the simulator, whatever persona it plays', () => {
  it('is the simulator with a persona word and its flags after it, and gets its environment', () => {
    const command = [...SIM, 'llama-server', '--sim-step-ms', '2'];
    expect(isSimulatorCommand(ctx, command)).toBe(true);
    expect(withSimulatorEnv(ctx, settings(command)).env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    expect(isSimulatorCommand(ctx, SIM)).toBe(true);
  });

  it('is not a real engine, nor a command that only shares the first word', () => {
    expect(isSimulatorCommand(ctx, ['llama-server'])).toBe(false);
    expect(isSimulatorCommand(ctx, [SIM[0], 'other.js'])).toBe(false);
    expect(isSimulatorCommand(ctx, undefined)).toBe(false);
    expect(withSimulatorEnv(ctx, settings(['llama-server'])).env).toEqual({});
  });
});
