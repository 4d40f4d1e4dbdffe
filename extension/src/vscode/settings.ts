import * as vscode from 'vscode';
import * as os from 'node:os';
import type { CheckSettings } from '../core/pipeline';

/** Display settings for results in the editor. */
export interface DisplaySettings {
  threshold: number;
  warningThreshold: number;
  maxSuspects: number;
  decorations: boolean;
}

/** Reads `revise.*` for one folder, every time (settings can change between checks). */
export function readCheckSettings(folder: vscode.WorkspaceFolder): CheckSettings {
  const config = vscode.workspace.getConfiguration('revise', folder.uri);
  const pythonPath = config.get<string>('python.path', '').trim();
  const command = config.get<string[]>('test.command', []).filter((part) => typeof part === 'string' && part.length > 0);
  return {
    ...(pythonPath ? { pythonPath: resolveVariables(pythonPath, folder) } : {}),
    ...(command.length > 0 ? { testCommand: command.map((part) => resolveVariables(part, folder)) } : {}),
    perTestTimeoutMs: Math.max(1, config.get<number>('test.timeoutPerTestSeconds', 30)) * 1000,
    totalTimeoutMs: Math.max(5, config.get<number>('test.totalTimeoutSeconds', 300)) * 1000,
    patch: {
      maxCandidates: Math.max(1, Math.round(config.get<number>('patch.maxCandidates', 60))),
      timeMs: Math.max(5, config.get<number>('patch.timeBudgetSeconds', 60)) * 1000,
      workers: Math.round(config.get<number>('patch.workers', 0)) || Math.max(1, Math.min(4, os.cpus().length)),
      maxLines: Math.max(1, Math.round(config.get<number>('patch.maxLines', 6))),
    },
  };
}

/** Reads the display settings for one folder. */
export function readDisplaySettings(folder: vscode.WorkspaceFolder | undefined): DisplaySettings {
  const config = vscode.workspace.getConfiguration('revise', folder?.uri);
  return {
    threshold: clamp(config.get<number>('diagnostics.threshold', 0.3)),
    warningThreshold: clamp(config.get<number>('diagnostics.errorThreshold', 0.7)),
    maxSuspects: Math.max(1, Math.round(config.get<number>('diagnostics.maxSuspects', 5))),
    decorations: config.get<boolean>('decorations.enabled', true),
  };
}

function resolveVariables(value: string, folder: vscode.WorkspaceFolder): string {
  return value.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
}

function clamp(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
