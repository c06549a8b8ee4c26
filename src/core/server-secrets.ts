/**
 * Secrets of a launched server, on their way in and out of the server manager.
 *
 * Out: state events and log lines are shown in the UI, streamed to the browser
 * and quoted in errors and reports, so they carry redacted settings and log text
 * (every secret value this launch knows is scrubbed, whatever line prints it —
 * vLLM itself logs its "non-default args", api_key included).
 *
 * In: settings that come back from that redacted view (the Servers form, a
 * report's "Apply") hold placeholders. They are filled from the last launch's real
 * values, or from the environment variable a `$NAME` placeholder names; a secret
 * flag that cannot be filled is refused rather than launched with the placeholder
 * (or silently without its key, which would leave the server open).
 */
import { SpecTuneError } from '../shared/errors';
import {
  isPlaceholder,
  isSecretFlag,
  REDACTED,
  redactServerSettings,
  secretArgValues,
  secretAssignment,
  secretEnvValues,
  textRedactor,
} from '../shared/redact';
import type { ServerSettings, ServerSettingsInput } from '../shared/schemas';
import { placeholdersFor } from '../engines';

/** Settings as state events, the UI and reports may show them. */
export function shownSettings(settings: ServerSettings): ServerSettings {
  return redactServerSettings(settings, placeholdersFor(settings.engine));
}

/**
 * Every secret value a launch (or an attached sweep) knows: its secret argv values (flags and
 * NAME=value words), its env's, and SpecTune's own (VLLM_API_KEY, HF_TOKEN: a launched server
 * inherits them and may print them; the sweep sends the key). Redacted wherever they appear.
 */
export function knownSecrets(settings: Pick<ServerSettings, 'command' | 'extraArgs' | 'env'> | null | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  return [...(settings ? [...secretArgValues([...settings.command, ...settings.extraArgs]), ...secretEnvValues(settings.env)] : []), ...secretEnvValues(env)];
}

/** Redacts a launch's log lines: every secret value it knows (knownSecrets), secret flags, credential shapes. */
export function launchLogRedactor(settings: ServerSettings, env: NodeJS.ProcessEnv = process.env): (line: string) => string {
  return textRedactor(knownSecrets(settings, env), placeholdersFor(settings.engine));
}

const sameFlag = (a: string, b: string) => a.toLowerCase().replace(/_/g, '-') === b.toLowerCase().replace(/_/g, '-');

/** The value of `flag` in argv (`--flag v` or `--flag=v`, `_` or `-`), or undefined. */
function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf('=');
    if (sameFlag(argv[i], flag) && i + 1 < argv.length) return argv[i + 1];
    if (eq > 0 && sameFlag(argv[i].slice(0, eq), flag)) return argv[i].slice(eq + 1);
  }
  return undefined;
}

/** The value of a `NAME=value` word in argv, or undefined. */
function assignedValue(argv: readonly string[], name: string): string | undefined {
  for (const word of argv) if (word.startsWith(`${name}=`)) return word.slice(name.length + 1);
  return undefined;
}

function fill(flag: string, placeholder: string, previous: readonly string[], env: NodeJS.ProcessEnv, name?: string): string {
  const before = name !== undefined ? assignedValue(previous, name) : flagValue(previous, flag);
  if (before !== undefined && !isPlaceholder(before)) return before;
  const variable = placeholder.startsWith('$') ? placeholder.slice(1) : name;
  const fromEnv = variable !== undefined ? env[variable] : undefined;
  if (fromEnv) return fromEnv;
  throw new SpecTuneError('INVALID_INPUT', `${flag} holds the placeholder ${placeholder}, not its value (secrets are never stored or shown)`, {
    hint: variable !== undefined ? `set ${variable} in SpecTune's environment, or type the value of ${flag} again` : `type the value of ${flag} again`,
  });
}

/** argv with placeholder values of secret flags replaced by real ones (see the file comment). */
export function restoreSecretArgs(argv: readonly string[], previous: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const assignment = secretAssignment(word);
    if (eq > 0 && isSecretFlag(word.slice(0, eq)) && isPlaceholder(word.slice(eq + 1))) {
      out.push(`${word.slice(0, eq)}=${fill(word.slice(0, eq), word.slice(eq + 1), previous, env)}`);
    } else if (isSecretFlag(word) && i + 1 < argv.length && isPlaceholder(argv[i + 1])) {
      out.push(word, fill(word, argv[++i], previous, env));
    } else if (assignment && isPlaceholder(assignment.value)) {
      // `env VLLM_API_KEY=<redacted> …`: the previous launch's value, else the variable of that name.
      out.push(`${assignment.name}=${fill(`${assignment.name}=`, assignment.value, previous, env, assignment.name)}`);
    } else out.push(word);
  }
  return out;
}

/**
 * Input settings with placeholders filled: argv from the previous launch or the environment,
 * env entries from the previous launch or else dropped (the server then inherits SpecTune's own).
 */
export function restoreSecrets<T extends ServerSettingsInput>(input: T, previous: ServerSettings | null, env: NodeJS.ProcessEnv = process.env): T {
  const prevEnv = previous?.env ?? {};
  const inputEnv = input.env ?? {};
  const restoredEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputEnv)) {
    if (v !== REDACTED) restoredEnv[k] = v;
    else if (prevEnv[k] !== undefined && prevEnv[k] !== REDACTED) restoredEnv[k] = prevEnv[k];
  }
  return {
    ...input,
    ...(input.env ? { env: restoredEnv } : {}),
    ...(input.extraArgs ? { extraArgs: restoreSecretArgs(input.extraArgs, previous?.extraArgs ?? [], env) } : {}),
    ...(input.command ? { command: restoreSecretArgs(input.command, previous?.command ?? [], env) } : {}),
  };
}
