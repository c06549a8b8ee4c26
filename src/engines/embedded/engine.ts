/**
 * The embedded engine: node-llama-cpp running GGUF files (generated ones, or the
 * user's) in a child process SpecTune launches, so a crash or hang in native code
 * cannot take the app down. Its server speaks llama-server's dialect exactly
 * (argv, /health, /props, timings), so this engine is llama.cpp's behaviour with
 * its own descriptor, command and identification; the code both share is the
 * llama-server dialect in ../common/llama-server.
 *
 * Acceptance comes from SpecTune's own draft loop in that server (node-llama-cpp's
 * own counters are wrong: see issue 12), per response, with per-position counts.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureGgufPair } from './gguf/cached-pair';
import { identityOf, type EngineDescriptor } from '../../shared/engine-descriptor';
import { SpecTuneError } from '../../shared/errors';
import { ownProgramCommand, type OwnProgram } from '../../node/own-programs';
import { runTool, tailLines } from '../../node/run-tool';
import type { Engine, EngineBuild, SpecConfig } from '../engine';
import { isBaselineConfig } from '../engine';
import { openAiRequest } from '../common/openai-request';
import { armConfigurations } from '../common/arms';
import { recommendLaunch } from '../common/recommend-launch';
import { refuseUnrunnable } from '../common/tool-check';
import { buildLlamaArgv, LLAMA_MANAGED_FLAGS } from '../common/llama-server/argv';
import { parseLlamaVersion, toEngineBuild, type LlamaFlags } from '../common/llama-server/build';
import { identifyByProps, isEmbeddedBuildInfo } from '../common/llama-server/props';
import { draftCountsFromTimings } from '../common/llama-server/timings';

/** Where the embedded server's entry point lives, relative to the package root. */
export const EMBEDDED_SERVER_ENTRY = ['src', 'engines', 'embedded', 'server', 'main.ts'] as const;

/**
 * From the sources `<node> bin/run-ts.js src/engines/embedded/server/main.ts` (tsx runs the
 * TypeScript entry, as for `spectune`); in a build (the desktop app) its compiled entry,
 * out/main/embedded-server.js, run by the same binary in Node mode.
 */
export const EMBEDDED_SERVER_PROGRAM: OwnProgram = {
  built: 'embedded-server.js',
  fromSource: (root) => [join(root, 'bin', 'run-ts.js'), join(root, ...EMBEDDED_SERVER_ENTRY)],
};

export function embeddedServerCommand(): string[] {
  return ownProgramCommand(EMBEDDED_SERVER_PROGRAM);
}

export const EMBEDDED_INSTALL_HINT =
  "the embedded engine ships with SpecTune: run npm ci in SpecTune's folder (it installs node-llama-cpp and its prebuilt llama.cpp), then write a test model pair with: spectune sim gguf --out DIR";

export const EMBEDDED_DESCRIPTOR: EngineDescriptor = {
  ...identityOf('embedded'),
  lifecycle: 'launched',
  kChange: 'restart',
  kChangeNote: 'every k restarts the embedded server (it reloads the GGUF files: well under a second for generated models)',
  draftPerRequest: false,
  acceptance: { kind: 'per-response', note: "counted by SpecTune's own draft loop", perPosition: true },
  fields: ['model', 'draftModel', 'extraArgs'],
  methods: [],
  // SpecTune's own draft loop: a draft model, its cut-off (--draft-p-min), a restart per value.
  knobs: { draftModels: 'launch', pMin: 'launch', methods: [], draftMethods: [], methodAliases: {} },
  defaultCommand: embeddedServerCommand(),
  placeholders: { model: '/models/target.gguf', draftModel: '/models/draft.gguf' },
  installHint: EMBEDDED_INSTALL_HINT,
  servesOneAtATime: true,
  // Not simulated: the real engine on a generated pair (prepareDemo).
  demo: { persona: null, model: 'target.gguf', draftModels: ['draft.gguf'], personaArgs: [] },
};

/**
 * What the embedded server takes: llama-server's renamed flags (--model-draft,
 * --spec-draft-n-max), its own loop's cut-off (--draft-p-min), no --spec-type
 * needed (a draft drafts), no --metrics.
 */
