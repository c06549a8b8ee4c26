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
