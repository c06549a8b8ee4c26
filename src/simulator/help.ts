/**
 * What `spectune sim --help` lists, and the `sim` line of `spectune --help`:
 * one line per persona word (the engine it impersonates) and `gguf`.
 */
export interface SimCommand {
  /** The word after `sim`. */
  word: string;
  /** What follows it in the usage line. */
  args: string;
  what: string;
}

export const SIM_COMMANDS: readonly SimCommand[] = [
  { word: 'serve', args: 'MODEL [vllm flags]', what: 'vLLM (`vllm serve`); also `spectune sim --version` and the old `--model MODEL` form' },
  { word: 'llama-server', args: '[flags]', what: "llama.cpp's llama-server (--sim-build picks the flag generation)" },
  { word: 'mlx_lm.server', args: '[flags]', what: "Apple MLX's mlx_lm.server (argparse flags, per-request draft settings)" },
  { word: 'lmstudio', args: '--model M [flags]', what: "LM Studio's local server, as a user runs it (attached)" },
  { word: 'ollama', args: '[serve] --model M [flags]', what: '`ollama serve`, as a user runs it (attached)' },
  { word: 'gguf', args: '--out DIR [flags]', what: 'not a server: writes a tiny GGUF model pair for the embedded engine (node-llama-cpp)' },
];

const column = Math.max(...SIM_COMMANDS.map((c) => `${c.word} ${c.args}`.length)) + 2;

export const SIM_HELP = `usage: spectune sim <persona> [flags]   (a stand-in server per engine dialect; no model is loaded, no GPU is needed)

Personas and commands (\`spectune sim <word> --help\` lists the flags each takes, its engine's own plus --sim-* knobs):
${SIM_COMMANDS.map((c) => `  ${`${c.word} ${c.args}`.padEnd(column)}${c.what}`).join('\n')}

Every HTTP answer carries the header x-spectune-simulated: 1.
`;
