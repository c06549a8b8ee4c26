/** Types for desktop-tools.mjs (imported by electron.vite.config.ts and e2e/electron.spec.ts). */
export declare const TOOLS_DIR: string;
export declare function electronVersion(): string;
export declare function toolsNodeRange(): string;
export declare function electronBinary(): string | null;
export declare function electronViteEnv(): { ELECTRON_MAJOR_VER: string; ELECTRON_EXEC_PATH?: string };
