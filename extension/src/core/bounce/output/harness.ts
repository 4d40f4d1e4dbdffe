/**
 * The programs that run candidate patches side by side for differential testing, kept as text so the
 * core needs no extra asset folder: each is written into a temporary folder next to (never inside) the
 * isolated copy of the project.
 *
 * Protocol (both languages): `<program> <request.json> <result.json>`. The request names the module to
 * load, the calls to make and the limits; the result holds one outcome string per call, in order:
 * `ok:<canonical value>`, `raise:<error type>`, `timeout`, or `skipped` (the harness's own time budget
 * ran out before the call). The Python harness also has a mode that turns the calls taken from the tests
 * into varied inputs, and one (`examples`) that runs a task's worked examples and answers each result as
 * its literal text (`ok:[1, 2]`), for the input bouncer to compare with what the task says; and one
 * (`doctest`, Python) that runs the doctest examples of the function holding a line, each pass or fail.
 */

/** Python 3.8+ harness, standard library only. */
export const PYTHON_HARNESS = String.raw`
import ast, copy, importlib, importlib.util, io, json, math, os, signal, sys, time

class _Timeout(BaseException):
    pass

def _on_alarm(signum, frame):
    raise _Timeout()

def literal_call(text):
    """Positional and keyword argument values of a call's argument text, when all are literals."""
    try:
        node = ast.parse("f(" + text + ")", mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call):
        return None
    try:
        args = [ast.literal_eval(arg) for arg in node.args if not isinstance(arg, ast.Starred)]
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            return None
        kwargs = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                return None
            kwargs[keyword.arg] = ast.literal_eval(keyword.value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return args, kwargs

def vary_value(value, depth=0):
    """Nearby values of the same kind: small integer steps, zero, sign flips, shorter or empty sequences."""
    out = []
    if isinstance(value, bool):
        out.append(not value)
    elif isinstance(value, int):
        out.extend([value + 1, value - 1, 0, -value, 1])
    elif isinstance(value, float):
        out.extend([value + 1.0, value - 1.0, 0.0, -value, value / 2.0])
    elif isinstance(value, str):
        out.extend(["", value[:-1], value[1:], value[::-1], value + value[-1:], value.swapcase()])
    elif isinstance(value, (list, tuple)):
        kind = type(value)
        items = list(value)
        out.extend([kind([]), kind(items[:-1]), kind(items[1:]), kind(items[::-1])])
        try:
            out.append(kind(sorted(items)))
        except TypeError:
            pass
        if items:
            out.append(kind(items + items[-1:]))
        if depth == 0:
            for position in (0, len(items) - 1):
                if 0 <= position < len(items):
                    for replacement in vary_value(items[position], depth + 1)[:3]:
                        changed = list(items)
                        changed[position] = replacement
                        out.append(kind(changed))
    elif isinstance(value, dict):
        keys = list(value)
        out.append({})
        if keys:
            out.append({key: value[key] for key in keys[:-1]})
    unique = []
    seen = set([repr(value)])
    for candidate in out:
        key = repr(candidate)
        if key not in seen:
            seen.add(key)
            unique.append(candidate)
    return unique

def vary_call(args, kwargs):
    """Varied argument lists of one call: one argument changed at a time, then neighbours swapped."""
    variants = []
    for index, value in enumerate(args):
        for replacement in vary_value(value):
            changed = list(args)
            changed[index] = replacement
            variants.append((changed, dict(kwargs)))
    for name, value in kwargs.items():
        for replacement in vary_value(value):
            changed = dict(kwargs)
            changed[name] = replacement
            variants.append((list(args), changed))
    for index in range(len(args) - 1):
        if type(args[index]) is type(args[index + 1]) and repr(args[index]) != repr(args[index + 1]):
            changed = list(args)
            changed[index], changed[index + 1] = changed[index + 1], changed[index]
            variants.append((changed, dict(kwargs)))
    return variants

def make_inputs(request):
    """Round-robin over the test calls so each contributes, deduplicated, at most max_inputs."""
    per_call = []
    seen = set()
    for call in request["calls"]:
        parsed = literal_call(call["args"])
        if parsed is None:
            continue
        args, kwargs = parsed
        seen.add(repr(((call["file"], call["function"]), args, sorted(kwargs.items()))))
        per_call.append(((call["file"], call["function"]), vary_call(args, kwargs)))
    inputs = []
    position = 0
    limit = int(request.get("max_inputs", 48))
    while len(inputs) < limit and any(position < len(variants) for _, variants in per_call):
        for function, variants in per_call:
            if position >= len(variants) or len(inputs) >= limit:
                continue
            args, kwargs = variants[position]
            key = repr((function, args, sorted(kwargs.items())))
            if key in seen:
                continue
            seen.add(key)
            try:
                text = repr((args, kwargs))
                ast.literal_eval(text)
            except (ValueError, SyntaxError, RecursionError):
                continue
            inputs.append({"file": function[0], "function": function[1], "value": text})
        position += 1
    return {"inputs": inputs, "usable_calls": len(per_call)}

def canonical(value, depth=0):
    if depth > 6:
        return "..."
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return repr(value)
        return round(value, 9)
    if isinstance(value, int):
        return value if abs(value) < 2 ** 53 else repr(value)
    if isinstance(value, str):
        return value[:500]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__] + [canonical(item, depth + 1) for item in list(value)[:200]]
    if isinstance(value, (set, frozenset)):
        return ["set"] + sorted(repr(canonical(item, depth + 1)) for item in value)[:200]
    if isinstance(value, dict):
        return ["dict"] + sorted([repr(canonical(key, depth + 1)), canonical(item, depth + 1)] for key, item in list(value.items())[:200])
    if hasattr(value, "__next__"):
        import itertools
        return ["iter"] + [canonical(item, depth + 1) for item in itertools.islice(value, 200)]
    return repr(value)[:500]

def load_module(root, file):
    directory = os.path.dirname(file)
    for base in (root, os.path.join(root, "src"), directory):
        relative = os.path.relpath(file, base)
        if relative.startswith(".."):
            continue
        parts = relative[:-3].split(os.sep)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not parts or not all(part.isidentifier() for part in parts):
            continue
        if base not in sys.path:
            sys.path.insert(0, base)
        try:
            return importlib.import_module(".".join(parts))
        except Exception:
            continue
    spec = importlib.util.spec_from_file_location("revise_candidate_module", file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

def run_calls(request):
    root = request["root"]
    os.chdir(root)
    per_call = float(request.get("per_call_timeout_ms", 500)) / 1000.0
    deadline = time.monotonic() + float(request.get("budget_ms", 8000)) / 1000.0
    has_alarm = hasattr(signal, "setitimer")
    if has_alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
    def arm(seconds):
        # Without SIGALRM (Windows) only the caller's process timeout stops a hanging call.
        if has_alarm:
            signal.setitimer(signal.ITIMER_REAL, seconds)
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    outcomes = []
    modules = {}
    try:
        for item in request["inputs"]:
            if time.monotonic() > deadline:
                outcomes.append("skipped")
                continue
            if item["file"] not in modules:
                try:
                    arm(max(per_call * 4, 2.0))
                    modules[item["file"]] = load_module(root, os.path.join(root, item["file"]))
                    arm(0)
                except _Timeout:
                    modules[item["file"]] = "timeout"
                except BaseException as error:
                    arm(0)
                    modules[item["file"]] = "raise:load:" + type(error).__name__
            module = modules[item["file"]]
            if isinstance(module, str):
                outcomes.append(module)
                continue
            function = getattr(module, item["function"], None)
            if not callable(function):
                outcomes.append("raise:missing")
                continue
            args, kwargs = ast.literal_eval(item["value"])
            args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
            try:
                arm(per_call)
                try:
                    result = function(*args, **kwargs)
                    text = as_literal(result) if request.get("as_literal") else json.dumps(canonical(result), sort_keys=True)
                finally:
                    arm(0)
                outcomes.append("unrepresentable" if text is None else "ok:" + text[:2000])
            except _Timeout:
                outcomes.append("timeout")
            except KeyboardInterrupt:
                # The caller is stopping this process (its time limit): the call hung; nothing after it ran.
                outcomes.append("timeout")
                outcomes.extend(["crash"] * (len(request["inputs"]) - len(outcomes)))
                break
            except RecursionError:
                outcomes.append("raise:RecursionError")
            except BaseException as error:
                outcomes.append("raise:" + type(error).__name__)
            sys.stdout.seek(0)
            sys.stdout.truncate()
            sys.stderr.seek(0)
            sys.stderr.truncate()
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr
    return {"outcomes": outcomes}

def as_literal(value):
    """The value as Python writes it, when that text reads back as a literal; else None."""
    text = repr(value)
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return text

def run_examples(request):
    """A task's worked examples: calls with literal arguments only, each result as its literal text."""
    outcomes = ["unparsable"] * len(request["calls"])
    inputs, positions = [], []
    for index, call in enumerate(request["calls"]):
        parsed = literal_call(call["args"])
        if parsed is None:
            continue
        try:
            value = repr(parsed)
            ast.literal_eval(value)
        except (ValueError, SyntaxError, RecursionError):
            continue
        inputs.append({"file": call["file"], "function": call["function"], "value": value})
        positions.append(index)
    ran = run_calls(dict(request, inputs=inputs, as_literal=True))["outcomes"]
    for index, outcome in zip(positions, ran):
        outcomes[index] = outcome
    return {"outcomes": outcomes}

def enclosing_qualname(path, line):
    """Dotted name of the innermost function (or method) whose lines hold 'line', when it can be reached
    from the module by attribute access (not one nested in another function); else None."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    found = [None]
    def visit(node, trail, inside_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                end = getattr(child, "end_lineno", None) or child.lineno
                if child.lineno <= line <= end:
                    name = trail + [child.name]
                    is_function = not isinstance(child, ast.ClassDef)
                    if is_function:
                        found[0] = None if inside_function else ".".join(name)
                    visit(child, name, inside_function or is_function)
    visit(tree, [], False)
    return found[0]

def run_doctests(request):
    """The doctest examples of one function's docstring, each 'pass' or 'fail' with what it printed."""
    root = request["root"]
    os.chdir(root)
    path = os.path.join(root, request["file"])
    qualname = request.get("qualname") or enclosing_qualname(path, int(request["line"]))
    if not qualname:
        return {"qualname": None, "examples": []}
    import doctest
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    has_alarm = hasattr(signal, "setitimer")
    if has_alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, float(request.get("timeout_ms", 5000)) / 1000.0)
    examples = []
    try:
        module = load_module(root, path)
        target = module
        for part in qualname.split("."):
            target = getattr(target, part)
        target = getattr(target, "__func__", target)
        flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        class Recorder(doctest.DocTestRunner):
            def report_start(self, out, test, example):
                pass
            def report_success(self, out, test, example, got):
                examples.append({"source": example.source.strip(), "want": example.want.strip(), "got": got.strip(), "passed": True})
            def report_failure(self, out, test, example, got):
                examples.append({"source": example.source.strip(), "want": example.want.strip(), "got": got.strip(), "passed": False})
            def report_unexpected_exception(self, out, test, example, exc_info):
                examples.append({"source": example.source.strip(), "want": example.want.strip(), "got": "raised " + exc_info[0].__name__, "passed": False})
        finder = doctest.DocTestFinder(recurse=False)
        runner = Recorder(optionflags=flags, verbose=False)
        for test in finder.find(target, qualname, module=module, globs=dict(vars(module))):
            runner.run(test, out=lambda text: None, clear_globs=True)
    except _Timeout:
        examples.append({"source": "", "want": "", "got": "timeout", "passed": False})
    except BaseException as error:
        return {"qualname": qualname, "examples": examples, "error": type(error).__name__}
    finally:
        if has_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stdout, sys.stderr = real_stdout, real_stderr
    return {"qualname": qualname, "examples": examples}

def main():
    mode, request_file, result_file = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(request_file) as handle:
        request = json.load(handle)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    modes = {"inputs": make_inputs, "examples": run_examples, "doctest": run_doctests}
    result = modes.get(mode, run_calls)(request)
    with open(result_file, "w") as handle:
        json.dump(result, handle)
    sys.stdout.flush()
    os._exit(0)

main()
`;

