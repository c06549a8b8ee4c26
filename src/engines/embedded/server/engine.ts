/**
 * Loads the target (and draft) model into node-llama-cpp on the CPU and runs
 * one generation at a time.
 */
import { getLlama, LlamaLogLevel, type Llama, type LlamaContext, type LlamaModel, type Token } from 'node-llama-cpp';
import { SpeculativeDecoder, type DecodeStats } from './speculative-decoder';
import { TextStream } from './text-stream';
import type { ServerArgs } from './args';
import type { GenerationRequest } from './request';

/** Without --ctx-size, a real GGUF's training context (often 32k+) would cost far more memory than a benchmark needs. */
const DEFAULT_MAX_CONTEXT = 4096;

export interface Generation {
  text: string;
  stats: DecodeStats;
}

export class EmbeddedEngine {
  private constructor(
    private readonly llama: Llama,
    readonly target: LlamaModel,
    private readonly contexts: LlamaContext[],
    private readonly decoder: SpeculativeDecoder,
    readonly contextSize: number,
  ) {}

  static async load(args: ServerArgs, log: (line: string) => void): Promise<EmbeddedEngine> {
    // build: 'never' — use the prebuilt binary from @node-llama-cpp/linux-x64 or fail; never download or compile.
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn, logger: (_level, msg) => log(msg.trimEnd()) });
    try {
      const target = await llama.loadModel({ modelPath: args.model });
      const contextSize = args.contextSize ?? Math.min(target.trainContextSize, DEFAULT_MAX_CONTEXT);
      // One sequence per context and a fixed thread count: on 2 cores, 4 threads ran ~800x slower.
      const targetContext = await target.createContext({ contextSize, sequences: 1, threads: args.threads });
      const contexts = [targetContext];
      let draftSide = null;
      if (args.draftModel !== null && args.draftMax > 0) {
        const draft = await llama.loadModel({ modelPath: args.draftModel });
        checkSameVocabulary(target, draft);
        const draftContext = await draft.createContext({ contextSize, sequences: 1, threads: args.threads });
        contexts.push(draftContext);
        draftSide = { model: draft, sequence: draftContext.getSequence() };
      }
      const decoder = new SpeculativeDecoder({ model: target, sequence: targetContext.getSequence() }, draftSide, args.draftMax, args.draftPMin);
      return new EmbeddedEngine(llama, target, contexts, decoder, contextSize);
    } catch (err) {
      await llama.dispose().catch(() => {});
      throw err;
    }
  }

  get draftMax(): number {
    return this.decoder.speculative ? this.decoder.draftMax : 0;
  }

  get draftPMin(): number {
    return this.decoder.draftPMin;
  }

  tokenizePrompt(prompt: string): Token[] {
    const bos = this.target.tokens.bos;
    const tokens = this.target.tokenize(prompt, false);
    return bos !== null && this.target.tokens.shouldPrependBosToken ? [bos, ...tokens] : tokens;
  }

  /** Runs one request; onText gets each piece of text as its tokens are accepted. */
  async generate(req: GenerationRequest, onText: (piece: string) => void, isCancelled: () => boolean): Promise<Generation> {
    const promptTokens = this.tokenizePrompt(req.prompt);
    const text = new TextStream(this.target, promptTokens);
    const eos = this.target.tokens.eos;
    const parts: string[] = [];
    const maxTokens = req.maxTokens < 0 ? Number.MAX_SAFE_INTEGER : req.maxTokens;
    const stats = await this.decoder.decode(
      {
        promptTokens,
        maxTokens,
        ignoreEos: req.ignoreEos,
        isCancelled,
        sampling: { temperature: req.temperature, seed: req.seed, topK: req.topK, topP: req.topP, minP: req.minP },
      },
      (token) => {
        // The end-of-sequence token counts as generated (as in llama-server) but has no text.
        if (token === eos && !req.ignoreEos) return;
        const piece = text.push(token);
        if (piece !== '') {
          parts.push(piece);
          onText(piece);
        }
      },
    );
    const rest = text.flush();
    if (rest !== '') {
      parts.push(rest);
      onText(rest);
    }
    return { text: parts.join(''), stats };
  }

  async dispose(): Promise<void> {
    for (const c of this.contexts) await c.dispose().catch(() => {});
    await this.llama.dispose();
  }
}

function checkSameVocabulary(target: LlamaModel, draft: LlamaModel): void {
  const probe = 'The quick brown fox: 123 ✓';
  const a = target.tokenize(probe, false).join(',');
  const b = draft.tokenize(probe, false).join(',');
  if (a !== b || target.tokens.eos !== draft.tokens.eos) {
    throw new Error('the draft model does not share the target model\'s vocabulary: speculative decoding needs the same tokenizer');
  }
}
