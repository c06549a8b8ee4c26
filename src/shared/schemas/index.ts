/**
 * The data contract: every setting, plan, measurement and report shape, as zod
 * schemas with the TypeScript types inferred from them. Anything that crosses a
 * boundary (CLI flags, IPC, HTTP, files on disk) is parsed with one of these.
 */
export * from './settings';
export * from './plan';
export * from './measurement';
export * from './report';
export * from './server-state';
export * from './parse';
