import * as vscode from 'vscode';
import type { Logger } from '../core/ports';

/** The part of the Python extension's public API that Revise uses (both the current and the legacy shape). */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(environment: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand?: string[] };
  };
}

/**
 * The interpreter the Python extension has selected for a folder, when that extension is installed;
 * undefined otherwise (the core then uses `python3`). Never activates anything heavy by itself: the Python
 * extension is only activated if it is installed.
 */
export async function activePythonInterpreter(folder: vscode.Uri, logger: Logger): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const environmentPath = api?.environments?.getActiveEnvironmentPath(folder);
    if (environmentPath && api.environments) {
      const resolved = await api.environments.resolveEnvironment(environmentPath);
      const executable = resolved?.executable?.uri?.fsPath;
      if (executable) return executable;
      if (environmentPath.path) return environmentPath.path;
    }
    const command = api?.settings?.getExecutionDetails(folder).execCommand;
    if (command && command.length === 1) return command[0];
  } catch (error) {
    logger.warn(`Could not ask the Python extension for its interpreter: ${String(error)}`);
  }
  return undefined;
}
