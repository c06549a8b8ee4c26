/**
 * `npm test`: the browser check first (seconds, and it may stop the run at once), then
 * both type-checks and the build side by side (independent single-threaded jobs: on
 * two cores they take about as long as the longest of them instead of their sum), then
 * the unit and integration tests, then the browser e2e tests. It ends with how long
 * each step took; vitest and Playwright list their slowest files above that.
 */
import { execa } from 'execa';

const STEPS_SIDE_BY_SIDE = [
  { name: 'types (node)', cmd: ['tsc', '-p', 'tsconfig.node.json', '--noEmit'] },
  { name: 'types (web)', cmd: ['tsc', '-p', 'tsconfig.web.json', '--noEmit'] },
  { name: 'build', cmd: ['electron-vite', 'build'] },
];

const timings = [];
const started = performance.now();

function fmt(ms) {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

function summary() {
  const total = performance.now() - started;
  return `npm test: ${timings.map(([name, ms]) => `${name} ${fmt(ms)}`).join(' · ')} · total ${fmt(total)}`;
}

function fail(message) {
  process.stderr.write(`\n${message}\n${summary()}\n`);
  process.exit(1);
}

/** One command with its output on this terminal as it runs. */
async function step(name, [file, ...args]) {
  const t0 = performance.now();
  const r = await execa(file, args, { preferLocal: true, stdio: 'inherit', reject: false });
  timings.push([name, performance.now() - t0]);
  if (r.exitCode !== 0) fail(`npm test: ${name} failed (${r.signal ?? `exit code ${r.exitCode}`})`);
}

/** Several commands at once; each one's output is printed whole when it ends, so they do not interleave. */
async function sideBySide(steps) {
  const t0 = performance.now();
  const results = await Promise.all(
    steps.map(async ({ name, cmd: [file, ...args] }) => {
      const s0 = performance.now();
      const r = await execa(file, args, { preferLocal: true, all: true, reject: false });
      const ms = performance.now() - s0;
      process.stdout.write(`\n> ${[file, ...args].join(' ')}  (${name}, ${fmt(ms)})\n${r.all ? `${r.all.trimEnd()}\n` : ''}`);
      return { name, ok: r.exitCode === 0, ms, why: r.signal ?? `exit code ${r.exitCode}` };
    }),
  );
  timings.push([`${steps.map((s) => s.name).join(' + ')} (${results.map((r) => fmt(r.ms)).join(', ')})`, performance.now() - t0]);
  const failed = results.filter((r) => !r.ok);
  if (failed.length) fail(`npm test: ${failed.map((r) => `${r.name} failed (${r.why})`).join('; ')}`);
}

await step('browser check', [process.execPath, 'scripts/ensure-browser.mjs']);
await sideBySide(STEPS_SIDE_BY_SIDE);
await step('unit + integration', ['vitest', 'run']);
await step('e2e', ['playwright', 'test']);
process.stdout.write(`\n${summary()}\n`);
