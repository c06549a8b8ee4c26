/**
 * A plain chat template. The generated models were never trained on any
 * template, and for GGUF files that carry one the measurement only needs the
 * same prompt at every k, so one simple format serves every model.
 */
export interface ChatMessage {
  role: string;
  content: string;
}

export function applyChatTemplate(messages: readonly ChatMessage[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.role === 'system') lines.push(`${m.content}\n`);
    else lines.push(`${capitalise(m.role)}: ${m.content}`);
  }
  lines.push('Assistant:');
  return lines.join('\n');
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}
