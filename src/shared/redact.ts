/**
 * test_results.json, the JSONL log, the server log, events and the printed
 * startup line are made to be kept and shared, so secrets must not land in them:
 *
 * - environment variables with secret-looking names (HF_TOKEN, VLLM_API_KEY, …);
 * - the values of secret flags in argv (`--api-key K`, `--hf-token=T`, …);
 * - anything that looks like a credential in free text (`hf_…`, `sk-…`, `Bearer …`).
 *
 * Only what leaves the process is redacted: the launched server still gets the
 * real argv and environment. A redacted flag value becomes a placeholder — the
 * environment variable the engine reads that key from (`$VLLM_API_KEY`), which a
 * shell expands in the copied command, or `<redacted>` when there is none.
 */
import type { SweepPlan } from './schemas';

export const REDACTED = '<redacted>';
const SECRET_NAME = /TOKEN|KEY|SECRET|PASSW|CREDENTIAL|AUTH/i;

/** Secret flags by exact name, and by how the name ends (singular `-token`: `--num-draft-tokens` is not one). */
const SECRET_FLAGS = new Set(['--api-key', '--hf-token', '--token']);
const SECRET_FLAG_END = /-(?:api-key|key|token|secret|password)$/;

/** Credential shapes worth catching wherever they appear: Hugging Face, OpenAI-style, bearer headers. */
const CREDENTIAL = /\b(?:hf_[A-Za-z0-9]{6,}|sk-[A-Za-z0-9][A-Za-z0-9_-]{6,})/g;
// Case-sensitive, 8+ characters: the header form, not prose such as "sent as a bearer token".
const BEARER = /\b(Bearer\s+)(?!<redacted>)[A-Za-z0-9._~+/=-]{8,}/g;

/** `$NAME`: a placeholder naming the environment variable that holds the real value. */
const ENV_PLACEHOLDER = /^\$[A-Za-z_][A-Za-z0-9_]*$/;

/** Flag → placeholder for engines that read a secret flag's value from an environment variable. */
export type SecretPlaceholders = Readonly<Record<string, string>>;

export function isSecretFlag(flag: string): boolean {
  if (!flag.startsWith('--')) return false;
  const name = flag.toLowerCase();
  return SECRET_FLAGS.has(name) || SECRET_FLAG_END.test(name);
}

/** True for a value redaction produced (`<redacted>`, `$VLLM_API_KEY`). */
export function isPlaceholder(value: string): boolean {
  return value === REDACTED || ENV_PLACEHOLDER.test(value);
}

export function looksLikeCredential(value: string): boolean {
  CREDENTIAL.lastIndex = 0;
  return CREDENTIAL.test(value);
}

function placeholderFor(flag: string, placeholders: SecretPlaceholders): string {
  return placeholders[flag.toLowerCase()] ?? REDACTED;
}

/**
 * argv with the values of secret flags (`--flag value` and `--flag=value`) and any
 * credential-looking word replaced. Every other word is returned exactly as it was.
 */
export function redactArgv(argv: readonly string[], placeholders: SecretPlaceholders = {}): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    if (eq > 0 && isSecretFlag(word.slice(0, eq))) {
      const value = word.slice(eq + 1);
      out.push(isPlaceholder(value) ? word : `${word.slice(0, eq)}=${placeholderFor(word.slice(0, eq), placeholders)}`);
    } else if (isSecretFlag(word) && i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      const value = argv[++i];
      out.push(word, isPlaceholder(value) ? value : placeholderFor(word, placeholders));
    } else {
      out.push(looksLikeCredential(word) ? word.replace(CREDENTIAL, REDACTED) : word);
    }
  }
  return out;
}

/** Every distinct secret value in argv (values of secret flags and credential-looking words). */
export function secretArgValues(argv: readonly string[]): string[] {
  const found = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    if (eq > 0 && isSecretFlag(word.slice(0, eq))) found.add(word.slice(eq + 1));
    else if (isSecretFlag(word) && i + 1 < argv.length && !argv[i + 1].startsWith('--')) found.add(argv[++i]);
    else for (const m of word.match(CREDENTIAL) ?? []) found.add(m);
  }
  return [...found].filter((v) => v !== '' && !isPlaceholder(v));
}

/** Values of secret-named variables in an environment, for redactText's `known`. */
export function secretEnvValues(env: Readonly<Record<string, string | undefined>>): string[] {
  // Very short values ("1", "yes") would blank out unrelated text; real secrets are longer.
  return Object.entries(env)
    .filter(([k, v]) => SECRET_NAME.test(k) && typeof v === 'string' && v.length >= 6 && !isPlaceholder(v))
    .map(([, v]) => v as string);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `--flag value`, `--flag=value`, `--flag "quoted value"` inside a line of text. */
const FLAG_IN_TEXT = /(--[A-Za-z0-9][A-Za-z0-9_-]*)(=|[ \t]+)("[^"\n]*"|'[^'\n]*'|[^\s"']+)/g;

/**
 * A redactor for free text (log lines, error messages, shell commands): replaces secret
 * flag values, credential-looking words and every `known` secret value. Compiled once per
 * launch, since the server manager runs it on every log line.
 */
export function textRedactor(known: readonly string[] = [], placeholders: SecretPlaceholders = {}): (text: string) => string {
  // Longest first, so a secret that contains another is replaced whole.
  const secrets = [...new Set(known)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  const knownRe = secrets.length ? new RegExp(secrets.map(escapeRe).join('|'), 'g') : null;
  return (text) => {
    let out = knownRe ? text.replace(knownRe, REDACTED) : text;
    out = out.replace(FLAG_IN_TEXT, (all, flag: string, sep: string, value: string) => {
      if (!isSecretFlag(flag) || value.startsWith('--')) return all;
      const bare = value.replace(/^(["'])(.*)\1$/, '$2');
      if (isPlaceholder(bare)) return all;
      const placeholder = placeholderFor(flag, placeholders);
      return `${flag}${sep}${ENV_PLACEHOLDER.test(placeholder) && sep !== '=' ? `"${placeholder}"` : placeholder}`;
    });
    return out.replace(CREDENTIAL, REDACTED).replace(BEARER, `$1${REDACTED}`);
  };
}

const plainText = textRedactor();

/** Free text with secret flag values and credential-looking words replaced (see textRedactor). */
export function redactText(text: string, known: readonly string[] = [], placeholders: SecretPlaceholders = {}): string {
  return known.length === 0 && Object.keys(placeholders).length === 0 ? plainText(text) : textRedactor(known, placeholders)(text);
}

/** A JSON.stringify replacer that passes every string through redactText (reports, JSONL). */
export function redactingReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? redactText(value) : value;
}

export function redactEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, SECRET_NAME.test(k) ? REDACTED : v]));
}

/** Env entries that were redacted are dropped, not launched with the placeholder. */
export function withoutRedacted(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== REDACTED));
}

/** Launch settings as they may be shown or stored: env values and secret argv values redacted. */
export function redactServerSettings<T extends { env: Record<string, string>; extraArgs: string[]; command: string[] }>(
  settings: T,
  placeholders: SecretPlaceholders = {},
): T {
  return {
    ...settings,
    env: redactEnv(settings.env),
    extraArgs: redactArgv(settings.extraArgs, placeholders),
    command: redactArgv(settings.command, placeholders),
  };
}

export function redactPlan(plan: SweepPlan, placeholders: SecretPlaceholders = {}): SweepPlan {
  return plan.server ? { ...plan, server: redactServerSettings(plan.server, placeholders) } : plan;
}
