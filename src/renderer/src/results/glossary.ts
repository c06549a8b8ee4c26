/**
 * Every term the Results screen uses, in one sentence a newcomer understands. The same words
 * feed the hover/focus explanations (Term) and the glossary at the bottom of the screen, so
 * the two cannot disagree.
 */
export const GLOSSARY = {
  k: {
    term: 'k (draft tokens)',
    text: 'How many tokens a small, fast draft guesses ahead before the big model checks them in one step. k = 0 means no guessing.',
  },
  baseline: {
    term: 'No spec (baseline)',
    text: 'The server without speculation (k = 0). Every speedup is measured against it, on the same prompts.',
  },
  tokps: {
    term: 'tok/s',
    text: 'Tokens per second: how fast the answer is written. Higher is better. The median of all requests of a configuration.',
  },
  speedup: {
    term: 'Speedup',
    text: 'How much faster than the baseline, on the same prompts: +50% means 1.5× the tokens per second.',
  },
  interval: {
    term: '95% interval (CI)',
    text: 'The range the true value very likely lies in, given how much repeated runs varied. Narrow means sure. It is computed per prompt, so a slow prompt next to a fast one does not widen it.',
  },
  spread: {
    term: 'Spread (p10–p90)',
    text: 'How far single requests land across all prompt types: 80% of requests ran between these speeds. It describes the prompt mix, not how sure the median is.',
  },
  ties: {
    term: 'Within noise',
    text: 'As fast as the fastest configuration as far as the measurements can tell (its interval includes no gain, or the gap is under 1%). Among those, the smaller k is kept: it drafts less and uses less memory for the same speed.',
  },
  acceptance: {
    term: 'Acceptance',
    text: 'The share of drafted tokens the big model accepted. High acceptance means the draft guesses well, so larger k can pay off.',
  },
  ttft: {
    term: 'TTFT',
    text: 'Time to first token: how long until the answer starts appearing. Speculation mostly speeds up what follows, not this.',
  },
  confidence: {
    term: 'Confidence',
    text: 'How sure the recommendation is: high when the gain held clearly across repeats, medium when likely, low when the runs varied too much to tell.',
  },
  alpha: {
    term: 'α (alpha)',
    text: 'The chance the big model accepts each drafted token, estimated from the acceptance that was measured. It sets how far guessing ahead can pay.',
  },
  leviathan: {
    term: 'Leviathan et al., 2023',
    text: 'The paper that introduced speculative decoding ("Fast Inference from Transformers via Speculative Decoding"). Its formula predicts the best k from α and the draft’s cost.',
  },
} as const;

export type GlossaryKey = keyof typeof GLOSSARY;
