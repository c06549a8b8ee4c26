import pkg from '../../package.json';

/** SpecTune's own version, recorded in every report. */
export const TOOL_VERSION: string = pkg.version;
