/**
 * The JavaScript and TypeScript capture path: node:test, Jest, Vitest and Mocha, with per-test V8
 * coverage and stack frames mapped through source maps. See `capture.ts` for the run itself.
 */
export { captureJavaScript, parseTestId, ID_SEPARATOR } from './capture';
export { detectJavaScript } from './detect';
export { isJavaScriptTestFile } from './testFiles';
