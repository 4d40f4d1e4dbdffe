import * as vscode from 'vscode';
import * as os from 'node:os';
import { defaultParallelRuns, type CheckSettings } from '../core/pipeline';
import type { LlmRole } from '../core/llm/check';
import { displayUrl } from '../core/llm/errors';
import { OPENAI_BASE_URL } from '../core/llm/openai';
import { settingMs } from '../core/process';

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
    perTestTimeoutMs: settingMs(config.get<number>('test.timeoutPerTestSeconds', 30), 1, 30),
    totalTimeoutMs: settingMs(config.get<number>('test.totalTimeoutSeconds', 300), 5, 300),
    parallelRuns: Math.max(0, Math.min(64, Math.round(config.get<number>('test.parallelRuns', 0)))) || defaultParallelRuns(),
    patch: {
      maxCandidates: Math.max(1, Math.round(config.get<number>('patch.maxCandidates', 60))),
      timeMs: settingMs(config.get<number>('patch.timeBudgetSeconds', 300), 5, 300),
      workers: Math.round(config.get<number>('patch.workers', 0)) || Math.max(1, Math.min(4, os.cpus().length)),
      maxLines: Math.max(1, Math.round(config.get<number>('patch.maxLines', 6))),
      warmWorkers: config.get<boolean>('patch.warmWorkers', true),
    },
    targetPrecision: clamp(config.get<number>('abstain.targetPrecision', 0.9)),
    runTaskExamples: config.get<boolean>('task.runExamples', true) !== false,
    confirm: config.get<string>('patch.confirm', 'suite') === 'affected' ? 'affected' : 'suite',
    sandbox: { allowUnsandboxedModelCode: config.get<boolean>('sandbox.allowUnsandboxedModelCode', false) === true },
  };
}

/** `revise.llm.*`: how to reach the optional language model. The key is not a setting (see `readLlmApiKey`). */
export interface LlmSettings {
  enabled: boolean;
  /** The endpoint, without a trailing slash; OpenAI's when the setting is empty. */
  baseUrl: string;
  model: string;
  maxRequests: number;
  maxTokens: number;
  timeoutMs: number;
  roles: Record<LlmRole, boolean>;
}

/** Reads `revise.llm.*` for one folder, every time (settings can change between checks). */
export function readLlmSettings(folder: vscode.WorkspaceFolder | undefined): LlmSettings {
  const config = vscode.workspace.getConfiguration('revise', folder?.uri);
  const baseUrl = config.get<string>('llm.baseUrl', OPENAI_BASE_URL).trim().replace(/\/+$/, '') || OPENAI_BASE_URL;
  return {
    enabled: config.get<boolean>('llm.enabled', false),
    baseUrl,
    model: config.get<string>('llm.model', 'gpt-4o-mini').trim() || 'gpt-4o-mini',
    maxRequests: Math.max(1, Math.round(config.get<number>('llm.maxRequests', 8))),
    maxTokens: Math.max(1000, Math.round(config.get<number>('llm.maxTokens', 60_000))),
    timeoutMs: Math.min(600_000, settingMs(config.get<number>('llm.timeoutSeconds', 60), 5, 60)),
    roles: {
      critic: config.get<boolean>('llm.critic', true),
      patches: config.get<boolean>('llm.patches', true),
      judge: config.get<boolean>('llm.judge', true),
    },
  };
}

/**
 * Where the key for `baseUrl` lives in SecretStorage: one key per endpoint origin, so that pointing
 * `revise.llm.baseUrl` at another server never sends it the key meant for the first.
 */
export function llmSecretId(baseUrl: string): string {
  let origin: string;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    origin = baseUrl;
  }
  return `revise.llm.apiKey:${origin}`;
}

/**
 * The key for `baseUrl`: the one stored with Revise: Set LLM API Key, else REVISE_LLM_API_KEY or
 * OPENAI_API_KEY from the environment. Undefined when there is none (fine for local servers).
 */
export async function readLlmApiKey(secrets: vscode.SecretStorage, baseUrl: string): Promise<string | undefined> {
  const stored = (await secrets.get(llmSecretId(baseUrl)))?.trim();
  return stored || process.env.REVISE_LLM_API_KEY?.trim() || process.env.OPENAI_API_KEY?.trim() || undefined;
}

/** Revise: Set LLM API Key: asks for the key of the configured endpoint and keeps it in SecretStorage. */
export async function setLlmApiKey(secrets: vscode.SecretStorage): Promise<void> {
  const folder = vscode.window.activeTextEditor ? vscode.workspace.getWorkspaceFolder(vscode.window.activeTextEditor.document.uri) : undefined;
  const settings = readLlmSettings(folder);
  const endpoint = displayUrl(settings.baseUrl);
  const key = await vscode.window.showInputBox({
    title: 'Revise: Set LLM API Key',
    prompt: `API key for ${endpoint} (revise.llm.baseUrl). Kept in VS Code's secret storage, never in settings or logs. Local servers need none.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : 'Enter a key, or press Escape to cancel.'),
  });
  if (key === undefined) return;
  await secrets.store(llmSecretId(settings.baseUrl), key.trim());
  if (settings.enabled) {
    void vscode.window.showInformationMessage(`Revise: the API key for ${endpoint} is stored.`);
    return;
  }
  const choice = await vscode.window.showInformationMessage(`Revise: the API key for ${endpoint} is stored. The language model is off (revise.llm.enabled).`, 'Turn On');
  if (choice === 'Turn On') await vscode.workspace.getConfiguration('revise').update('llm.enabled', true, vscode.ConfigurationTarget.Global);
}

/** Revise: Clear LLM API Key: forgets the stored key of the configured endpoint. */
export async function clearLlmApiKey(secrets: vscode.SecretStorage): Promise<void> {
  const folder = vscode.window.activeTextEditor ? vscode.workspace.getWorkspaceFolder(vscode.window.activeTextEditor.document.uri) : undefined;
  const { baseUrl } = readLlmSettings(folder);
  const id = llmSecretId(baseUrl);
  const had = (await secrets.get(id)) !== undefined;
  await secrets.delete(id);
  const fromEnvironment = process.env.REVISE_LLM_API_KEY || process.env.OPENAI_API_KEY ? ' A key in the environment (REVISE_LLM_API_KEY or OPENAI_API_KEY) is still used.' : '';
  const endpoint = displayUrl(baseUrl);
  void vscode.window.showInformationMessage(`Revise: ${had ? `the stored API key for ${endpoint} is removed.` : `there is no stored API key for ${endpoint}.`}${fromEnvironment}`);
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
