/**
 * One vLLM completion, chat or plain, streamed or not: admitted to the batch
 * (--max-num-seqs; beyond it a request waits with its TTFT clock running),
 * played back through the shared timing model, and written the way vLLM writes
 * it — tokens accepted in one verification step leave in ONE SSE chunk.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { nowMs } from '../../clock';
import { prepareGeneration, type Generation } from '../../generation';
import { drive } from '../../playback';
import { admitWhileConnected, type Slots } from '../../slots';
import { sendJson, sseEvent, SSE_DONE } from '../respond';
import type { Logger } from './log';
import type { FinishedReason, SimMetrics } from './metrics';
import { VLLM_JSON } from './openai';
import type { SimOptions } from './options';
import type { PreparedRequest } from './request-parse';

/** What a completion needs from the API server. */
export interface CompletionContext {
  opts: SimOptions;
  log: Logger;
  metrics: SimMetrics;
  batch: Slots;
  /** A completion finished and its response is fully written. */
  onCompleted(): void;
}

/** The server's own truth about one request, sent beside the final usage. */
interface SimTiming {
  received_ms: number;
  first_token_ms: number;
  last_token_ms: number;
  completion_tokens: number;
  steps: number;
  draft_tokens: number;
  accepted_tokens: number;
}

/** Waits for a place in the batch, then plays the generation; a client that leaves first is counted as an abort. */
export async function serveCompletion(c: CompletionContext, p: PreparedRequest, res: http.ServerResponse, receivedMs: number, index: number): Promise<void> {
  const a = new CompletionAnswer(p, prepareGeneration(p.input, c.opts, index));
  if (!c.opts.disableLogRequests) c.log.info('logger.py:43', receivedLine(a.id, p));
  c.metrics.promptTokens += a.gen.promptTokens;
  c.metrics.waiting++;
  const release = await admitWhileConnected(c.batch, res);
  c.metrics.waiting--;
  if (!release) {
    c.metrics.success.abort++;
    logAborted(c, a.id);
    return;
  }
  play(c, a, res, receivedMs, release);
}

function receivedLine(id: string, p: PreparedRequest): string {
  const i = p.input;
  return (
    `Received request ${id}: prompt: ${JSON.stringify(i.prompt.slice(0, 200))}, params: SamplingParams(n=1, temperature=${i.temperature}, ` +
    `seed=${i.seed ?? 'None'}, stop=${JSON.stringify(i.stop)}, ignore_eos=${i.ignoreEos ? 'True' : 'False'}, max_tokens=${i.maxTokens ?? 'None'}), prompt_token_ids: [${i.promptTokens} tokens]`
  );
}

function logAborted(c: CompletionContext, id: string): void {
  if (!c.opts.disableLogRequests) c.log.info('async_llm.py:420', `Aborted request ${id}.`);
}

function play(c: CompletionContext, a: CompletionAnswer, res: http.ServerResponse, receivedMs: number, release: () => void): void {
  const { metrics } = c;
  metrics.running++;
  const timing: SimTiming = { received_ms: receivedMs, first_token_ms: 0, last_token_ms: 0, completion_tokens: a.gen.completionTokens, steps: 0, draft_tokens: 0, accepted_tokens: 0 };
  let finished = false;
  const finish = (reason: FinishedReason) => {
    if (finished) return;
    finished = true;
    metrics.running--;
    release();
    metrics.success[reason]++;
    if (reason !== 'abort') metrics.e2e.observe((nowMs() - receivedMs) / 1000);
  };
  res.on('close', () => {
    if (finished) return;
    driver.cancel();
    finish('abort');
    logAborted(c, a.id);
  });
  if (a.p.stream) res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  let emitted = 0;
  let collected = '';
  const driver = drive(a.gen, c.opts, metrics, {
    emit(text, tokens, isLast) {
      const t = nowMs();
      if (emitted === 0) {
        timing.first_token_ms = t;
        metrics.ttft.observe((t - receivedMs) / 1000);
      }
      timing.last_token_ms = t;
      timing.steps++;
      emitted += tokens;
      collected += text;
      if (a.p.stream) a.streamTokens(res, text, tokens, emitted, isLast);
    },
    step(drafted, accepted) {
      timing.draft_tokens += drafted;
      timing.accepted_tokens += accepted;
    },
    done() {
      finish(a.gen.finishReason);
      if (a.p.stream) {
        if (a.p.includeUsage) sseEvent(res, { ...a.chunkHead(), choices: [], usage: a.usage(emitted), sim_timing: timing });
        res.end(SSE_DONE, () => c.onCompleted());
      } else sendJson(res, 200, a.body(collected, emitted, timing), VLLM_JSON, () => c.onCompleted());
    },
  });
}

/** A completion's chunks and body in vLLM's shapes. */
class CompletionAnswer {
  readonly id: string;
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    readonly p: PreparedRequest,
    readonly gen: Generation,
  ) {
    this.id = `${p.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`;
  }

  usage(completion: number) {
    return { prompt_tokens: this.gen.promptTokens, total_tokens: this.gen.promptTokens + completion, completion_tokens: completion };
  }

  chunkHead() {
    return { id: this.id, object: this.p.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: this.created, model: this.p.model };
  }

  private choice(text: string, finishReason: string | null, first: boolean) {
    const stop = this.gen.stopReason;
    if (this.p.kind !== 'chat') return { index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: finishReason ? stop : null };
    return { index: 0, delta: first ? { role: 'assistant', content: text } : { content: text }, logprobs: null, finish_reason: finishReason, ...(finishReason ? { stop_reason: stop } : {}) };
  }

  /** The chunk for the tokens one step accepted; vLLM opens a chat stream with the role in an empty-content chunk that, with continuous usage, counts no tokens yet. */
  streamTokens(res: http.ServerResponse, text: string, tokens: number, emitted: number, isLast: boolean): void {
    const usage = (n: number) => (this.p.continuousUsage ? { usage: this.usage(n) } : {});
    if (this.p.kind === 'chat' && emitted === tokens) sseEvent(res, { ...this.chunkHead(), choices: [this.choice('', null, true)], ...usage(0) });
    sseEvent(res, { ...this.chunkHead(), choices: [this.choice(text, isLast ? this.gen.finishReason : null, false)], ...usage(emitted) });
  }

  body(text: string, emitted: number, timing: SimTiming) {
    const { gen, p } = this;
    const head = { id: this.id, object: p.kind === 'chat' ? 'chat.completion' : 'text_completion', created: this.created, model: p.model };
    if (p.kind === 'chat') {
      const message = { role: 'assistant', content: text, tool_calls: [] };
      return { ...head, choices: [{ index: 0, message, logprobs: null, finish_reason: gen.finishReason, stop_reason: gen.stopReason }], usage: this.usage(emitted), prompt_logprobs: null, sim_timing: timing };
    }
    return { ...head, choices: [{ index: 0, text, logprobs: null, finish_reason: gen.finishReason, stop_reason: gen.stopReason, prompt_logprobs: null }], usage: this.usage(emitted), sim_timing: timing };
  }
}
