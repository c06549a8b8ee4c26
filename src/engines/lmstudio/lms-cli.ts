/**
 * LM Studio's `lms` command: which load-time speculative flags the installed one
 * takes (lms PR 575 added them; its first release is not known, so ask
 * `lms load --help`), and the argv that reloads a model with a draft model and a
 * draft length. The argv builders are pure; only detectLmsLoadFlags runs anything.
 *
 * lms refuses --speculative-draft-model without --speculative-draft-simple, and
 * the tuning flags (--speculative-draft-max-tokens) without -simple or -mtp
 * (lmstudio-ai/lms src/subcommands/loadSpeculativeDecoding.ts), so every draft
 * line carries --speculative-draft-simple.
 */
import { execa } from 'execa';
import { SpecTuneError } from '../../shared/errors';
import type { EngineBuild } from '../engine';

export const LMS_INSTALL_HINT =
  'install LM Studio (lmstudio.ai) and run it once: it puts `lms` in ~/.lmstudio/bin (add that to PATH, or give the full path)';

export interface LmsLoadFlags {
  /** --speculative-draft-simple + --speculative-draft-model: a draft model at load time. */
  draftModel: boolean;
  /** --speculative-draft-max-tokens N: the draft length at load time (k by reload). */
  draftMaxTokens: boolean;
  /** --[no-]speculative-draft-mtp */
  draftMtp: boolean;
}

export const NO_LMS_FLAGS: LmsLoadFlags = { draftModel: false, draftMaxTokens: false, draftMtp: false };

const has = (help: string, flag: string) => new RegExp(`(^|[\\s,])${flag.replace(/-/g, '\\-')}(?=[\\s=<,.)\\]]|$)`, 'm').test(help);

/** What `lms load --help` says this lms can do. Pure. */
export function parseLmsLoadHelp(help: string): LmsLoadFlags {
  return {
    draftModel: has(help, '--speculative-draft-simple') && has(help, '--speculative-draft-model'),
    draftMaxTokens: has(help, '--speculative-draft-max-tokens'),
    draftMtp: has(help, '--speculative-draft-mtp'),
  };
}

export const lmsLoadHelpArgv = (command: readonly string[]): string[] => [...command, 'load', '--help'];

/**
 * Runs `<lms> load --help`. COMMAND_NOT_FOUND when lms cannot run; a help text
 * without the flags gives NO_LMS_FLAGS (an older lms: k stays as loaded).
 */
export async function detectLmsLoadFlags(command: readonly string[] = ['lms'], timeoutMs = 20_000): Promise<{ flags: LmsLoadFlags; help: string }> {
  const [file, ...args] = lmsLoadHelpArgv(command);
  const shown = command.join(' ');
  const r = await execa(file, args, { reject: false, stdin: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true });
  if (r.failed && (r.code === 'ENOENT' || r.code === 'EACCES')) {
    const why = r.code === 'ENOENT' ? 'was not found' : 'is not executable (permission denied)';
    throw new SpecTuneError('COMMAND_NOT_FOUND', `LM Studio's command "${shown}" ${why}`, { hint: LMS_INSTALL_HINT });
  }
  if (r.timedOut) {
    throw new SpecTuneError('VERSION_UNKNOWN', `"${shown} load --help" did not answer within ${Math.round(timeoutMs / 1000)} s`, {
      hint: 'check that the command is LM Studio\'s lms',
    });
  }
  // commander prints help on stdout and exits 0; older builds may print it on stderr.
  const help = `${String(r.stdout ?? '')}\n${String(r.stderr ?? '')}`;
  return { flags: parseLmsLoadHelp(help), help };
}

/** The detected flags as an EngineBuild, so recommend() (which gets a build) can tell whether to offer an `lms load` line. */
export function lmsBuild(flags: LmsLoadFlags, raw = 'lms'): EngineBuild {
  return { raw, facts: { lmsDraftModel: flags.draftModel, lmsDraftMaxTokens: flags.draftMaxTokens, lmsDraftMtp: flags.draftMtp } };
}

