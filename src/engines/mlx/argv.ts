/**
 * mlx_lm.server's command line (pure). The server takes
 * `--model M --draft-model D --num-draft-tokens K --host H --port P` (mlx-lm ≥ 0.24.1),
 * and a request's `num_draft_tokens` overrides K, so one launch serves every k:
 * the launch loads the draft and sets the plan's k; requests choose theirs.
 */
import { SpecTuneError } from '../../shared/errors';
import type { ServerSettings } from '../../shared/schemas';
import { isBaselineConfig, type EngineBuild, type SpecConfig } from '../engine';
import { refuseSchedule } from '../common/schedule-refusal';

export const MLX_MANAGED_FLAGS: Readonly<Record<string, string>> = {
  '--model': 'model',
  '--draft-model': 'draftModel',
  '--num-draft-tokens': 'numSpeculativeTokens',
  '--host': 'host',
  '--port': 'port',
};

/** What `--help` said: argparse lists every option, so absence is a fact. */
export interface MlxFlags {
  version: string;
  draftModel: boolean;
}

export function mlxFlagsOf(build: EngineBuild): MlxFlags {
  return {
    version: typeof build.facts.version === 'string' ? build.facts.version : '',
    draftModel: build.facts.draftModel !== false,
  };
}

/** True when --help is mlx_lm.server's (argparse usage with --model and --port). */
export function isMlxHelp(help: string): boolean {
  return /--model\b/.test(help) && /--port\b/.test(help);
}

export function mlxBuild(version: string | null, help: string): EngineBuild {
  const draftModel = /--draft-model\b/.test(help) && /--num-draft-tokens\b/.test(help);
  return { raw: version ? `mlx-lm ${version}` : 'mlx-lm (version unknown)', facts: { version: version ?? '', draftModel } };
}

/** A version on its own line: "0.28.4" (maybe after import warnings). */
export function mlxVersionFromOutput(text: string): string | null {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).reverse();
  for (const l of lines) if (/^v?\d+\.\d+(\.\d+)?\S*$/.test(l)) return l.replace(/^v/, '');
  return null;
}

const base = (word: string): string => word.split(/[\\/]/).pop() ?? word;

/**
 * The argv that prints mlx-lm's version. mlx_lm.server has no --version (argparse
 * refuses it); the `mlx_lm` CLI next to it has one (mlx_lm/cli.py), and an
 * interpreter can be asked for mlx_lm.__version__. Null: no way known (ask --help only).
 */
export function mlxVersionArgv(command: readonly string[]): string[] | null {
  const m = command.indexOf('-m');
  if (m > 0 && /^mlx_lm(\.server)?$/.test(command[m + 1] ?? '')) return [...command.slice(0, m), '-c', 'import mlx_lm; print(mlx_lm.__version__)'];
  const first = command[0] ?? '';
  const name = base(first);
  if (name === 'mlx_lm' && command[1] === 'server') return [first, '--version'];
  if (name === 'mlx_lm.server') return [first.slice(0, first.length - name.length) + 'mlx_lm', '--version'];
  return null;
}

function refuseManaged(extraArgs: readonly string[]): void {
  for (const word of extraArgs) {
    const flag = word.split('=')[0];
    // argparse takes unambiguous prefixes (--draft for --draft-model): refuse those too.
    const hit = Object.keys(MLX_MANAGED_FLAGS).find((f) => f === flag || (flag.startsWith('--') && flag.length > 3 && f.startsWith(flag)));
    if (hit) {
      throw new SpecTuneError('INVALID_INPUT', `extra argument ${flag} is set by SpecTune (${MLX_MANAGED_FLAGS[hit]}); a second copy would override it`, {
        hint: `remove ${flag} from the extra arguments and use the ${MLX_MANAGED_FLAGS[hit]} setting instead`,
      });
    }
  }
}

/**
 * What to launch with: the draft of any configuration (one launch serves the
 * baseline too, which unloads it per request) and a launch k that requests override.
 */
export function launchChoice(settings: ServerSettings, config: SpecConfig): { draftModel: string | null; k: number | null } {
  const draftModel = config.draftModel ?? settings.draftModel ?? null;
  const k = config.numSpeculativeTokens !== null && config.numSpeculativeTokens > 0 ? config.numSpeculativeTokens : settings.numSpeculativeTokens > 0 ? settings.numSpeculativeTokens : null;
  return { draftModel, k };
}

/** The argv for a draft model and k (null: none / the server's default). */
export function buildMlxArgv(settings: ServerSettings, choice: { draftModel: string | null; k: number | null }, build: EngineBuild): string[] {
  refuseManaged(settings.extraArgs);
  refuseSchedule(settings, `mlx_lm.server ${build.raw}`.trim());
  const f = mlxFlagsOf(build);
  if (settings.method !== undefined && settings.method !== 'draft_model') {
    throw new SpecTuneError('INVALID_INPUT', `mlx_lm.server speculates with a draft model only, not "${settings.method}"`, {
      hint: 'give a draft model (a small MLX model with the same tokenizer) and leave the method unset',
    });
  }
  const args = [...settings.command, '--model', settings.model];
  if (choice.draftModel) {
    if (!f.draftModel) {
      throw new SpecTuneError('UNSUPPORTED_DRAFT_MODEL', `${build.raw} has no --draft-model (speculative decoding arrived in mlx-lm 0.24.1)`, {
        hint: 'upgrade: pip install -U mlx-lm',
      });
    }
    args.push('--draft-model', choice.draftModel);
    if (choice.k !== null) args.push('--num-draft-tokens', String(choice.k));
  }
  args.push('--host', settings.host, '--port', String(settings.port), ...settings.extraArgs);
  return args;
}

/** The launch argv for a sweep configuration; refuses k > 0 without any draft model. */
export function mlxLaunchArgv(settings: ServerSettings, config: SpecConfig, build: EngineBuild): string[] {
  const choice = launchChoice(settings, config);
  if (!isBaselineConfig(config) && !choice.draftModel) {
    throw new SpecTuneError('INVALID_INPUT', `k = ${config.numSpeculativeTokens ?? 'default'} needs a draft model for mlx_lm.server`, {
      hint: 'give a draft model: a small MLX model with the same tokenizer (e.g. mlx-community/Qwen2.5-0.5B-Instruct-4bit)',
    });
  }
  return buildMlxArgv(settings, choice, build);
}

/** The line for a winner as it will run: no draft for the baseline, its k otherwise. */
export function mlxRecommendArgv(settings: ServerSettings, config: SpecConfig, build: EngineBuild): string[] {
  if (isBaselineConfig(config)) return buildMlxArgv(settings, { draftModel: null, k: null }, build);
  return mlxLaunchArgv(settings, { ...config, draftModel: config.draftModel ?? settings.draftModel ?? null }, build);
}
