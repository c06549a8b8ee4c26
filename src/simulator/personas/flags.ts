/**
 * A small command-line tokeniser shared by the engine personas. Each persona
 * passes its own flag table (built per impersonated build or version), so an
 * unknown or removed flag fails the way that engine fails: llama.cpp exits 1
 * with "error: invalid argument: X", argparse (mlx_lm) exits 2 with a usage line.
 */

export type FlagKind = 'value' | 'bool';

/** A command-line problem: `message` is printed to stderr as is, then the process exits with `exitCode`. */
export class PersonaArgError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'PersonaArgError';
  }
}

export interface ParsedFlags {
  positionals: string[];
  /** Canonical flag name → value (`true` for a boolean flag). The last occurrence wins. */
  flags: Map<string, string | true>;
}

export interface FlagTable {
  /** Canonical names and their kinds. */
  kinds: Record<string, FlagKind>;
  /** Other spellings → canonical name (e.g. `-m` → `--model`). */
  aliases?: Record<string, string>;
  /**
   * Called for a word that looks like a flag but is in neither table. Throw to
   * fail at once (llama.cpp); return to keep going (argparse reports all extras).
   */
  unknown(word: string): void;
  /** Called when a value flag is last on the line; must throw. */
  missingValue(flag: string): never;
}

const isFlagWord = (w: string): boolean => /^--?[A-Za-z]/.test(w);

export function tokeniseFlags(argv: readonly string[], table: FlagTable): ParsedFlags {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (!isFlagWord(word)) {
      positionals.push(word);
      continue;
    }
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    const written = eq > 0 ? word.slice(0, eq) : word;
    const inline = eq > 0 ? word.slice(eq + 1) : undefined;
    const name = table.aliases?.[written] ?? written;
    const kind = table.kinds[name];
    if (!kind) {
      table.unknown(written);
      positionals.push(word);
      continue;
    }
    if (kind === 'bool') {
      flags.set(name, true);
    } else if (inline !== undefined) {
      flags.set(name, inline);
    } else if (i + 1 < argv.length) {
      flags.set(name, argv[++i]);
    } else {
      table.missingValue(written);
    }
  }
  return { positionals, flags };
}

/** The flag's value as a string, or undefined when absent (a boolean flag reads as undefined). */
export function flagValue(p: ParsedFlags, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}
