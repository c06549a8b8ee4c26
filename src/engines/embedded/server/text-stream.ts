/**
 * Turns tokens into text pieces as they arrive. A byte token can be half of a
 * UTF-8 character, so a piece that ends in an incomplete character is held
 * back until the character completes (as llama-server does) — or until the end,
 * when whatever is left is flushed as is.
 */
import type { LlamaModel, Token } from 'node-llama-cpp';

/** Longest UTF-8 sequence: after 4 held tokens the bytes are not a character and go out as they are. */
const MAX_HELD = 4;

export class TextStream {
  private held: Token[] = [];
  private readonly previous: Token[];

  /** `context`: the prompt, so the first piece keeps the space a word-start token carries. */
  constructor(
    private readonly model: LlamaModel,
    context: readonly Token[],
  ) {
    this.previous = context.slice(-8);
  }

  /** The text this token completes ('' while a character is still incomplete). */
  push(token: Token): string {
    this.held.push(token);
    const text = this.model.detokenize(this.held, false, this.previous.slice(-8));
    if (text.endsWith('\uFFFD') && this.held.length < MAX_HELD) return '';
    return this.release(text);
  }

  /** Whatever is still held back. */
  flush(): string {
    if (this.held.length === 0) return '';
    return this.release(this.model.detokenize(this.held, false, this.previous.slice(-8)));
  }

  private release(text: string): string {
    this.previous.push(...this.held);
    this.held = [];
    return text;
  }
}
