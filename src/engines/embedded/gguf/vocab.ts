/**
 * The generated models' vocabulary, SentencePiece style (tokenizer.ggml.model
 * "llama"): three special tokens, the 256 byte-fallback tokens `<0x00>`…`<0xFF>`
 * (type 6), so ANY text is encodable, then ordinary pieces (single printable
 * characters and common English words with the `▁` word-start marker) so
 * ordinary prompts tokenize into pieces rather than bytes.
 */

/** llama.cpp `llama_token_type` values. */
export const TokenType = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;

const WORDS = `the of and to a in is it you that he was for on are with as I his they be at one have this from or had by
not word but what some we can out other were all there when up use your how said an each she which do their time if will way
about many then them write would like so these her long make thing see him two has look more day could go come did number
sound no most people my over know water than call first who may down side been now find any new work part take get place made
live where after back little only round man year came show every good me give our under name very through just form sentence
great think say help low line differ turn cause much mean before move right boy old too same tell does set three want air well
also play small end put home read hand port large spell add even land here must big high such follow act why ask men change went
light kind off need house picture try us again animal point mother world near build self earth father model token draft speed
test fast slow server decode speculative accept reject engine llama tune`.split(/\s+/);

export interface Vocabulary {
  tokens: string[];
  scores: number[];
  types: number[];
}

export function buildVocabulary(): Vocabulary {
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TokenType.unknown, TokenType.control, TokenType.control];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TokenType.byte);
  }
  const pieces = new Set<string>(['▁']);
  // Printable ASCII except space (SentencePiece writes a space as ▁).
  for (let c = 33; c < 127; c++) pieces.add(String.fromCharCode(c));
  for (const w of WORDS) {
    pieces.add(`▁${w}`);
    pieces.add(w);
  }
  for (const p of pieces) {
    tokens.push(p);
    types.push(TokenType.normal);
  }
  // SentencePiece merges the highest-scoring pair first: longer pieces score higher,
  // so a word known whole becomes one token.
  const scores = tokens.map((t, i) => (types[i] === TokenType.normal ? -1000 + 10 * [...t].length - i / 10000 : 0));
  return { tokens, scores, types };
}
