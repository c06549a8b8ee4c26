/**
 * test_results.json, the JSONL log, the server log, events and the printed
 * startup line are made to be kept and shared, so secrets must not land in them:
 *
 * - environment variables with secret-looking names (HF_TOKEN, VLLM_API_KEY, …),
 *   in an environment or as `NAME=value` words (`env VLLM_API_KEY=… vllm serve`);
 * - the values of secret flags in argv (`--api-key K`, `--hf-token=T`, …), with `_`
 *   and `-` alike in their names (vLLM's argparse reads `--api_key` as `--api-key`);
 * - anything that looks like a credential in free text (`hf_…`, `sk-…`, `Bearer …`);
 * - any value known to be a secret (a launch's key, SpecTune's own VLLM_API_KEY),
 *   wherever it appears.
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
/**
 * A variable that holds a secret, by how its name ends, for `NAME=value` words and text
 * (VLLM_API_KEY, HF_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD, api_key; not MAX_NUM_BATCHED_TOKENS).
 */
const SECRET_VAR = /(?:^|_)(?:api_?key|key|token|secret|password|passwd|credentials?|auth)$/i;
/** `NAME=value` as one argv word. */
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;

/** Credential shapes worth catching wherever they appear: Hugging Face, OpenAI-style, bearer headers. */
const CREDENTIAL = /\b(?:hf_[A-Za-z0-9]{6,}|sk-[A-Za-z0-9][A-Za-z0-9_-]{6,})/g;
// Case-sensitive, 8+ characters: the header form, not prose such as "sent as a bearer token".
const BEARER = /\b(Bearer\s+)(?!<redacted>)[A-Za-z0-9._~+/=-]{8,}/g;

/** `$NAME`: a placeholder naming the environment variable that holds the real value. */
const ENV_PLACEHOLDER = /^\$[A-Za-z_][A-Za-z0-9_]*$/;

/** Flag → placeholder for engines that read a secret flag's value from an environment variable. */
export type SecretPlaceholders = Readonly<Record<string, string>>;

/** A flag's name as argparse sees it: case and `_` versus `-` do not matter. */
const flagKey = (flag: string) => flag.toLowerCase().replace(/_/g, '-');

export function isSecretFlag(flag: string): boolean {
  if (!flag.startsWith('--')) return false;
  const name = flagKey(flag);
  return SECRET_FLAGS.has(name) || SECRET_FLAG_END.test(name);
}

/** The variable name of a `NAME=value` word whose NAME holds a secret, else null. */
export function secretAssignment(word: string): { name: string; value: string } | null {
  const m = ASSIGNMENT.exec(word);
  return m && SECRET_VAR.test(m[1]) ? { name: m[1], value: m[2] } : null;
}

/** True for a value redaction produced (`<redacted>`, `$VLLM_API_KEY`). */
export function isPlaceholder(value: string): boolean {
  return value === REDACTED || ENV_PLACEHOLDER.test(value);
}

function looksLikeCredential(value: string): boolean {
  CREDENTIAL.lastIndex = 0;
  return CREDENTIAL.test(value);
}

function placeholderFor(flag: string, placeholders: SecretPlaceholders): string {
  const key = flagKey(flag);
  for (const [f, p] of Object.entries(placeholders)) if (flagKey(f) === key) return p;
  return REDACTED;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces every known secret value in a text, longest first (a secret that contains another goes whole). */
function knownValues(known: readonly string[]): ((text: string) => string) | null {
  const secrets = [...new Set(known)].filter((s) => s.length > 0 && !isPlaceholder(s)).sort((a, b) => b.length - a.length);
  if (!secrets.length) return null;
  const re = new RegExp(secrets.map(escapeRe).join('|'), 'g');
  return (text) => text.replace(re, REDACTED);
}

/**
 * argv with the values of secret flags (`--flag value`, `--flag=value`, `_` or `-`), of
 * `NAME=value` words whose NAME holds a secret, credential-looking words and every `known`
 * secret value replaced. Every other word is returned exactly as it was.
 */
export function redactArgv(argv: readonly string[], placeholders: SecretPlaceholders = {}, known: readonly string[] = []): string[] {
  const scrub = knownValues(known);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const assignment = secretAssignment(word);
    if (eq > 0 && isSecretFlag(word.slice(0, eq))) {
      const value = word.slice(eq + 1);
      out.push(isPlaceholder(value) ? word : `${word.slice(0, eq)}=${placeholderFor(word.slice(0, eq), placeholders)}`);
    } else if (isSecretFlag(word) && i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      const value = argv[++i];
      out.push(word, isPlaceholder(value) ? value : placeholderFor(word, placeholders));
    } else if (assignment) {
      out.push(isPlaceholder(assignment.value) ? word : `${assignment.name}=${REDACTED}`);
    } else {
      const plain = looksLikeCredential(word) ? word.replace(CREDENTIAL, REDACTED) : word;
      out.push(scrub ? scrub(plain) : plain);
    }
  }
  return out;
}

