/**
 * The tail of a server's log: a fixed-size ring of lines, so a server that logs
 * for days costs the same memory as one that just started.
 */
import type { LogLine } from '../shared/schemas';
import { visibleControls } from '../shared/safe-text';

const MAX_LINE_CHARS = 4000;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/**
 * What a terminal would show for one raw line: progress bars (tqdm) redraw with
 * '\r', so only the last segment counts; colour codes go; any other control
 * character (a title-setting OSC, a bell) is made visible; runaway lines are cut.
 */
export function cleanLine(raw: string): string {
  const segments = raw.split('\r').filter((s) => s.length > 0);
  let line = visibleControls((segments[segments.length - 1] ?? '').replace(ANSI, ''));
  if (line.length > MAX_LINE_CHARS) line = `${line.slice(0, MAX_LINE_CHARS)}… (${line.length - MAX_LINE_CHARS} more characters)`;
  return line;
}

export class LineRing {
  private readonly buf: LogLine[] = [];
  private start = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a whole number ≥ 1');
  }

  push(line: LogLine): void {
    if (this.buf.length < this.capacity) this.buf.push(line);
    else {
      this.buf[this.start] = line;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The last n lines, oldest first. */
  tail(n = this.capacity): LogLine[] {
    const ordered = this.start === 0 ? this.buf.slice() : [...this.buf.slice(this.start), ...this.buf.slice(0, this.start)];
    return n >= ordered.length ? ordered : ordered.slice(ordered.length - Math.max(0, n));
  }

  clear(): void {
    this.buf.length = 0;
    this.start = 0;
  }
}

/** A line longer than the splitter's cap: the sender is not speaking a line protocol (or is hostile). */
export class LineTooLongError extends Error {
  constructor(readonly maxChars: number) {
    super(`a line longer than ${maxChars} characters`);
    this.name = 'LineTooLongError';
  }
}

/**
 * Cuts streamed text at its last line end and holds the unfinished line, so a line parser
 * only ever sees whole lines. The unfinished line has a cap: a sender that never ends its
 * line would otherwise grow it without limit (and a parser that rescans it on every write
 * would spin). Only the new text is searched for line ends, never what is held.
 */
export class LineSplitter {
  private held = '';

  constructor(readonly maxLineChars: number) {}

  /** Whole lines (with their line ends) completed by this text, or '' when none is. Throws LineTooLongError. */
  push(text: string): string {
    // A CR as the very last character may be the first half of a CRLF: hold it with the rest.
    let cut = text.lastIndexOf('\n');
    const cr = text.lastIndexOf('\r', text.length - 2);
    if (cr > cut) cut = cr;
    if (cut < 0) {
      this.held += text;
      if (this.held.length > this.maxLineChars) throw new LineTooLongError(this.maxLineChars);
      return '';
    }
    const firstEnd = Math.min(...[text.indexOf('\n'), text.indexOf('\r')].filter((i) => i >= 0));
    if (this.held.length + firstEnd > this.maxLineChars) throw new LineTooLongError(this.maxLineChars);
    const whole = this.held + text.slice(0, cut + 1);
    this.held = text.slice(cut + 1);
    if (this.held.length > this.maxLineChars) throw new LineTooLongError(this.maxLineChars);
    return whole;
  }

  /** What is left when the text ends (a last line without a line end). */
  rest(): string {
    const r = this.held;
    this.held = '';
    return r;
  }
}
