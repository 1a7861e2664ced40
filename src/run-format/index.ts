// The run format, in one place: file names, file and line types, the engine's event payloads
// and the checks a reader applies. docs/run-format.md describes it in prose.
export * from './files.js';
export * from './events.js';
export * from './validate.js';
export * from './fields.js';
