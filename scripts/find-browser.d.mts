/** Types for find-browser.mjs (imported by playwright.config.ts). */
export declare const BROWSER_NAMES: string[];
export declare const BROWSER_PATHS: string[];
export declare function onPath(name: string, env?: NodeJS.ProcessEnv): string | null;
export declare function findBrowser(env?: NodeJS.ProcessEnv): string | null;
export declare function requireBrowser(env?: NodeJS.ProcessEnv): string;
