/**
 * The one failure policy both measurement paths use, rule by rule: a 4xx before
 * the configuration answered is a refusal; a lost connection to a launched
 * server waits for the launcher's crash report (and is then not a failed
 * request); an attached server failing three times in a row is probed, and a
 * gone one ends the configuration; a cancel records nothing.
 */
import { describe, expect, it } from 'vitest';
import { CRASH_NOTICE_MS, FailurePolicy, type PolicyContext } from '../src/core/sweep/failure-policy';
import { SpecTuneError } from '../src/shared/errors';
import { freePort } from './helpers/processes';

const http = (status: number) => new SpecTuneError('HTTP_ERROR', `HTTP ${status} from http://127.0.0.1:1/v1/chat/completions: draft vocabulary differs`);
const reset = () => new SpecTuneError('CONNECT_FAILED', 'connection reset');

function policy(extra: Partial<PolicyContext> = {}): { policy: FailurePolicy; abort: AbortController } {
  const abort = new AbortController();
  const p = new FailurePolicy({ label: 'LM Studio', baseUrl: 'http://127.0.0.1:9', launched: false, abort: abort.signal, crashed: () => null, answered: false, ...extra });
  return { policy: p, abort };
}

describe('failure policy', () => {
  it('a 4xx before any answer refuses the configuration; after an answer it is one failed request', async () => {
    const first = policy();
    expect(await first.policy.failed(http(400))).toBe(true);
    expect(first.policy.verdict).toBe('LM Studio refused this configuration: HTTP 400 from http://127.0.0.1:1/v1/chat/completions: draft vocabulary differs');
    expect(first.policy.stopped()).toBe(true);

    const later = policy();
    later.policy.succeeded();
    expect(await later.policy.failed(http(400))).toBe(true);
    expect(later.policy.verdict).toBeNull();
    // A 5xx is the request's own failure, whenever it comes; so is a 4xx on a level that answered before.
    const fiveHundred = policy();
    expect(await fiveHundred.policy.failed(http(500))).toBe(true);
    expect(fiveHundred.policy.verdict).toBeNull();
    const answeredBefore = policy({ answered: true });
    expect(await answeredBefore.policy.failed(http(404))).toBe(true);
    expect(answeredBefore.policy.verdict).toBeNull();
  });

  it('a lost connection to a launched server waits for the crash report, then records nothing and names the crash', async () => {
    let why: string | null = null;
    const { policy: p, abort } = policy({ launched: true, crashed: () => why });
    setTimeout(() => {
      why = 'server exited during the measurements (code 1, signal none)';
      abort.abort();
    }, 300);
    const t0 = performance.now();
    expect(await p.failed(reset())).toBe(false);
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(CRASH_NOTICE_MS);
    expect(p.stopped()).toBe(true);
    expect(p.verdict).toMatch(/server exited during the measurements/);

    // No crash within the wait: after it, the lost connection is the request's own failure.
    const survived = policy({ launched: true });
    expect(await survived.policy.failed(reset())).toBe(true);
    expect(survived.policy.stopped()).toBe(false);
    // An attached server has no launcher to wait for: recorded at once.
    const attached = policy();
    const t1 = performance.now();
    expect(await attached.policy.failed(reset())).toBe(true);
    expect(performance.now() - t1).toBeLessThan(250);
  });

  it('an attached server is probed after three failures in a row, and one that is gone ends the configuration', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { policy: p } = policy({ baseUrl: url });
    for (let i = 0; i < 2; i++) {
      expect(await p.failed(http(500))).toBe(true);
      await p.checkServer();
    }
    expect(p.verdict).toBeNull();
    // An answer in between starts the count again.
    p.succeeded();
    for (let i = 0; i < 2; i++) {
      await p.failed(http(500));
      await p.checkServer();
    }
    expect(p.verdict).toBeNull();
    await p.failed(http(500));
    await p.checkServer();
    expect(p.verdict).toMatch(new RegExp(`the server at ${url} stopped answering`));
    // A launched server is never probed: its launcher reports its end.
    const launched = policy({ baseUrl: url, launched: true });
    for (let i = 0; i < 4; i++) {
      await launched.policy.failed(http(500));
      await launched.policy.checkServer();
    }
    expect(launched.policy.verdict).toBeNull();
  });

  it('a cancel records nothing and gives no verdict', async () => {
    const { policy: p, abort } = policy({ launched: true });
    abort.abort();
    const t0 = performance.now();
    expect(await p.failed(reset())).toBe(false);
    expect(performance.now() - t0).toBeLessThan(250);
    expect(p.verdict).toBeNull();
    expect(p.stopped()).toBe(true);
  });
});