const EMBEDDED_FLAGS: Omit<LlamaFlags, 'build' | 'commit'> = {
  draftLength: '--spec-draft-n-max',
  draftMin: '',
  draftModel: '--model-draft',
  specType: 'absent',
  specTypes: '',
  draftPMin: '--draft-p-min',
  metrics: false,
  knownFlags: '',
  removedFlags: '',
};

/** `version: 1 (embedded)` and `built with node-llama-cpp 3.21.1 for linux-x64`, on stderr. */
export function embeddedBuildFromVersion(text: string): EngineBuild | null {
  const v = parseLlamaVersion(text);
  if (!v || v.commit !== 'embedded') return null;
  const lib = /node-llama-cpp\s+(\S+)/.exec(text);
  const raw = lib ? `embedded ${v.build} (node-llama-cpp ${lib[1]})` : `embedded ${v.build}`;
  return toEngineBuild({ ...EMBEDDED_FLAGS, build: v.build, commit: v.commit }, raw);
}

async function detectEmbeddedBuild(command: readonly string[], opts: { signal?: AbortSignal }): Promise<EngineBuild> {
  const shown = command.join(' ');
  const out = await runTool([...command, '--version'], { timeoutMs: 60_000, signal: opts.signal });
  refuseUnrunnable(out, shown, 'embedded engine', EMBEDDED_INSTALL_HINT);
  const build = embeddedBuildFromVersion(`${out.stderr}\n${out.stdout}`);
  if (!build) {
    throw new SpecTuneError('COMMAND_NOT_FOUND', `the embedded engine's server did not start: "${shown} --version" printed no "version: N (embedded)"`, {
      hint: EMBEDDED_INSTALL_HINT,
      logTail: tailLines(`${out.stdout}\n${out.stderr}`, 20),
    });
  }
  return build;
}

export function embeddedNoDraftingReason(config: SpecConfig): string | null {
  // Under a cut-off, a draft unsure of every first token drafts nothing: a result, not a fault.
  if (isBaselineConfig(config) || (config.draftPMin ?? 0) > 0) return null;
  return `k = ${config.numSpeculativeTokens ?? 'default'}: the embedded engine drafted no token in any response (timings had no draft_n): it ran without its draft model or with a draft length of 0; check that --model-draft reached it in the server log`;
}

function embeddedSetting(config: SpecConfig): string {
  if (isBaselineConfig(config)) return 'no draft model (plain decoding)';
  const k = config.numSpeculativeTokens;
  const pMin = ` --draft-p-min ${config.draftPMin ?? 0}`;
  return `--model-draft ${config.draftModel ?? 'DRAFT.gguf'}${k === null ? '' : ` --spec-draft-n-max ${k}`}${pMin} (llama-server's flags; llama.cpp builds from June 2026 also need --spec-type draft-simple and spell the cut-off --spec-draft-p-min)`;
}

const embeddedArgv = (s: Parameters<typeof buildLlamaArgv>[0], c: SpecConfig, b: EngineBuild) => buildLlamaArgv(s, c, b, { serverLabel: `the embedded engine (${b.raw})` });

export const embeddedEngine: Engine = {
  descriptor: EMBEDDED_DESCRIPTOR,
  probePaths: ['/props', '/v1/models'],
  // The embedded server checks no key.
  apiKeyEnv: null,
  identify: (ask) => identifyByProps(ask, (props) => isEmbeddedBuildInfo(props.build_info)),
  launch: {
    detectBuild: (command, opts) => detectEmbeddedBuild(command, opts),
    argv: embeddedArgv,
    managedFlags: LLAMA_MANAGED_FLAGS,
  },
  configurations: (input) => armConfigurations(input, EMBEDDED_DESCRIPTOR.knobs),
  shapeRequest: (req) => openAiRequest(req),
  acceptance: { kind: 'per-response', fromResponse: draftCountsFromTimings },
  noDraftingError: embeddedNoDraftingReason,
  recommend: (input) => recommendLaunch(input, embeddedArgv, (c) => embeddedSetting(c)),
  prepareDemo: async () => {
    const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'spectune', 'gguf-demo');
    const pair = await ensureGgufPair({ dir });
    return {
      model: pair.targetPath,
      draftModel: pair.draftPath,
      note: `a real llama.cpp (node-llama-cpp) on a generated tiny model pair in ${dir}${pair.generated ? ' (generated now)' : ''}; on models this small speculation does not pay, and the report says so (spectune sim gguf --size small --draft-divergence 0.25 makes a pair where it does)`,
    };
  },
};
