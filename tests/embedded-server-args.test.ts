/** The embedded server's llama-server-shaped command line. */
import { describe, expect, it } from 'vitest';
import { ArgError, DEFAULT_DRAFT_MAX, parseServerArgs } from '../src/engines/embedded/server/args';

const serve = (argv: string[]) => {
  const r = parseServerArgs(argv);
  if (r.kind !== 'serve') throw new Error(`expected serve, got ${r.kind}`);
  return r.args;
};

describe('embedded server arguments', () => {
  it('takes the command line SpecTune builds for llama-server', () => {
    const a = serve(['--model', 't.gguf', '--model-draft', 'd.gguf', '--spec-draft-n-max', '4', '--port', '9000', '--host', '127.0.0.1']);
    expect(a).toMatchObject({ model: 't.gguf', draftModel: 'd.gguf', draftMax: 4, port: 9000, host: '127.0.0.1', threads: 1 });
  });

  it('accepts the older and newer spellings, and = forms', () => {
    expect(serve(['-m', 't', '-md', 'd', '--draft-max', '2']).draftMax).toBe(2);
    expect(serve(['-m', 't', '--spec-draft-model', 'd', '--draft-n=5']).draftMax).toBe(5);
    expect(serve(['-m', 't', '-md', 'd']).draftMax).toBe(DEFAULT_DRAFT_MAX);
  });

  it('turns speculation off with k = 0, --spec-type none, or no draft', () => {
    expect(serve(['-m', 't', '-md', 'd', '--spec-draft-n-max', '0']).draftMax).toBe(0);
    expect(serve(['-m', 't', '-md', 'd', '--spec-type', 'none', '--spec-draft-n-max', '3']).draftMax).toBe(0);
    expect(serve(['-m', 't', '--spec-draft-n-max', '3']).draftMax).toBe(0);
  });

  it('takes the confidence cut-off as --draft-p-min (and llama.cpp\'s newer --spec-draft-p-min), 0 by default', () => {
    expect(serve(['-m', 't', '-md', 'd']).draftPMin).toBe(0);
    expect(serve(['-m', 't', '-md', 'd', '--draft-p-min', '0.6']).draftPMin).toBe(0.6);
    expect(serve(['-m', 't', '-md', 'd', '--spec-draft-p-min=.25']).draftPMin).toBe(0.25);
    expect(serve(['-m', 't', '-md', 'd', '--draft-p-min', '0']).draftPMin).toBe(0);
    // String(n) of a small number is in exponent form.
    expect(serve(['-m', 't', '-md', 'd', '--draft-p-min', String(1e-7)]).draftPMin).toBe(1e-7);
  });

  it('refuses a cut-off outside 0 <= P < 1, naming the flag', () => {
    for (const bad of ['1', '1.5', '1e0', '-0.1', 'abc', '', '0.5x', 'NaN', 'Infinity']) {
      expect(() => parseServerArgs(['-m', 't', '-md', 'd', '--draft-p-min', bad]), bad).toThrow(/^--draft-p-min must be/);
    }
    expect(() => parseServerArgs(['-m', 't', '--draft-p-min'])).toThrow(/--draft-p-min needs a value/);
  });

  it('ignores GPU offload flags out loud, and refuses what it does not know', () => {
    expect(serve(['-m', 't', '-ngl', '99']).ignored).toEqual(['-ngl 99']);
    expect(() => parseServerArgs(['-m', 't', '--metrics'])).toThrow(new ArgError('invalid argument: --metrics'));
    expect(() => parseServerArgs(['-m', 't', '--spec-type', 'ngram-simple'])).toThrow(/not supported by the embedded engine/);
    expect(() => parseServerArgs(['--port', '1'])).toThrow(/--model FILE is required/);
    expect(() => parseServerArgs(['-m', 't', '--port', 'x'])).toThrow(/--port must be a whole number/);
    expect(() => parseServerArgs(['-m', 't', '-np', '2'])).toThrow(/--parallel must be between 1 and 1/);
    expect(parseServerArgs(['--version'])).toEqual({ kind: 'version' });
  });
});
