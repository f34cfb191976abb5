/** @ei/cli: command definitions of `ei`, importable for tests. */
export { buildProgram } from './program.js';
