/**
 * The committed fixture report (tests/renderer/fixtures/report.json: a simulated run, fixed
 * numbers), rebuilt by the report builder from its own measurements so the screenshots show
 * what a new run shows (stratified intervals, ties marked), and seeded as a finished run in a
 * data dir's history. Deterministic: the same file always gives the same report.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport } from '../src/shared/report-builder';
import { PromptDefSchema, ReportSchema, SweepPlanSchema, SystemPromptDefSchema, type Report } from '../src/shared/schemas';

export const FIXTURE_RUN_ID = 'fixture-run';

export function fixtureReport(): Report {
  const old = ReportSchema.parse(JSON.parse(readFileSync(new URL('../tests/renderer/fixtures/report.json', import.meta.url), 'utf8')));
  const plan = SweepPlanSchema.parse(old.plan);
  const command = old.recommendation!.command!;
  const k0 = old.recommendation!.numSpeculativeTokens;
  return buildReport({
    plan,
    // The groups as the report names them (the builder needs only id and label; prompts.ts reads a
    // JSON module that Playwright's loader cannot import).
    promptTypes: old.byPromptType.map((g) => PromptDefSchema.parse({ id: g.id, label: g.label, prompt: g.label })),
    systemPrompts: old.bySystemPrompt.map((g) => SystemPromptDefSchema.parse({ id: g.id, label: g.label, prompt: g.label })),
    server: old.server,
    measurements: old.measurements,
    configs: old.configurations.map((c) => ({
      numSpeculativeTokens: c.numSpeculativeTokens,
      draftModel: c.draftModel ?? null,
      failed: c.failed,
      ...(c.acceptance ? { acceptance: c.acceptance } : {}),
      ...(c.acceptanceSource ? { acceptanceSource: c.acceptanceSource } : {}),
    })),
    createdAt: old.createdAt,
    finishedAt: old.finishedAt,
    status: old.status,
    toolVersion: old.tool.version,
    commandFor: (c) => {
      const line = command.replace(`"num_speculative_tokens":${k0}`, `"num_speculative_tokens":${c.numSpeculativeTokens}`);
      return { argv: null, command: line };
    },
  });
}

/** Writes the fixture as a finished run into `<dataDir>/runs/`, where History lists it. */
export function seedHistory(dataDir: string): Report {
  const report = fixtureReport();
  const dir = join(dataDir, 'runs', FIXTURE_RUN_ID);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'test_results.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
