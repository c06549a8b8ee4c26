/**
 * Every engine SpecTune knows, in the order a status probe tries them: the
 * most specific identification first (vLLM's /version, Ollama's /api/version,
 * LM Studio's /api/v0/models, llama.cpp's /props, then mlx_lm's bare /health),
 * and last the generic OpenAI-compatible server, which any /v1/models answers.
 * The first engine's probePaths are all a status probe asks at first.
 */
import { SpecTuneError } from '../shared/errors';
import { ENGINE_IDS, normalizeEngineId, type EngineDescriptor, type EngineId } from '../shared/engine-descriptor';
import type { Engine } from './engine';
import type { SecretPlaceholders } from '../shared/redact';
import { vllmEngine } from './vllm';
import { ollamaEngine } from './ollama';
import { lmstudioEngine } from './lmstudio';
import { embeddedEngine } from './embedded/engine';
import { llamaCppEngine } from './llamacpp';
import { mlxEngine } from './mlx';
import { openAiEngine } from './openai';

export const ENGINES: readonly Engine[] = [vllmEngine, ollamaEngine, lmstudioEngine, embeddedEngine, llamaCppEngine, mlxEngine, openAiEngine];

export function engineById(id: string): Engine {
  const wanted = normalizeEngineId(id);
  const e = ENGINES.find((x) => x.descriptor.id === wanted);
  if (!e) {
    throw new SpecTuneError('INVALID_INPUT', `unknown engine "${id}"`, {
      hint: `use one of ${ENGINE_IDS.join(', ')} (llamacpp is accepted for llama.cpp)`,
    });
  }
  return e;
}

/** How an engine's secret flags are shown redacted (its own environment variable, else <redacted>); no engine: <redacted>. */
export function placeholdersFor(id: string | undefined): SecretPlaceholders {
  return (id && engineById(id).launch?.secretPlaceholders) || {};
}

export function engineDescriptors(): EngineDescriptor[] {
  return ENGINES.map((e) => e.descriptor);
}

export type { EngineId };
