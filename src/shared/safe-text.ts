/**
 * Text from outside SpecTune — a server's answers (model ids, versions, error
 * messages, log lines), registry files, prompt labels, reports — on its way to a
 * terminal, a Markdown or HTML export, or the app's log view. A terminal obeys
 * control characters: `ESC ] 0 ; … BEL` retitles it, `ESC [ 2 J` clears it, a bare
 * CR overwrites the line shown. So every control character is made visible
 * instead: C0 controls and DEL as their Unicode control pictures (ESC → ␛, BEL → ␇),
 * C1 controls and the bidirectional overrides (which reorder what a reader sees) as
 * `\uXXXX`. Tabs stay; line ends stay only where the text is meant to span lines.
 */

// eslint-disable-next-line no-control-regex
const CONTROL_ONE_LINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Line ends (LF, CRLF) kept; a CR alone would overwrite the line shown. */
// eslint-disable-next-line no-control-regex
const CONTROL_LINES = /\r(?!\n)|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

export interface VisibleOptions {
  /** Keep line feeds (a multi-line message, a log tail); otherwise they are shown as ␊ too. */
  multiline?: boolean;
}

/** The text with every control character shown, never obeyed (see the file comment). */
export function visibleControls(text: string, opts: VisibleOptions = {}): string {
  return text.replace(opts.multiline ? CONTROL_LINES : CONTROL_ONE_LINE, visible);
}

/**
 * The same for every string inside a value (a report, a probe's answer, a registry listing).
 * Object keys are left as they are: SpecTune prints values.
 */
export function visibleControlsDeep<T>(value: T, opts: VisibleOptions = {}): T {
  if (typeof value === 'string') return visibleControls(value, opts) as T;
  if (Array.isArray(value)) return value.map((v) => visibleControlsDeep(v, opts)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = visibleControlsDeep(v, opts);
    return out as T;
  }
  return value;
}
