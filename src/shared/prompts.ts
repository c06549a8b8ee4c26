/**
 * Built-in prompt types and system prompts (resources/prompts.json), and the
 * lookup that merges them with a user's custom ones.
 */
import builtin from '../../resources/prompts.json';
import { SpecTuneError } from './errors';
import type { CustomPromptsFile, PromptDef, SweepPlan, SystemPromptDef } from './schemas';

/** A prompts file holds a few dozen prompts of at most 20,000 characters: far larger is not one (and is not read). */
export const MAX_PROMPTS_FILE_BYTES = 2 * 1024 * 1024;

export const BUILTIN_PROMPT_TYPES: readonly PromptDef[] = builtin.promptTypes;
export const BUILTIN_SYSTEM_PROMPTS: readonly SystemPromptDef[] = builtin.systemPrompts;

export const DEFAULT_PROMPT_TYPE_IDS = BUILTIN_PROMPT_TYPES.map((p) => p.id);
export const DEFAULT_SYSTEM_PROMPT_IDS = BUILTIN_SYSTEM_PROMPTS.map((p) => p.id);

function pick<T extends { id: string }>(ids: readonly string[], all: readonly T[], what: string): T[] {
  const byId = new Map(all.map((p) => [p.id, p]));
  return ids.map((id) => {
    const found = byId.get(id);
    if (!found) {
      throw new SpecTuneError('INVALID_INPUT', `unknown ${what} "${id}"`, {
        hint: `choose from ${[...byId.keys()].join(', ')}, or add it in a custom prompts file`,
      });
    }
    return found;
  });
}

/** Custom definitions with a built-in id replace the built-in one. */
export function resolvePromptTypes(ids: readonly string[], custom: readonly PromptDef[] = []): PromptDef[] {
  return pick(ids, mergeById(BUILTIN_PROMPT_TYPES, custom), 'prompt type');
}

export function resolveSystemPrompts(ids: readonly string[], custom: readonly SystemPromptDef[] = []): SystemPromptDef[] {
  return pick(ids, mergeById(BUILTIN_SYSTEM_PROMPTS, custom), 'system prompt');
}

/**
 * A custom prompt whose id is a built-in's, or another custom one's, would replace it without a
 * word: refused, with the id named. `where` names the source (the --prompts file).
 */
export function assertDistinctPromptIds(custom: CustomPromptsFile, where: string): void {
  const check = (entries: readonly { id: string }[], builtin: readonly { id: string }[], what: string) => {
    const builtins = new Set(builtin.map((p) => p.id));
    const seen = new Set<string>();
    for (const { id } of entries) {
      const why = builtins.has(id) ? 'is already a built-in' : seen.has(id) ? 'appears twice' : null;
      if (why) {
        throw new SpecTuneError('INVALID_INPUT', `${where}: ${what} "${id}" ${why}`, {
          hint: `give each custom ${what} its own id (e.g. "${id}-2"); built-in ids: ${[...builtins].join(', ')}`,
        });
      }
      seen.add(id);
    }
  };
  check(custom.promptTypes, BUILTIN_PROMPT_TYPES, 'prompt type');
  check(custom.systemPrompts, BUILTIN_SYSTEM_PROMPTS, 'system prompt');
}

/** The plan with only the custom prompts it runs: the report and its log carry nothing else. */
export function withUsedPromptsOnly(plan: SweepPlan): SweepPlan {
  return {
    ...plan,
    customPrompts: plan.customPrompts.filter((p) => plan.promptTypes.includes(p.id)),
    customSystemPrompts: plan.customSystemPrompts.filter((p) => plan.systemPrompts.includes(p.id)),
  };
}

export function mergeById<T extends { id: string }>(base: readonly T[], extra: readonly T[]): T[] {
  const m = new Map(base.map((p) => [p.id, p]));
  for (const p of extra) m.set(p.id, p);
  return [...m.values()];
}
