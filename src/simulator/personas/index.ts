/**
 * `spectune sim <persona> …`: which engine the simulator impersonates, by the
 * first word after `sim`. vLLM (`serve`, `--version`, no persona word) stays in
 * ../cli.ts; these personas share its timing model, text generator and knobs.
 * Each module is imported only when its persona runs, to keep start-up fast.
 */
import { PersonaArgError } from './flags';

const PERSONAS = ['llama-server', 'mlx_lm.server', 'lmstudio', 'ollama'] as const;
export type PersonaId = (typeof PERSONAS)[number];

/** Other spellings a command line may use for a persona word. */
const PERSONA_WORDS: Record<string, PersonaId> = {
  'llama-server': 'llama-server',
  'mlx_lm.server': 'mlx_lm.server',
  'mlx-lm': 'mlx_lm.server',
  mlx_lm: 'mlx_lm.server',
  lmstudio: 'lmstudio',
  'lm-studio': 'lmstudio',
  ollama: 'ollama',
};

export function personaOf(word: string | undefined): PersonaId | null {
  return word !== undefined ? (PERSONA_WORDS[word] ?? null) : null;
}

/** Prints what a persona prints, exits with its code, or serves until a signal ends the process. */
export async function runPersona(persona: PersonaId, argv: readonly string[]): Promise<void> {
  try {
    switch (persona) {
      case 'llama-server': {
        const { parseLlamaArgs } = await import('./llama-args');
        const cmd = parseLlamaArgs(argv);
        // llama.cpp prints its version on stderr, help on stdout.
        if (cmd.kind === 'version') return void process.stderr.write(cmd.text);
        if (cmd.kind === 'help') return void process.stdout.write(cmd.text + '\n');
        const { serveLlama } = await import('./llama-server');
        await serveLlama(cmd.options);
        return;
      }
      case 'mlx_lm.server': {
        const { parseMlxArgs } = await import('./mlx-lm');
        const cmd = parseMlxArgs(argv);
        if (cmd.kind === 'help') return void process.stdout.write(cmd.text);
        const { serveMlx } = await import('./mlx-lm');
        await serveMlx(cmd.options);
        return;
      }
      case 'lmstudio': {
        const { parseLmStudioArgs, serveLmStudio } = await import('./lmstudio');
        const cmd = parseLmStudioArgs(argv);
        if (cmd.kind === 'help') return void process.stdout.write(cmd.text);
        await serveLmStudio(cmd.options);
        return;
      }
      case 'ollama': {
        const { parseOllamaArgs, serveOllama } = await import('./ollama');
        const cmd = parseOllamaArgs(argv);
        if (cmd.kind === 'help') return void process.stdout.write(cmd.text);
        if (cmd.kind === 'version') return void process.stdout.write(cmd.text);
        await serveOllama(cmd.options);
        return;
      }
    }
  } catch (err) {
    if (err instanceof PersonaArgError) {
      process.stderr.write(err.message + '\n');
      process.exit(err.exitCode);
    }
    throw err;
  }
}
