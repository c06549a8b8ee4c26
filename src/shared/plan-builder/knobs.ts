/**
 * The knobs a sweep compares besides k — methods, draft models, cut-offs — as users type them, and
 * checked against the engine's descriptor: a knob the engine does not have is refused with the
 * engines that have it, a method it does not know with the ones it takes. Pure: the CLI and the app
 * both call it.
 */
import { canonicalMethod, methodTakesDraft, type EngineDescriptor } from '../engine-descriptor';
import { echo, type Parsed } from './text';

/** "0,0.3,0.6" → [0, 0.3, 0.6]: each a probability from 0 to 1, each once. */
export function parsePMinList(text: string): Parsed<number[]> {
  const items = text.split(/[\s,;]+/).filter((w) => w !== '');
  if (items.length === 0) return { ok: false, error: 'give at least one cut-off from 0 to 1, e.g. 0,0.3,0.6' };
  const out: number[] = [];
  for (const word of items) {
    const n = Number(word);
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(word) || n < 0 || n > 1) return { ok: false, error: `"${word}" is not a cut-off from 0 to 1; give a list like 0,0.3,0.6.` };
    if (out.includes(n)) return { ok: false, error: `"${word}" comes twice: give each cut-off only once.` };
    out.push(n);
  }
  return { ok: true, value: out };
}

/** "a.gguf, b.gguf" or one per line → the draft models, each once (paths may hold spaces, so only commas and lines separate). */
export function parseDraftModelList(text: string): Parsed<string[]> {
  const items = text.split(/[,;\n]+/).map((w) => w.trim()).filter((w) => w !== '');
  if (items.length === 0) return { ok: false, error: 'give at least one draft model, e.g. qwen2.5-0.5b.gguf, qwen2.5-1.5b.gguf' };
  const dup = items.find((w, i) => items.indexOf(w) !== i);
  if (dup !== undefined) return { ok: false, error: `"${echo(dup)}" comes twice: give each draft model only once.` };
  return { ok: true, value: items };
}

/** "draft-simple, ngram-simple" → the words, each once (the engine's check comes later). */
export function parseMethodList(text: string): Parsed<string[]> {
  const items = text.split(/[\s,;]+/).filter((w) => w !== '');
  if (items.length === 0) return { ok: false, error: 'give at least one method, e.g. draft-simple,ngram-simple' };
  const dup = items.find((w, i) => items.indexOf(w) !== i);
  if (dup !== undefined) return { ok: false, error: `"${dup}" comes twice: give each method only once.` };
  return { ok: true, value: items };
}

/** The knobs a plan asks for, as the plan holds them. */
export interface KnobChoice {
  methods?: readonly string[];
  draftModels?: readonly string[];
  draftPMins?: readonly number[];
}

/** A refusal under the plan field it is about. */
export interface KnobIssue {
  path: ['methods'] | ['draftModels'] | ['draftPMins'];
  message: string;
}

const names = (list: readonly EngineDescriptor[]) => list.map((d) => d.label).join(', ');

/**
 * What the engine cannot compare. `peers` (every engine's descriptor) lets a refusal name the
 * engines that can; without them it names none.
 */
export function knobIssues(d: EngineDescriptor, choice: KnobChoice, peers: readonly EngineDescriptor[] = []): KnobIssue[] {
  const out: KnobIssue[] = [];
  const k = d.knobs;
  if ((choice.draftPMins?.length ?? 0) > 0 && k.pMin === 'none') {
    const have = peers.filter((p) => p.knobs.pMin !== 'none');
    out.push({ path: ['draftPMins'], message: `${d.label} has no draft confidence cut-off${have.length ? `: only ${names(have)} have one` : ''}; leave it out` });
  }
  if ((choice.draftModels?.length ?? 0) > 0 && k.draftModels === 'none') {
    const have = peers.filter((p) => p.knobs.draftModels !== 'none');
    out.push({ path: ['draftModels'], message: `${d.label} takes no draft model${have.length ? ` (${names(have)} do)` : ''}; leave it out` });
  }
  const methods = choice.methods ?? [];
  if (methods.length > 0 && k.methods.length === 0) {
    out.push({ path: ['methods'], message: `${d.label} has one speculation method, its own; leave --method out` });
  } else {
    const unknown = methods.filter((m) => !k.methods.includes(canonicalMethod(k, m)));
    if (unknown.length > 0) out.push({ path: ['methods'], message: `${d.label} has no method ${unknown.map((m) => `"${m}"`).join(', ')}: give some of ${k.methods.join(', ')}` });
    else out.push(...selfDraftingIssues(d, choice));
  }
  return out;
}

/** Draft models or cut-offs given while every method asked for drafts without a model: they would go nowhere. */
function selfDraftingIssues(d: EngineDescriptor, choice: KnobChoice): KnobIssue[] {
  const methods = choice.methods ?? [];
  if (methods.length === 0 || methods.some((m) => methodTakesDraft(d.knobs, m))) return [];
  const named = methods.join(', ');
  const out: KnobIssue[] = [];
  if ((choice.draftModels?.length ?? 0) > 0) out.push({ path: ['draftModels'], message: `method ${named} uses no draft model; drop the draft model or add a method that takes one (${d.knobs.draftMethods.join(', ')})` });
  if ((choice.draftPMins?.length ?? 0) > 0) out.push({ path: ['draftPMins'], message: `method ${named} drafts without a model, so it has no confidence cut-off; drop it or add a method that takes a draft model` });
  return out;
}
