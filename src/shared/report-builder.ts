/** The report builder's public names; the builder itself lives in ./report/ (entry point: report/build.ts). */
export { buildReport } from './report/build';
export type { BuildReportInput, ConfigRun, ScheduleCheck } from './report/input';
export { configLabel } from './report/summary';
export { LOW_THROUGHPUT_TOK_S } from './report/warnings';
export { configKey, isBaseline, type ConfigKeyed } from './config-key';
