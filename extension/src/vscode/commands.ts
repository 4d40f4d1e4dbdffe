/** Every command id the extension contributes, in one typed table (must match package.json). */
export const Commands = {
  checkAndFix: 'revise.checkAndFix',
  checkAndFixWithTask: 'revise.checkAndFixWithTask',
  checkAndFixTest: 'revise.checkAndFixTest',
  check: 'revise.check',
  clear: 'revise.clear',
  showLog: 'revise.showLog',
  showReport: 'revise.showReport',
  openWalkthrough: 'revise.openWalkthrough',
  previewPatch: 'revise.previewPatch',
  applyPatch: 'revise.applyPatch',
  setLlmApiKey: 'revise.setLlmApiKey',
  clearLlmApiKey: 'revise.clearLlmApiKey',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];