export function lmsFlagsOf(build: EngineBuild | null): LmsLoadFlags {
  if (!build) return NO_LMS_FLAGS;
  return { draftModel: build.facts.lmsDraftModel === true, draftMaxTokens: build.facts.lmsDraftMaxTokens === true, draftMtp: build.facts.lmsDraftMtp === true };
}

export interface LmsLoadSpec {
  /** `lms` command words, e.g. ['lms'] or ['/home/me/.lmstudio/bin/lms']. */
  command: readonly string[];
  /** Model key to load (the id /api/v0/models lists). */
  model: string;
  draftModel: string | null;
  /** Draft tokens per step; null: LM Studio's default. 0 (baseline): no draft. */
  draftMaxTokens: number | null;
  /** Name requests use for the loaded model; default the model key, so requests keep working after the reload. */
  identifier?: string;
}

/**
 * `lms load` for one configuration. Throws INVALID_INPUT for what this lms
 * cannot do, naming the flag, so a sweep refuses before it unloads anything. Pure.
 */
export function buildLmsLoadArgv(spec: LmsLoadSpec, flags: LmsLoadFlags): string[] {
  const { model, draftModel, draftMaxTokens } = spec;
  if (!model.trim()) throw new SpecTuneError('INVALID_INPUT', 'lms load needs a model key', { hint: 'give the model id LM Studio lists (GET /api/v0/models)' });
  if (draftMaxTokens !== null && (!Number.isInteger(draftMaxTokens) || draftMaxTokens < 0)) {
    throw new SpecTuneError('INVALID_INPUT', `draft tokens must be a whole number ≥ 0, got ${draftMaxTokens}`);
  }
  const argv = [...spec.command, 'load', model, '--identifier', spec.identifier ?? model, '--yes'];
  const drafting = draftModel !== null && draftMaxTokens !== 0;
  if (!drafting) {
    // k = 0 or no draft: a plain load. Where lms knows it, say "no MTP" too, so the baseline does not draft by itself.
    if (flags.draftMtp) argv.push('--no-speculative-draft-mtp');
    return argv;
  }
  if (!flags.draftModel) {
    throw new SpecTuneError('UNSUPPORTED_DRAFT_MODEL', 'this lms cannot load a draft model (its `lms load --help` has no --speculative-draft-model)', {
      hint: 'update LM Studio (its lms gained --speculative-draft-simple/--speculative-draft-model), or compare draft models per request instead',
    });
  }
  argv.push('--speculative-draft-simple', '--speculative-draft-model', draftModel);
  if (draftMaxTokens !== null) {
    if (!flags.draftMaxTokens) {
      throw new SpecTuneError('INVALID_INPUT', 'this lms cannot set the draft length (its `lms load --help` has no --speculative-draft-max-tokens)', {
        hint: 'update LM Studio, or sweep draft models only (the draft length stays as LM Studio loads it)',
      });
    }
    if (draftMaxTokens < 1) throw new SpecTuneError('INVALID_INPUT', '--speculative-draft-max-tokens must be 1 or more');
    argv.push('--speculative-draft-max-tokens', String(draftMaxTokens));
  }
  return argv;
}

/** `lms unload <identifier>`: a loaded model must go before it loads again with other settings (a second `lms load` adds an instance). */
export const buildLmsUnloadArgv = (command: readonly string[], identifier: string): string[] => [...command, 'unload', identifier];

/** The two commands of one reload, in order. Pure. */
export function buildLmsReloadArgvs(spec: LmsLoadSpec, flags: LmsLoadFlags): string[][] {
  const load = buildLmsLoadArgv(spec, flags);
  return [buildLmsUnloadArgv(spec.command, spec.identifier ?? spec.model), load];
}
