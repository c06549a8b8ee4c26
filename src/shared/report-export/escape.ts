/**
 * Escaping for text from a report. A report is untrusted input (a model name, a prompt
 * label or an error message can hold markup), so every string goes through here on its
 * way into HTML or SVG, in text and in attributes alike.
 */
import { visibleControls } from '../safe-text';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Markup escaped, and control characters made visible: an export may be printed on a terminal (`report --format html`). */
export function escapeHtml(value: unknown): string {
  return visibleControls(String(value ?? ''), { multiline: true }).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}
