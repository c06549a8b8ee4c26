/**
 * Deterministic synthetic text. The same (prompt, system prompt, seed) always
 * gives the same tokens, so at temperature 0 the output does not depend on k —
 * speculative decoding must never change what the target model says.
 */
import { hash32, mixSeed, prng, type PromptCategory } from './model';

const PROSE: Record<PromptCategory, string[]> = {
  code: ['function', 'returns', 'array', 'input', 'sorted', 'interval', 'value', 'type', 'check', 'edge', 'case', 'empty', 'merge', 'loop', 'index', 'result', 'overlap', 'start', 'end', 'validate'],
  technical: ['attention', 'query', 'key', 'value', 'vector', 'matrix', 'softmax', 'layer', 'head', 'token', 'cache', 'decode', 'dimension', 'scaled', 'product', 'sequence', 'model', 'memory', 'compute', 'step'],
  security: ['buffer', 'overflow', 'heap', 'pointer', 'bounds', 'check', 'attacker', 'memory', 'canary', 'layout', 'randomisation', 'mitigation', 'audit', 'input', 'length', 'allocation', 'exploit', 'patch', 'fuzzing', 'sanitizer'],
  creative: ['island', 'ferry', 'boats', 'villagers', 'drone', 'kite', 'market', 'harbour', 'fishermen', 'radio', 'barter', 'bridge', 'raft', 'pigeons', 'supply', 'festival', 'weather', 'cooperative', 'tide', 'neighbours'],
  other: ['system', 'answer', 'question', 'detail', 'example', 'idea', 'result', 'reason', 'approach', 'method', 'point', 'case', 'option', 'change', 'effect', 'process', 'context', 'part', 'goal', 'plan'],
};

const GLUE = ['the', 'a', 'and', 'of', 'to', 'in', 'is', 'that', 'for', 'with', 'each', 'which', 'it', 'this', 'can', 'when', 'by', 'as', 'on', 'then'];

const CODE_LINES = [
  'function mergeIntervals(intervals: Array<[number, number]>): Array<[number, number]> {',
  '  if (!Array.isArray(intervals)) throw new TypeError("intervals must be an array");',
  '  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);',
  '  const result: Array<[number, number]> = [];',
  '  for (const [start, end] of sorted) {',
  '    const last = result[result.length - 1];',
  '    if (last && start <= last[1]) last[1] = Math.max(last[1], end);',
  '    else result.push([start, end]);',
  '  }',
  '  return result;',
  '}',
];

const TOKEN_RE = /\n|[ ]?[A-Za-z_]+|[ ]?\d+|[ ]?[^\sA-Za-z_\d]/g;

/** Splits text into model-like tokens: words with their leading space, digits, punctuation, newlines. */
export function tokenize(text: string): string[] {
  return text.match(TOKEN_RE) ?? [];
}

/** Prompt token count, like a chat template: content tokens plus a few per message. */
export function countPromptTokens(messages: readonly { role: string; content: string }[]): number {
  return messages.reduce((n, m) => n + 4 + tokenize(m.content).length, 3);
}

export function countTextTokens(text: string): number {
  return Math.max(1, tokenize(text).length);
}

/** A lazily extended token stream for one (category, seed). */
export function generateTokens(category: PromptCategory, seed: number, count: number): string[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const out: string[] = [];
  let sentences = 0;
  while (out.length < count) {
    if (category === 'code' && sentences > 0 && sentences % 3 === 0) {
      out.push('\n', '```', 'ts', '\n');
      const from = Math.floor(rand() * 4);
      for (const line of CODE_LINES.slice(from, from + 4 + Math.floor(rand() * 4))) out.push(...tokenize(line), '\n');
      out.push('```', '\n', '\n');
    }
    const words = 6 + Math.floor(rand() * 11);
    for (let w = 0; w < words; w++) {
      let word = rand() < 0.45 ? pick(GLUE) : pick(PROSE[category]);
      if (w === 0) word = word[0].toUpperCase() + word.slice(1);
      out.push(out.length === 0 || out[out.length - 1].endsWith('\n') ? word : ' ' + word);
      if (w > 2 && w < words - 2 && rand() < 0.1) out.push(',');
    }
    out.push('.');
    sentences++;
    if (sentences % 4 === 0) out.push('\n', '\n');
  }
  return out.slice(0, count);
}

/** Seed for a request's text: at temperature 0 only the conversation matters. */
export function textSeed(prompt: string, system: string, temperature: number, seed: number | undefined): number {
  const conv = hash32(prompt + '\u0000' + system);
  if (temperature <= 0) return conv;
  return mixSeed(conv, seed ?? Math.floor(Math.random() * 2 ** 31), Math.round(temperature * 1000));
}

/**
 * Applies stop strings: returns how many tokens are generated (the one that
 * completes a stop string included, as vLLM counts it) and the visible text.
 */
export function applyStop(tokens: readonly string[], stop: readonly string[]): { count: number; text: string; stopped: string | null } {
  const full = tokens.join('');
  if (stop.length === 0) return { count: tokens.length, text: full, stopped: null };
  let cut = -1;
  let which: string | null = null;
  for (const s of stop) {
    if (!s) continue;
    const at = full.indexOf(s);
    if (at >= 0 && (cut < 0 || at < cut)) {
      cut = at;
      which = s;
    }
  }
  if (cut < 0 || which === null) return { count: tokens.length, text: full, stopped: null };
  let len = 0;
  let count = 0;
  while (count < tokens.length && len < cut + which.length) len += tokens[count++].length;
  return { count, text: full.slice(0, cut), stopped: which };
}
