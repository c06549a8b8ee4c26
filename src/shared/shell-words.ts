/** Shell words for display and for user-typed argument strings. Launching never uses a shell. */
import { isPlaceholder } from './redact';

/** POSIX shell quoting, for the copy-paste command only (launching never uses a shell). */
export function shellQuote(word: string): string {
  // A redacted secret's placeholder ($VLLM_API_KEY): the shell fills in the user's own value.
  if (isPlaceholder(word) && word.startsWith('$')) return `"${word}"`;
  if (word !== '' && /^[A-Za-z0-9_\/.:=@%+,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A copy-paste startup command, one flag per line like the seed guide's. */
export function formatCommand(argv: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i];
    const next = argv[i + 1];
    if (w.startsWith('--') && next !== undefined && !next.startsWith('--')) {
      parts.push(`${w} ${shellQuote(next)}`);
      i++;
    } else parts.push(shellQuote(w));
  }
  // Keep the command and its positional words on the first line.
  const firstFlag = parts.findIndex((p) => p.startsWith('--'));
  if (firstFlag <= 0) return parts.join(' ');
  return [parts.slice(0, firstFlag).join(' '), ...parts.slice(firstFlag)].join(' \\\n    ');
}

/**
 * Split a user-typed string of extra args ("--enforce-eager --max-num-seqs 8") into words the way
 * a POSIX shell would: quotes may sit inside a word (--speculative-config='{"method": "ngram"}'),
 * backslash escapes outside single quotes. An unclosed quote runs to the end of the text.
 */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      word += end < 0 ? text.slice(i + 1) : text.slice(i + 1, end);
      i = end < 0 ? text.length : end;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < text.length && text[i] !== '"'; i++) {
        // Inside double quotes a backslash only escapes these, as in sh.
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) i++;
        word += text[i];
      }
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) out.push(word);
  return out;
}
