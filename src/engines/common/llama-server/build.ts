/**
 * What an installed llama-server can take, read from its `--version` and
 * `--help` (pure: the text in, the facts out). The speculative flags changed
 * twice (ggml-org/llama.cpp, tools/server/README.md and the PRs named below):
 *
 * - old builds: `--draft-max|--draft|--draft-n N`, `--draft-min N`; `-md` alone turns drafting on;
 * - after the April 2026 rename (PR 22397): `--spec-draft-n-max N`, `--spec-draft-n-min N`; the old
 *   spellings stay in --help marked "the argument has been removed" and fail start-up;
 * - June 2026 (PR 23988): `-md` only loads the draft; drafting needs `--spec-type draft-simple`.
 *   Earlier 2026 builds already had a `--spec-type` with n-gram types only (no draft-simple), where
 *   `-md` still drafted by itself: the type list, not the flag, tells the two apart.
 */
import type { EngineKnobs } from '../../../shared/engine-descriptor';
import type { EngineBuild } from '../../engine';

/**
 * llama-server's --spec-type values (June 2026 builds and later; a build's --help is its truth).
 * draft-* types draft with a model (-md); draft-mtp uses the target's own heads; ngram-* look text up.
 */
export const LLAMA_SPEC_TYPES = ['draft-simple', 'draft-eagle3', 'draft-dflash', 'draft-mtp', 'ngram-simple', 'ngram-mod', 'ngram-map-k', 'ngram-map-k4v', 'ngram-cache'] as const;

/** What a llama-server sweep compares: a restart per draft model and per cut-off, the --spec-type values. */
export const LLAMA_KNOBS: EngineKnobs = {
  draftModels: 'launch',
  pMin: 'launch',
  methods: [...LLAMA_SPEC_TYPES],
  draftMethods: ['draft-simple', 'draft-eagle3', 'draft-dflash'],
  methodAliases: { draft: 'draft-simple' },
};

export type DraftLengthFlag = '--draft-max' | '--spec-draft-n-max' | '';
export type SpecTypeSupport = 'absent' | 'ngram-only' | 'draft-simple';

/** The facts the argv builder reads, kept in EngineBuild.facts (plain values, they cross IPC). */
export interface LlamaFlags {
  /** Build number from `version: N (hash)`; 0 when it did not say. */
  build: number;
  commit: string;
  /** Flag that sets the draft length; '' = this llama-server cannot draft with a model. */
  draftLength: DraftLengthFlag;
  /** Flag that sets the minimum draft length (passed as 0 so LLAMA_ARG_* cannot raise it); '' = none. */
  draftMin: '--draft-min' | '--spec-draft-n-min' | '';
  /** Flag that loads the draft model. */
  draftModel: '--model-draft' | '--spec-draft-model' | '-md';
  specType: SpecTypeSupport;
  /** The --spec-type values --help lists (space separated, without none); '' = not listed or not read. */
  specTypes: string;
  /** Flag that sets the draft confidence cut-off; '' = this build lists none. */
  draftPMin: '--draft-p-min' | '--spec-draft-p-min' | '';
  /** Pass --metrics (newest builds put llamacpp:spec_decode_* counters there). */
  metrics: boolean;
  /** Every flag --help lists (space separated); '' = --help was not read. Removed flags are not in it. */
  knownFlags: string;
  /** Flags --help lists as "the argument has been removed". */
  removedFlags: string;
}

export interface HelpFlags {
  known: Set<string>;
  removed: Set<string>;
  /** Text of each flag's entry (its line and wrapped continuation lines), by flag. */
  entry: Map<string, string>;
}

const FLAG = /^--?[A-Za-z][\w.-]*$/;

/**
 * Flags of each --help entry. An entry starts with its flags at the left margin
 * (`-m,    --model FNAME` — llama.cpp pads the short form) and continues with a
 * value hint and a description that may mention other flags; only the leading
 * run of flags counts, so "use --spec-draft-n-max" in a description is not a flag.
 */
export function parseHelpFlags(help: string): HelpFlags {
  const known = new Set<string>();
  const removed = new Set<string>();
  const entry = new Map<string, string>();
  let current: string[] = [];
  for (const line of help.split(/\r?\n/)) {
    const lead = /^ {0,4}(?=-)/.exec(line);
    const words = lead ? line.trim().split(/[\s,]+/) : [];
    const flags: string[] = [];
    for (const w of words) {
      if (!FLAG.test(w)) break;
      flags.push(w);
    }
    if (flags.length > 0) {
      current = flags;
      const gone = /has been removed/i.test(line);
      for (const f of flags) {
        (gone ? removed : known).add(f);
        entry.set(f, line);
      }
    } else if (/^\s{8,}\S/.test(line) && current.length > 0) {
      for (const f of current) entry.set(f, `${entry.get(f) ?? ''}\n${line}`);
      if (/has been removed/i.test(line)) for (const f of current) { known.delete(f); removed.add(f); }
    } else {
      current = [];
    }
  }
  return { known, removed, entry };
}

