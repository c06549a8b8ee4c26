/** The vLLM persona's command-line problems, and reading a flag's value as text. */

/** A command-line problem; exitCode 2 mirrors argparse, 1 a start-up failure. */
export class SimArgError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'SimArgError';
  }
}

/** A flag's value as one string (the first of several); undefined when absent or boolean. */
export function flagString(v: string | boolean | string[] | undefined): string | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  return Array.isArray(v) ? v[0] : v;
}
