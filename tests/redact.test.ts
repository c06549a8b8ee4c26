/**
 * The redactor: secret flag values and credential shapes go, everything else stays
 * byte for byte (the recommended startup line must remain exact).
 */
import { describe, expect, it } from 'vitest';
import {
  isSecretFlag,
  REDACTED,
  redactArgv,
  redactPlan,
  redactText,
  replacerFor,
  secretArgValues,
  secretEnvValues,
} from '../src/shared/redact';
import { formatCommand } from '../src/shared/shell-words';
import { VLLM_SECRET_PLACEHOLDERS } from '../src/engines/vllm/secrets';
import { restoreSecretArgs, restoreSecrets, shownSettings } from '../src/core/server-secrets';
import { ServerSettingsSchema } from '../src/shared/schemas';
import { SpecTuneError } from '../src/shared/errors';

const V = VLLM_SECRET_PLACEHOLDERS;

describe('isSecretFlag', () => {
  it.each([
    ['--api-key', true],
    ['--hf-token', true],
    ['--token', true],
    ['--openai-api-key', true],
    ['--ssl-key', true],
    ['--hub-token', true],
    ['--client-secret', true],
    ['--db-password', true],
    ['--API-KEY', true],
    // Must never be touched: these are the measurement's own settings.
    ['--num-draft-tokens', false],
    ['--num-speculative-tokens', false],
    ['--max-num-batched-tokens', false],
    ['--tokenizer', false],
    ['--tokenizer-mode', false],
    ['--max-tokens', false],
    ['--speculative-config', false],
    ['--api-key-file', false],
    ['--ssl-keyfile', false],
    ['--keep-alive', false],
    ['api-key', false],
    ['-k', false],
  ])('%s → %s', (flag, secret) => {
    expect(isSecretFlag(flag)).toBe(secret);
  });
});

describe('redactArgv', () => {
  it.each<[string[], string[]]>([
    [['--api-key', 'K123'], ['--api-key', '$VLLM_API_KEY']],
    [['--api-key=K123'], ['--api-key=$VLLM_API_KEY']],
    [['--hf-token', 'T'], ['--hf-token', '$HF_TOKEN']],
    [['--hf-token=hf_abcdefgh'], ['--hf-token=$HF_TOKEN']],
    [['--token', 'abc'], ['--token', REDACTED]],
    [['--my-service-secret=s3'], [`--my-service-secret=${REDACTED}`]],
    [['--admin-password', 'pw', '--enforce-eager'], ['--admin-password', REDACTED, '--enforce-eager']],
    // Credential-looking words anywhere, e.g. a custom flag the rules do not know.
    [['--header', 'sk-abcdef123456'], ['--header', REDACTED]],
    [['--model-url=https://x/?t=hf_abcdefghij'], [`--model-url=https://x/?t=${REDACTED}`]],
    // A secret flag followed by another flag has no value to hide.
    [['--api-key', '--enforce-eager'], ['--api-key', '--enforce-eager']],
    // Already redacted stays as it is (idempotent).
    [['--api-key', '$VLLM_API_KEY', '--token', REDACTED], ['--api-key', '$VLLM_API_KEY', '--token', REDACTED]],
  ])('%j → %j', (argv, expected) => {
    expect(redactArgv(argv, V)).toEqual(expected);
  });

  it('leaves every non-secret word exactly as it was', () => {
    const argv = [
      'vllm', 'serve', 'Qwen/Qwen2.5-7B-Instruct', '--num-draft-tokens', '5', '--tokenizer', 'Qwen/tok', '--max-num-batched-tokens=8192',
      '--num-speculative-tokens', '3', '--speculative-config', '{"method":"ngram","num_speculative_tokens":5}', '--task-id', 'task-abcdefghij',
      '--served-model-name', 'disk-abcdefghij',
    ];
    expect(redactArgv(argv, V)).toEqual(argv);
    expect(secretArgValues(argv)).toEqual([]);
  });

  it('without placeholders every secret becomes <redacted>', () => {
    expect(redactArgv(['--api-key', 'K', '--hf-token=T'])).toEqual(['--api-key', REDACTED, `--hf-token=${REDACTED}`]);
  });

  it('lists the secret values it hides', () => {
    expect(secretArgValues(['--api-key', 'K1', '--hf-token=T2', '--x', 'sk-abcdefgh9', '--token', '$VLLM_API_KEY']).sort()).toEqual(['K1', 'T2', 'sk-abcdefgh9']);
  });
});