/** `version: 7800 (f07d3b6)` (stderr; log lines may come first). */
export function parseLlamaVersion(text: string): { build: number; commit: string } | null {
  const m = /version:\s*(\d+)\s*\(([^)\s]+)\)/.exec(text);
  return m ? { build: Number(m[1]), commit: m[2] } : null;
}

/** Facts from --help (and the version); null when the text is not llama-server's help. */
export function flagsFromHelp(help: string, version: { build: number; commit: string } | null): LlamaFlags | null {
  const h = parseHelpFlags(help);
  if (!h.known.has('--model') && !h.known.has('-m')) return null;
  if (!h.known.has('--port')) return null;
  const draftLength: DraftLengthFlag = h.known.has('--spec-draft-n-max') ? '--spec-draft-n-max' : h.known.has('--draft-max') ? '--draft-max' : '';
  const draftMin =
    draftLength === '--spec-draft-n-max' && h.known.has('--spec-draft-n-min')
      ? '--spec-draft-n-min'
      : draftLength === '--draft-max' && h.known.has('--draft-min')
        ? '--draft-min'
        : '';
  const draftModel = h.known.has('--model-draft') ? '--model-draft' : h.known.has('--spec-draft-model') ? '--spec-draft-model' : '-md';
  const specEntry = h.entry.get('--spec-type');
  const specType: SpecTypeSupport = !h.known.has('--spec-type') ? 'absent' : specEntry && /draft-simple/.test(specEntry) ? 'draft-simple' : 'ngram-only';
  const draftPMin = h.known.has('--spec-draft-p-min') ? '--spec-draft-p-min' : h.known.has('--draft-p-min') ? '--draft-p-min' : '';
  return {
    build: version?.build ?? 0,
    commit: version?.commit ?? '',
    draftLength,
    draftMin,
    draftModel,
    specType,
    specTypes: specTypesOf(specEntry),
    draftPMin,
    metrics: h.known.has('--metrics'),
    knownFlags: [...h.known].join(' '),
    removedFlags: [...h.removed].join(' '),
  };
}

/** The type names in --spec-type's --help entry ("none, draft-simple, ngram-simple…" or "[none|draft-simple|…]"), none left out. */
export function specTypesOf(entry: string | undefined): string {
  if (!entry) return '';
  const names = entry.match(/\b(?:draft|ngram)-[a-z0-9-]*[a-z0-9]\b/g) ?? [];
  return [...new Set(names)].join(' ');
}

export function llamaBuildLabel(f: Pick<LlamaFlags, 'build' | 'commit'>): string {
  if (f.build === 0) return 'unknown build';
  return f.commit ? `b${f.build} (${f.commit})` : `b${f.build}`;
}

export function toEngineBuild(f: LlamaFlags, raw = llamaBuildLabel(f)): EngineBuild {
  return { raw, facts: { ...f } };
}

const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

/**
 * The flags of a build, back from EngineBuild.facts. A build from elsewhere
 * (a report, an older preset) that lacks a fact gets the newest generation's
 * value: that is what a user installing llama.cpp today gets.
 */
export function llamaFlagsOf(build: EngineBuild): LlamaFlags {
  const f = build.facts;
  const draftLength = str(f.draftLength, '--spec-draft-n-max');
  const draftMin = str(f.draftMin, '');
  const draftModel = str(f.draftModel, '--model-draft');
  const specType = str(f.specType, 'draft-simple');
  // A build recorded before the cut-off was read: the spelling of its draft-length generation.
  const draftPMin = str(f.draftPMin, draftLength === '--draft-max' ? '--draft-p-min' : draftLength === '' ? '' : '--spec-draft-p-min');
  return {
    build: typeof f.build === 'number' ? f.build : 0,
    commit: str(f.commit, ''),
    draftLength: (['--draft-max', '--spec-draft-n-max', ''].includes(draftLength) ? draftLength : '--spec-draft-n-max') as DraftLengthFlag,
    draftMin: (['--draft-min', '--spec-draft-n-min', ''].includes(draftMin) ? draftMin : '') as LlamaFlags['draftMin'],
    draftModel: (['--model-draft', '--spec-draft-model', '-md'].includes(draftModel) ? draftModel : '--model-draft') as LlamaFlags['draftModel'],
    specType: (['absent', 'ngram-only', 'draft-simple'].includes(specType) ? specType : 'draft-simple') as SpecTypeSupport,
    specTypes: str(f.specTypes, ''),
    draftPMin: (['--draft-p-min', '--spec-draft-p-min', ''].includes(draftPMin) ? draftPMin : '--spec-draft-p-min') as LlamaFlags['draftPMin'],
    metrics: f.metrics !== false,
    knownFlags: str(f.knownFlags, ''),
    removedFlags: str(f.removedFlags, ''),
  };
}
