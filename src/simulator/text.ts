/**
 * Deterministic synthetic text. The same (prompt, system prompt, seed) always
 * gives the same tokens, so at temperature 0 the output does not depend on k —
 * speculative decoding must never change what the target model says.
 */
import { hash32, mixSeed, prng, type PromptCategory } from './model';

/** Sentence templates per kind of text: {n} noun, {v} verb, {a} adjective from that kind's vocabulary. */
const VOCAB: Record<PromptCategory, { n: string[]; v: string[]; a: string[] }> = {
  code: {
    n: ['function', 'array', 'interval', 'input', 'result', 'loop', 'index', 'type', 'edge case', 'caller', 'test', 'return value'],
    v: ['sorts', 'merges', 'validates', 'returns', 'checks', 'copies', 'extends', 'handles'],
    a: ['sorted', 'empty', 'overlapping', 'typed', 'invalid', 'adjacent', 'final', 'new'],
  },
  technical: {
    n: ['attention layer', 'query vector', 'key matrix', 'softmax', 'head', 'token', 'KV cache', 'sequence', 'dot product', 'decoder', 'embedding', 'context window'],
    v: ['scales', 'projects', 'weights', 'stores', 'reuses', 'combines', 'normalises', 'attends to'],
    a: ['scaled', 'previous', 'parallel', 'learned', 'quadratic', 'cached', 'autoregressive', 'larger'],
  },
  security: {
    n: ['buffer', 'heap chunk', 'pointer', 'bounds check', 'attacker', 'canary', 'allocation', 'length field', 'mitigation', 'patch', 'fuzzer', 'audit'],
    v: ['overwrites', 'corrupts', 'detects', 'randomises', 'validates', 'prevents', 'exposes', 'hardens'],
    a: ['unchecked', 'adjacent', 'randomised', 'non-executable', 'malicious', 'safe', 'vulnerable', 'fixed'],
  },
  creative: {
    n: ['island', 'ferry', 'fishing fleet', 'drone', 'market', 'harbour', 'neighbour', 'radio', 'raft', 'festival', 'tide', 'cooperative'],
    v: ['carries', 'gathers', 'trades', 'signals', 'shares', 'builds', 'welcomes', 'waits for'],
    a: ['small', 'unusual', 'patient', 'stormy', 'clever', 'shared', 'quiet', 'hopeful'],
  },
  other: {
    n: ['answer', 'question', 'example', 'idea', 'reason', 'approach', 'option', 'process', 'context', 'goal', 'plan', 'result'],
    v: ['explains', 'changes', 'supports', 'follows', 'improves', 'shows', 'needs', 'suggests'],
    a: ['simple', 'clear', 'useful', 'different', 'common', 'careful', 'practical', 'better'],
  },
};

const TEMPLATES = [
  'The {a} {n} {v} the {n}.',
  'Each {n} {v} a {a} {n}, so the {n} stays {a}.',
  'First, the {n} {v} every {a} {n}.',
  'Then the {n} {v} the {n} and the {a} {n}.',
  'In practice, a {a} {n} {v} the {n} only once.',
  'This is why the {n} {v} a {a} {n}.',
  'Note that the {a} {n} never {v} the {n}.',
  'As a result, the {n} {v} the {a} {n} quickly.',
];

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

const TOKEN_RE = /\n|[ ]?[A-Za-z_]+|[ ]?\d+|[ ]?[^\sA-Za-z_\d]| +/g;

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

/** The first `count` tokens of the text for one (kind of text, seed). */
export function generateTokens(category: PromptCategory, seed: number, count: number): string[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const vocab = VOCAB[category];
  const out: string[] = [];
  let sentences = 0;
  while (out.length < count) {
    if (category === 'code' && sentences > 0 && sentences % 3 === 0) {
      out.push('\n', '```', 'ts', '\n');
      const from = Math.floor(rand() * 4);
      for (const line of CODE_LINES.slice(from, from + 4 + Math.floor(rand() * 4))) out.push(...tokenize(line), '\n');
      out.push('```', '\n', '\n');
    }
    const sentence = pick(TEMPLATES)
      .replace(/\{([nva])\}/g, (_, slot: 'n' | 'v' | 'a') => pick(vocab[slot]))
      .replace(/\ba ([aeiou])/gi, (m, v: string) => `${m[0]}n ${v}`);
    const lead = out.length === 0 || out[out.length - 1] === '\n' ? '' : ' ';
    out.push(...tokenize(lead + sentence));
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