describe('formatCommand of redacted argv', () => {
  it('writes a shell-expandable placeholder, so the copied line works with the user’s own key', () => {
    const line = formatCommand(redactArgv(['vllm', 'serve', 'M', '--num-draft-tokens', '5', '--api-key', 'K'], V));
    expect(line).toBe('vllm serve M \\\n    --num-draft-tokens 5 \\\n    --api-key "$VLLM_API_KEY"');
  });
});

describe('redactText', () => {
  it.each<[string, string]>([
    ['$ vllm serve M --api-key K123 --port 8000', '$ vllm serve M --api-key "$VLLM_API_KEY" --port 8000'],
    ['--hf-token=abc --tokenizer t', '--hf-token=$HF_TOKEN --tokenizer t'],
    ["--token 'a b c' --max-num-batched-tokens 8192", `--token ${REDACTED} --max-num-batched-tokens 8192`],
    ['non-default args: {\'api_key\': [\'sk-abcdef123456\']}', `non-default args: {'api_key': ['${REDACTED}']}`],
    ['token hf_secretvalue expired', `token ${REDACTED} expired`],
    ['Authorization: Bearer abc.def-123', `Authorization: Bearer ${REDACTED}`],
    ['the key is sent as a bearer token (set VLLM_API_KEY)', 'the key is sent as a bearer token (set VLLM_API_KEY)'],
    ['--num-draft-tokens 5 --num-speculative-tokens 3 --tokenizer x', '--num-draft-tokens 5 --num-speculative-tokens 3 --tokenizer x'],
    ['--api-key "$VLLM_API_KEY" \\\n    --hf-token "$HF_TOKEN"', '--api-key "$VLLM_API_KEY" \\\n    --hf-token "$HF_TOKEN"'],
  ])('%j', (input, expected) => {
    expect(redactText(input, [], V)).toBe(expected);
  });

  it('replaces known secret values wherever they appear, whatever their shape', () => {
    expect(redactText("non-default args: {'api_key': ['K9x'], 'model': 'M'}", ['K9x'])).toBe(`non-default args: {'api_key': ['${REDACTED}'], 'model': 'M'}`);
    expect(redactText('a.b*c+ and a.b*c+', ['a.b*c+'])).toBe(`${REDACTED} and ${REDACTED}`);
  });

  it('as a JSON replacer scrubs every string of a report, leaving numbers and placeholders', () => {
    const report = { n: 5, cmd: '--api-key "$VLLM_API_KEY"', errors: ['HTTP 401 for key sk-abcdef123456'], argv: ['--api-key', '$VLLM_API_KEY'] };
    expect(JSON.parse(JSON.stringify(report, replacerFor((text) => redactText(text))))).toEqual({ ...report, errors: [`HTTP 401 for key ${REDACTED}`] });
  });
});

describe('plans, settings and secret env values', () => {
  const settings = ServerSettingsSchema.parse({
    model: 'M',
    extraArgs: ['--api-key', 'K1', '--hf-token=T2', '--max-num-batched-tokens', '8192'],
    env: { HF_TOKEN: 'hf_abcdefgh', CUDA_VISIBLE_DEVICES: '0' },
  });

  it('redactPlan hides env values and flag values', () => {
    const plan = redactPlan({ mode: 'managed', server: settings } as never, V) as { server: typeof settings };
    expect(plan.server.extraArgs).toEqual(['--api-key', '$VLLM_API_KEY', '--hf-token=$HF_TOKEN', '--max-num-batched-tokens', '8192']);
    expect(plan.server.env).toEqual({ HF_TOKEN: REDACTED, CUDA_VISIBLE_DEVICES: '0' });
    expect(settings.extraArgs[1]).toBe('K1'); // the original is not mutated
  });

  it('secretEnvValues keeps only long values of secret-named variables', () => {
    expect(secretEnvValues({ HF_TOKEN: 'hf_abcdefgh', VLLM_API_KEY: 'x', PATH: '/usr/bin:/bin', MY_SECRET: REDACTED })).toEqual(['hf_abcdefgh']);
  });

  it('placeholders coming back from the UI are refilled from the last launch, else from the environment', () => {
    const shown = shownSettings(settings);
    expect(JSON.stringify(shown)).not.toMatch(/K1|T2|hf_abcdefgh/);
    const back = restoreSecrets(shown, settings, {});
    expect(back.extraArgs).toEqual(settings.extraArgs);
    expect(back.env).toEqual(settings.env);

    expect(restoreSecretArgs(['--api-key', '$VLLM_API_KEY'], [], { VLLM_API_KEY: 'from-env' })).toEqual(['--api-key', 'from-env']);
    // Nothing to fill from: refused, never launched with the placeholder or without the key.
    expect(() => restoreSecretArgs(['--api-key', '$VLLM_API_KEY'], [], {})).toThrow(SpecTuneError);
    expect(() => restoreSecretArgs(['--token', REDACTED], [], {})).toThrow(/--token holds the placeholder/);
    // A redacted env entry with no earlier value is dropped: the server inherits SpecTune's own.
    expect(restoreSecrets({ model: 'M', env: { HF_TOKEN: REDACTED, A: 'b' } }, null, {}).env).toEqual({ A: 'b' });
  });
});

