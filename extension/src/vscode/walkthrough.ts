import * as vscode from 'vscode';
import { stepsCompletedBy, type FinishedCheck, type WalkthroughKey } from './walkthroughSteps';

export { WalkthroughKeys } from './walkthroughSteps';

/** `publisher.name#walkthroughId`, as `workbench.action.openWalkthrough` takes it. */
export const WALKTHROUGH_ID = 'revise-dev.revise#gettingStarted';

/**
 * Completes the walkthrough's steps by setting the context keys their `completionEvents` wait for.
 * VS Code remembers a completed step; the keys only need to be set once per window.
 */
export class WalkthroughProgress {
  private readonly done = new Set<WalkthroughKey>();

  /** A check finished: it completes "run a check" and, depending on its result, more. */
  checkFinished(check: FinishedCheck): void {
    for (const key of stepsCompletedBy(check)) this.complete(key);
  }

  /** Marks one step done. */
  complete(key: WalkthroughKey): void {
    if (this.done.has(key)) return;
    this.done.add(key);
    void vscode.commands.executeCommand('setContext', key, true);
  }
}
