/**
 * Built-in prompt types and system prompts (resources/prompts.json), and the
 * lookup that merges them with a user's custom ones.
 */
import builtin from '../../resources/prompts.json';
import { SpecTuneError } from './errors';
import type { PromptDef, SystemPromptDef } from './schemas';

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

export function mergeById<T extends { id: string }>(base: readonly T[], extra: readonly T[]): T[] {
  const m = new Map(base.map((p) => [p.id, p]));
  for (const p of extra) m.set(p.id, p);
  return [...m.values()];
}
