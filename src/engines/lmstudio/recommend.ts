/**
 * The setting to recommend for LM Studio: the winning draft model, where to set
 * it in LM Studio's own UI, and the `lms load` line where the installed lms
 * takes load-time speculative flags (the lead passes lmsBuild(flags) as build).
 */
import { formatCommand } from '../../shared/shell-words';
import type { Recommended, RecommendInput } from '../engine';
import { buildLmsLoadArgv, lmsFlagsOf } from './lms-cli';

const UI_PATH = 'My Models → (model) → Speculative Decoding → Draft model';

export function lmStudioRecommend({ config, build, model }: RecommendInput): Recommended {
  const name = model ?? '(model)';
  const k = config.numSpeculativeTokens;
  if (!config.draftModel || k === 0) {
    return { command: null, argv: null, setting: `no draft model: leave Speculative Decoding off for ${name} in LM Studio (${UI_PATH.replace('(model)', name)}: none)` };
  }
  const length = k === null ? ' (draft length as LM Studio loads it)' : `, draft length ${k}`;
  const setting =
    `draft model ${config.draftModel}${length}: set it in LM Studio: ${UI_PATH.replace('(model)', name)} = ${config.draftModel}` +
    ` — or per request: "draft_model": "${config.draftModel}"`;
  const flags = lmsFlagsOf(build);
  if (!model || !flags.draftModel || (k !== null && !flags.draftMaxTokens)) return { command: null, argv: null, setting };
  try {
    const argv = buildLmsLoadArgv({ command: ['lms'], model, draftModel: config.draftModel, draftMaxTokens: k }, flags);
    // Not offered to Apply as is: a model already loaded must be unloaded first (`lms unload`), or lms adds a second instance.
    return { command: formatCommand(argv), argv: null, setting: `${setting} (unload ${model} first: lms unload ${model})` };
  } catch {
    return { command: null, argv: null, setting };
  }
}
