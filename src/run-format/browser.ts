// The run format for the page (alias @plexus/run-format): everything but the engine's event
// payloads, which would pull the config schema into the browser's type check.
export * from './files.js';
export * from './validate.js';
