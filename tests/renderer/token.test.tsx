// @vitest-environment jsdom
import './setup-dom';
import { describe, expect, it } from 'vitest';
import { readToken } from '../../src/renderer/src/api';
import { toUiError } from '../../src/renderer/src/api/errors';

describe('browser-mode token', () => {
  it('takes ?token= from the URL, keeps it for reloads and removes it from the address bar', () => {
    window.history.replaceState(null, '', '/?token=abc123&x=1#h');
    expect(readToken()).toBe('abc123');
    expect(window.location.search).toBe('?x=1');
    expect(window.location.hash).toBe('#h');
    expect(sessionStorage.getItem('spectune.token')).toBe('abc123');
    // A reload without the token in the URL still has it.
    expect(readToken()).toBe('abc123');
  });
});

describe('errors from either transport', () => {
  it('keeps code, hint and log tail of the preload’s plain error objects', () => {
    expect(toUiError({ name: 'SpecTuneError', code: 'COMMAND_NOT_FOUND', message: 'vllm not found', hint: 'install vLLM or use the simulator', logTail: ['x'] })).toEqual({
      code: 'COMMAND_NOT_FOUND',
      message: 'vllm not found',
      hint: 'install vLLM or use the simulator',
      logTail: ['x'],
    });
  });

  it('strips Electron’s "Error invoking remote method" prefix', () => {
    expect(toUiError(new Error("Error invoking remote method 'spectune:server:start': Error: port 8000 is in use")).message).toBe('port 8000 is in use');
    expect(toUiError('boom')).toEqual({ code: 'UNKNOWN', message: 'boom' });
  });
});
