/**
 * A vitest reporter that ends the run with its slowest test files: where the time of
 * `npm test` goes, so the next file that grows it is seen the day it does.
 * A file's time is what it held a worker for: its environment, its imports and its
 * tests with their hooks.
 */
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export interface FileTime {
  file: string;
  seconds: number;
  tests: number;
}

export function fileTime(module: TestModule, root: string): FileTime {
  const d = module.diagnostic();
  const ms = d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration;
  return { file: relative(root, module.moduleId), seconds: ms / 1000, tests: [...module.children.allTests()].length };
}

const secs = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(1));

/** The lines printed at the end: the `count` slowest files, then their share of all files' time. */
export function slowestLines(times: readonly FileTime[], count: number): string[] {
  if (times.length === 0) return [];
  const sorted = [...times].sort((a, b) => b.seconds - a.seconds);
  const total = sorted.reduce((s, t) => s + t.seconds, 0);
  const top = sorted.slice(0, count);
  const topTotal = top.reduce((s, t) => s + t.seconds, 0);
  const width = top[0].seconds.toFixed(1).length;
  return [
    `Slowest test files (time each held a worker: environment, imports, tests):`,
    ...top.map((t) => `  ${t.seconds.toFixed(1).padStart(width)} s  ${t.file} (${t.tests} test${t.tests === 1 ? '' : 's'})`),
    `  these ${top.length}: ${secs(topTotal)} s of ${secs(total)} s in all ${sorted.length} files`,
  ];
}

export class SlowestFilesReporter implements Reporter {
  private root = process.cwd();

  constructor(private readonly count = 10) {}

  onInit(vitest: { config: { root: string } }): void {
    this.root = vitest.config.root;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines = slowestLines(modules.map((m) => fileTime(m, this.root)), this.count);
    if (lines.length) process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
