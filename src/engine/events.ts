export * from '../run-format/index.js';
