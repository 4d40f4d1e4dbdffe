/**
 * Runs HumanEvalComm example calls against a task's canonical solution in one long-lived Python process,
 * standing in for the runner the adapters will supply to `assessTask`. Calls are cached, time-limited
 * (2 s each) and isolated from the solution's own printing.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as readline from 'node:readline';
import type { ExampleRunner } from '../../extension/src/core/bounce/input/consistency';

const SERVER = String.raw`
import sys, json, signal, io, contextlib
def on_alarm(signum, frame):
    raise TimeoutError()
signal.signal(signal.SIGALRM, on_alarm)
protocol = sys.stdout
namespaces = {}
def timed(seconds, thunk):
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return thunk()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
for line in sys.stdin:
    request = json.loads(line)
    reply = {"id": request["id"]}
    try:
        key = request["key"]
        if key not in namespaces:
            namespace = {}
            timed(5, lambda: exec(request["code"], namespace))
            entry = request.get("entry")
            if entry and entry in namespace:
                namespace["candidate"] = namespace[entry]
            namespaces[key] = namespace
        namespace = namespaces[key]
        value = timed(2, lambda: eval(request["call"], namespace))
        reply["repr"] = repr(value)
    except Exception as error:
        reply["error"] = type(error).__name__
    protocol.write(json.dumps(reply) + "\n")
    protocol.flush()
`;

interface Reply {
  id: number;
  repr?: string;
  error?: string;
}

/** A Python process that evaluates example calls against solutions. */
export class PythonExampleRunner {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private readonly cache = new Map<string, Promise<string | undefined>>();
  private nextId = 0;
  private closed = false;

  constructor(python = process.env.PYTHON ?? 'python3') {
    this.child = spawn(python, ['-u', '-c', SERVER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.resume();
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const reply = JSON.parse(line) as Reply;
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    this.child.on('exit', () => {
      this.closed = true;
      for (const resolve of this.pending.values()) resolve({ id: -1, error: 'exited' });
      this.pending.clear();
    });
  }

  /** A runner for one task's solution (`key` names it); `candidate(...)` calls are aliased to `entryPoint`. */
  runnerFor(key: string, solution: string, entryPoint: string): ExampleRunner {
    return (call: string) => {
      const cacheKey = `${key}\u0000${call}`;
      let result = this.cache.get(cacheKey);
      if (!result) {
        result = this.request(key, solution, entryPoint, call);
        this.cache.set(cacheKey, result);
      }
      return result;
    };
  }

  private request(key: string, solution: string, entryPoint: string, call: string): Promise<string | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (reply) => resolve(reply.repr));
      this.child.stdin.write(JSON.stringify({ id, key, code: solution, entry: entryPoint, call }) + '\n');
    });
  }

  /** Ends the Python process. */
  close(): void {
    if (!this.closed) this.child.stdin.end();
  }
}
