/** Types for pinned-node.js (imported by tests). */
export declare const SUPPORTED_NODE_MAJOR: number;
export declare function runtimePackageName(platform?: NodeJS.Platform, arch?: string): string;
export declare function pinnedNodePath(): string | null;
export declare function runOnSupportedNode(): Promise<void>;