/** Every distinct secret value in argv (values of secret flags and secret `NAME=value` words, credential-looking words). */
export function secretArgValues(argv: readonly string[]): string[] {
  const found = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const assignment = secretAssignment(word);
    if (eq > 0 && isSecretFlag(word.slice(0, eq))) found.add(word.slice(eq + 1));
    else if (isSecretFlag(word) && i + 1 < argv.length && !argv[i + 1].startsWith('--')) found.add(argv[++i]);
    else if (assignment) found.add(assignment.value);
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

/** `--flag value`, `--flag=value`, `--flag "quoted value"` inside a line of text. */
const FLAG_IN_TEXT = /(--[A-Za-z0-9][A-Za-z0-9_-]*)(=|[ \t]+)("[^"\n]*"|'[^'\n]*'|[^\s"']+)/g;
/** `NAME=value` inside text (`env VLLM_API_KEY=…`, Python's `Namespace(api_key='…')`), not part of a flag. */
const ASSIGNMENT_IN_TEXT = /(^|[^\w$-])([A-Za-z_][A-Za-z0-9_]*)=("[^"\n]*"|'[^'\n]*'|[^\s"',;)}\]]+)/g;

/**
 * A redactor for free text (log lines, error messages, shell commands): replaces secret
 * flag values, credential-looking words and every `known` secret value. Compiled once per
 * launch, since the server manager runs it on every log line.
 */
export function textRedactor(known: readonly string[] = [], placeholders: SecretPlaceholders = {}): (text: string) => string {
  const scrub = knownValues(known);
  return (text) => {
    let out = scrub ? scrub(text) : text;
    out = out.replace(FLAG_IN_TEXT, (all, flag: string, sep: string, value: string) => {
      if (!isSecretFlag(flag) || value.startsWith('--')) return all;
      const bare = value.replace(/^(["'])(.*)\1$/, '$2');
      if (isPlaceholder(bare)) return all;
      const placeholder = placeholderFor(flag, placeholders);
      return `${flag}${sep}${ENV_PLACEHOLDER.test(placeholder) && sep !== '=' ? `"${placeholder}"` : placeholder}`;
    });
    out = out.replace(ASSIGNMENT_IN_TEXT, (all, before: string, name: string, value: string) => {
      const bare = value.replace(/^(["'])(.*)\1$/, '$2');
      return SECRET_VAR.test(name) && !isPlaceholder(bare) ? `${before}${name}=${REDACTED}` : all;
    });
    return out.replace(CREDENTIAL, REDACTED).replace(BEARER, `$1${REDACTED}`);
  };
}

const plainText = textRedactor();

/** Free text with secret flag values and credential-looking words replaced (see textRedactor). */
export function redactText(text: string, known: readonly string[] = [], placeholders: SecretPlaceholders = {}): string {
  return known.length === 0 && Object.keys(placeholders).length === 0 ? plainText(text) : textRedactor(known, placeholders)(text);
}

/** The same with a given text redactor (one that knows a run's secret values). */
export function replacerFor(redact: (text: string) => string): (key: string, value: unknown) => unknown {
  return (_key, value) => (typeof value === 'string' ? redact(value) : value);
}

function redactEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, SECRET_NAME.test(k) ? REDACTED : v]));
}

/** Env entries that were redacted are dropped, not launched with the placeholder. */
export function withoutRedacted(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== REDACTED));
}

/** Launch settings as they may be shown or stored: env values and secret argv values (and `known` ones) redacted. */
export function redactServerSettings<T extends { env: Record<string, string>; extraArgs: string[]; command: string[] }>(
  settings: T,
  placeholders: SecretPlaceholders = {},
  known: readonly string[] = [],
): T {
  return {
    ...settings,
    env: redactEnv(settings.env),
    extraArgs: redactArgv(settings.extraArgs, placeholders, known),
    command: redactArgv(settings.command, placeholders, known),
  };
}

export function redactPlan(plan: SweepPlan, placeholders: SecretPlaceholders = {}, known: readonly string[] = []): SweepPlan {
  return plan.server ? { ...plan, server: redactServerSettings(plan.server, placeholders, known) } : plan;
}