/**
 * Node harness for JavaScript and TypeScript compiled to JavaScript: loads the patched module with
 * `require` (or `import()` for ES modules), makes each call inside `vm` with a timeout so a synchronous
 * endless loop is interrupted, and varies inputs like the Python harness.
 */
export const NODE_HARNESS = String.raw`
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const util = require('node:util');

function evaluateArguments(text) {
  try {
    const value = vm.runInNewContext('[' + text + ']', Object.create(null), { timeout: 200 });
    return Array.isArray(value) ? Array.from(value) : undefined;
  } catch {
    return undefined;
  }
}

function isPlain(value, depth = 0) {
  if (depth > 6) return false;
  if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every((item) => isPlain(item, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every((item) => isPlain(item, depth + 1));
  return false;
}

function varyValue(value, depth = 0) {
  const out = [];
  if (typeof value === 'boolean') out.push(!value);
  else if (typeof value === 'number' && Number.isInteger(value)) out.push(value + 1, value - 1, 0, -value, 1);
  else if (typeof value === 'number') out.push(value + 1, value - 1, 0, -value, value / 2);
  else if (typeof value === 'string') out.push('', value.slice(0, -1), value.slice(1), [...value].reverse().join(''), value + value.slice(-1));
  else if (Array.isArray(value)) {
    out.push([], value.slice(0, -1), value.slice(1), [...value].reverse());
    if (value.length > 0) out.push([...value, value[value.length - 1]]);
    if (depth === 0) {
      for (const position of [0, value.length - 1]) {
        if (position < 0 || position >= value.length) continue;
        for (const replacement of varyValue(value[position], depth + 1).slice(0, 3)) {
          const changed = [...value];
          changed[position] = replacement;
          out.push(changed);
        }
      }
    }
  }
  const seen = new Set([JSON.stringify(value)]);
  return out.filter((item) => {
    const key = JSON.stringify(item);
    if (key === undefined || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function varyCall(args) {
  const variants = [];
  args.forEach((value, index) => {
    for (const replacement of varyValue(value)) {
      const changed = [...args];
      changed[index] = replacement;
      variants.push(changed);
    }
  });
  for (let index = 0; index + 1 < args.length; index++) {
    if (typeof args[index] === typeof args[index + 1] && JSON.stringify(args[index]) !== JSON.stringify(args[index + 1])) {
      const changed = [...args];
      [changed[index], changed[index + 1]] = [changed[index + 1], changed[index]];
      variants.push(changed);
    }
  }
  return variants;
}

function makeInputs(request) {
  const perCall = [];
  const seen = new Set();
  for (const call of request.calls) {
    const args = evaluateArguments(call.args);
    if (!args || !isPlain(args)) continue;
    seen.add(JSON.stringify([call.file, call.function, args]));
    perCall.push([[call.file, call.function], varyCall(args)]);
  }
  const inputs = [];
  const limit = request.max_inputs ?? 48;
  for (let position = 0; inputs.length < limit && perCall.some(([, variants]) => position < variants.length); position++) {
    for (const [name, variants] of perCall) {
      if (position >= variants.length || inputs.length >= limit) continue;
      const key = JSON.stringify([name[0], name[1], variants[position]]);
      if (seen.has(key)) continue;
      seen.add(key);
      inputs.push({ file: name[0], function: name[1], value: JSON.stringify(variants[position]) });
    }
  }
  return { inputs, usable_calls: perCall.length };
}

function canonical(value, depth = 0) {
  if (depth > 6) return '...';
  if (typeof value === 'number') return Number.isFinite(value) ? Number(value.toPrecision(12)) : String(value);
  if (typeof value === 'bigint') return value.toString() + 'n';
  if (value === undefined) return '<undefined>';
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return ['array', ...value.slice(0, 200).map((item) => canonical(item, depth + 1))];
  if (value instanceof Set) return ['set', ...[...value].map((item) => JSON.stringify(canonical(item, depth + 1))).sort()];
  if (value instanceof Map) return ['map', ...[...value].map(([key, item]) => [JSON.stringify(canonical(key, depth + 1)), canonical(item, depth + 1)]).sort()];
  if (typeof value === 'object') return ['object', ...Object.keys(value).sort().map((key) => [key, canonical(value[key], depth + 1)])];
  return util.inspect(value).slice(0, 500);
}

async function loadModule(file) {
  try {
    return require(file);
  } catch (error) {
    if (error && (error.code === 'ERR_REQUIRE_ESM' || error.code === 'ERR_REQUIRE_ASYNC_MODULE')) return import(require('node:url').pathToFileURL(file).href);
    throw error;
  }
}

async function runCalls(request) {
  process.chdir(request.root);
  const perCall = request.per_call_timeout_ms ?? 500;
  const deadline = Date.now() + (request.budget_ms ?? 8000);
  for (const method of ['log', 'info', 'warn', 'error', 'debug']) console[method] = () => {};
  const modules = new Map();
  const outcomes = [];
  for (const item of request.inputs) {
    if (Date.now() > deadline) {
      outcomes.push('skipped');
      continue;
    }
    if (!modules.has(item.file)) {
      try {
        modules.set(item.file, { module: await loadModule(path.join(request.root, item.file)) });
      } catch (error) {
        modules.set(item.file, { error: 'raise:load:' + ((error && error.constructor && error.constructor.name) || 'Error') });
      }
    }
    const loaded = modules.get(item.file);
    if (loaded.error) {
      outcomes.push(loaded.error);
      continue;
    }
    const module = loaded.module;
    const exported = module && (module[item.function] ?? (module.default && module.default[item.function]) ?? (typeof module === 'function' && module.name === item.function ? module : undefined));
    if (typeof exported !== 'function') {
      outcomes.push('raise:missing');
      continue;
    }
    const args = JSON.parse(item.value);
    try {
      const context = vm.createContext({ target: exported, args });
      let result = vm.runInContext('target(...args)', context, { timeout: perCall });
      if (result && typeof result.then === 'function') {
        result = await Promise.race([result, new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error('timeout'), { timeout: true })), perCall))]);
      }
      const text = request.as_literal ? asLiteral(result) : JSON.stringify(canonical(result));
      outcomes.push(text === undefined ? 'unrepresentable' : 'ok:' + text.slice(0, 2000));
    } catch (error) {
      if (error && (error.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' || error.timeout)) outcomes.push('timeout');
      else outcomes.push('raise:' + ((error && error.constructor && error.constructor.name) || typeof error));
    }
  }
  return { outcomes };
}

/** A plain value (numbers, strings, booleans, null, arrays, plain objects) as JSON; else undefined. */
function asLiteral(value) {
  return isPlain(value) ? JSON.stringify(value) : undefined;
}

/** A task's worked examples: calls whose arguments are plain literals, each result as its literal text. */
async function runExamples(request) {
  const outcomes = request.calls.map(() => 'unparsable');
  const inputs = [];
  const positions = [];
  request.calls.forEach((call, index) => {
    const args = evaluateArguments(call.args);
    if (!args || !isPlain(args)) return;
    inputs.push({ file: call.file, function: call.function, value: JSON.stringify(args) });
    positions.push(index);
  });
  const ran = (await runCalls({ ...request, inputs, as_literal: true })).outcomes;
  positions.forEach((index, position) => {
    outcomes[index] = ran[position];
  });
  return { outcomes };
}

(async () => {
  const [mode, requestFile, resultFile] = process.argv.slice(2);
  const request = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
  const result = mode === 'inputs' ? makeInputs(request) : mode === 'examples' ? await runExamples(request) : await runCalls(request);
  fs.writeFileSync(resultFile, JSON.stringify(result));
  process.exit(0);
})();
`;
