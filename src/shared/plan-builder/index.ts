/** The sweep plan builder: defaults, the parsing of what users type, and the plan itself. */
export * from './defaults';
export * from './text';
export * from './build';
export * from './knobs';
