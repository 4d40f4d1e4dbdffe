/**
 * The examples run the way `revise check --task TEXT` runs them when every test passes (the "product"
 * view): each task's canonical solution is written as a module in a folder of its own, the function is
 * looked up by the names the task uses (`findExampleTarget`, as the pipeline does, so a task that only
 * names `candidate` gets no run), and the examples run through the product's harness in the sandbox.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findExampleTarget, runExamples } from '../../extension/src/core/bounce/examples';
import { examplesToRun, type ExampleRunner } from '../../extension/src/core/bounce/input/index';
import { silentLogger, type ProcessRunner } from '../../extension/src/core/ports';
import { NodeProcessRunner } from '../../extension/src/core/process';
import { detectSandbox, sandboxedRunner } from '../../extension/src/core/sandbox/index';
import { DiskSourceReader } from '../../extension/src/core/sources';
import type { LabelledTask } from './data';

export class ProductExampleRuns {
  private readonly folder = fs.mkdtempSync(path.join(os.tmpdir(), 'revise-bench-examples-'));
  private readonly sources = new DiskSourceReader();
  private runner?: (writable: string[]) => ProcessRunner;
  private count = 0;
  /** Tasks whose examples ran against the solution, and those with examples that found no function. */
  readonly stats = { ran: 0, noTarget: 0, noExamples: 0 };

  constructor(private readonly python = process.env.PYTHON ?? '/usr/bin/python3') {}

  async runnerFor(task: LabelledTask): Promise<ExampleRunner | undefined> {
    if (!task.solution) return undefined;
    const { signature, examples } = examplesToRun(task.text);
    if (examples.length === 0) {
      this.stats.noExamples++;
      return undefined;
    }
    const root = path.join(this.folder, `task-${this.count++}`);
    fs.mkdirSync(root);
    const file = path.join(root, 'solution.py');
    fs.writeFileSync(file, task.solution);
    const names = [...(signature ? [signature.name] : []), ...examples.map((example) => example.functionName)];
    const target = await findExampleTarget(names, [file], this.sources);
    if (!target) {
      this.stats.noTarget++;
      return undefined;
    }
    if (!this.runner) {
      const inner = new NodeProcessRunner();
      const sandbox = await detectSandbox(inner);
      this.runner = (writable) => sandboxedRunner(inner, sandbox, { writable, network: false });
    }
    const runs = await runExamples({ root, target, examples, ...(signature ? { aliases: [signature.name] } : {}), runner: this.runner, pythonPath: this.python, logger: silentLogger });
    if (runs.compared > 0) this.stats.ran++;
    return runs.compared > 0 ? runs.runExample : undefined;
  }

  close(): void {
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}