describe('every spelling of a secret (issue: --api_key, NAME=value, a known value anywhere)', () => {
  it('treats _ and - alike in flag names, as vLLM’s argparse does', () => {
    expect(isSecretFlag('--api_key')).toBe(true);
    expect(isSecretFlag('--hf_token')).toBe(true);
    expect(isSecretFlag('--my_service_secret')).toBe(true);
    expect(isSecretFlag('--num_speculative_tokens')).toBe(false);
    expect(isSecretFlag('--max_num_batched_tokens')).toBe(false);
    expect(redactArgv(['vllm', 'serve', 'M', '--api_key', 'plainkey123', '--hf_token=plainhub456'], V)).toEqual(['vllm', 'serve', 'M', '--api_key', '$VLLM_API_KEY', '--hf_token=$HF_TOKEN']);
    expect(secretArgValues(['--api_key', 'plainkey123', '--hf_token=plainhub456']).sort()).toEqual(['plainhub456', 'plainkey123']);
    expect(redactText('$ vllm serve M --api_key plainkey123 --hf_token=plainhub456', [], V)).toBe('$ vllm serve M --api_key "$VLLM_API_KEY" --hf_token=$HF_TOKEN');
  });

  it('redacts NAME=value words whose NAME holds a secret, and no others', () => {
    const argv = ['env', 'VLLM_API_KEY=plainkey123', 'HF_TOKEN=plainhub456', 'AWS_SECRET_ACCESS_KEY=abc/def', 'MAX_NUM_BATCHED_TOKENS=8192', 'CUDA_VISIBLE_DEVICES=0', 'node', 'sim.js'];
    expect(redactArgv(argv, V)).toEqual(['env', `VLLM_API_KEY=${REDACTED}`, `HF_TOKEN=${REDACTED}`, `AWS_SECRET_ACCESS_KEY=${REDACTED}`, 'MAX_NUM_BATCHED_TOKENS=8192', 'CUDA_VISIBLE_DEVICES=0', 'node', 'sim.js']);
    expect(secretArgValues(argv).sort()).toEqual(['abc/def', 'plainhub456', 'plainkey123']);
    expect(redactText("Namespace(api_key='plainkey123', max_num_batched_tokens=8192) VLLM_API_KEY=plainkey123")).toBe(
      `Namespace(api_key=${REDACTED}, max_num_batched_tokens=8192) VLLM_API_KEY=${REDACTED}`,
    );
    // Idempotent: what redaction wrote stays.
    expect(redactArgv([`VLLM_API_KEY=${REDACTED}`])).toEqual([`VLLM_API_KEY=${REDACTED}`]);
  });

  it('redacts a known secret value inside any word of argv, whatever flag carries it', () => {
    expect(redactArgv(['wrapper', '--apikey', 'plainkey123', '--url=http://x/?k=plainkey123'], V, ['plainkey123'])).toEqual(['wrapper', '--apikey', REDACTED, `--url=http://x/?k=${REDACTED}`]);
  });

  it('a NAME=<redacted> word coming back from the UI is refilled from the last launch or the variable itself', () => {
    expect(restoreSecretArgs(['env', `VLLM_API_KEY=${REDACTED}`, 'node'], ['env', 'VLLM_API_KEY=real-value', 'node'], {})).toEqual(['env', 'VLLM_API_KEY=real-value', 'node']);
    expect(restoreSecretArgs(['env', `HF_TOKEN=${REDACTED}`], [], { HF_TOKEN: 'from-env' })).toEqual(['env', 'HF_TOKEN=from-env']);
    expect(() => restoreSecretArgs(['env', `HF_TOKEN=${REDACTED}`], [], {})).toThrow(/HF_TOKEN= holds the placeholder/);
    expect(restoreSecretArgs(['--api_key', '$VLLM_API_KEY'], ['--api_key', 'prev'], {})).toEqual(['--api_key', 'prev']);
  });
});
