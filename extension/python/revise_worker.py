"""Revise's warm pytest worker: one loaded test session serves many candidate patches.

Started once per isolated copy of the project (``python -m revise_worker ARGS...``, working folder = the
copy, the folder of this file on PYTHONPATH, Revise's environment variables set). It runs one pytest
session over ARGS with Revise's plugin (``-p revise_pytest``): pytest, its plugins, the project and its
tests are imported and collected once. Instead of running the tests, the session then serves requests.

Per request it forks a child, so every run starts from the state right after collection, and nothing one
candidate's tests do reaches the next. In the child:

- **swap**: the candidate's file (already written into the copy) is compiled, and every live function
  of the old module gets the new code object (``function.__code__``), so that references taken by
  ``from module import name`` see the candidate too. This is done only when the two versions differ
  inside functions alone (module and class bodies equal apart from line numbers), every changed
  function was found, and none of them ran while the project loaded (a C-level profiler records which
  functions module-level code, class bodies and decorators called; what those calls computed would keep
  the old code's answer); then the requested test items run through pytest's normal runtest protocol.
  The profiler runs only while project code can run during the load (``LoadWindows``): while a module
  of the project (its tests and conftest files included) executes, and while a hook that a project file
  implements runs. Profiling pytest's own collection too would double a big suite's load.
- **fresh**: anything else (a module- or class-level change, a file that did not import, a requested test
  the session does not have, Python before 3.11) replaces the child with a cold ``python -m pytest`` run
  of the same tests, so the answer is always a correct one, just slower.

The child leads its own process group; the parent waits for it, then kills that group so no grandchild
outlives the run. Protocol, one JSON object per line; the parent writes on the descriptor it got as
stdout (test output never reaches it) and reads requests from stdin:

  -> {"type": "ready", "warm": true|false, "reason": "...", "python": "3.11.2", "items": 9, "warmupMs": 310}
  <- {"id": 1, "tests": [node ids], "files": [changed files], "outputDir": "/tmp/...", "args": [cold pytest args],
      "timeout": 2.0 (optional, seconds per test), "stopAfterTimeout": true (optional: no test after one that hung)}
  -> {"type": "started", "id": 1, "pid": 456}
  -> {"type": "done", "id": 1, "exit": 0, "mode": "swap"|"fresh"}   (exit -N: killed by signal N)

``warm: false`` means the session cannot serve (``reason`` says why: collection failed, an import left a
thread running, no ``os.fork``); Revise then runs each candidate cold. The worker ends at the end of stdin.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import threading
import time
import types

FRESH_EXIT = "fresh"
SWAP = "swap"


def _send(channel, record: dict) -> None:
    channel.write(json.dumps(record) + "\n")
    channel.flush()


# -- code swap ----------------------------------------------------------------------------------------------

_SHAPE_ATTRIBUTES = (
    "co_argcount",
    "co_posonlyargcount",
    "co_kwonlyargcount",
    "co_flags",
    "co_code",
    "co_names",
    "co_varnames",
    "co_freevars",
    "co_cellvars",
    "co_exceptiontable",
)


def _same(a, b, with_nested: bool) -> bool:
    """Whether two code objects behave the same, ignoring line numbers (and nested code when asked)."""
    for name in _SHAPE_ATTRIBUTES:
        if getattr(a, name, None) != getattr(b, name, None):
            return False
    if len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, types.CodeType) and isinstance(y, types.CodeType):
            if x.co_qualname != y.co_qualname or (with_nested and not _same(x, y, True)):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


def _plan_swap(old, new, live: dict, plan: dict) -> str:
    """Walks module and class bodies; fills ``plan`` {old code: new code} for functions to swap.

    Returns '' when the change lies inside functions only, else why a fresh import is needed.
    """
    if not _same(old, new, False):
        return "%s changed outside its functions" % (old.co_qualname if old.co_name != "<module>" else "the module body")
    for x, y in zip(old.co_consts, new.co_consts):
        if not isinstance(x, types.CodeType):
            continue
        if x in live:
            if x.co_freevars != y.co_freevars:
                return "%s changed its closure" % x.co_qualname
            if x != y:  # code objects compare equal only when identical, line numbers included
                plan[x] = y
        elif _is_body(x) and _is_body(y):
            reason = _plan_swap(x, y, live, plan)
            if reason:
                return reason
        elif not _same(x, y, True):
            return "%s changed and is not a live function" % x.co_qualname
    return ""


def _request_timeout(request: dict):
    """The request's per-test limit in seconds (a candidate's tighter one), or None to keep the session's."""
    try:
        value = float(request.get("timeout") or 0)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def _is_body(code) -> bool:
    """Class bodies have no arguments and define ``__qualname__``; function code never stores it."""
    return code.co_argcount == 0 and "__qualname__" in code.co_names


def _functions_by_file(root: str) -> dict:
    """Every live function object defined in a project file, keyed by the file's real path.

    Taken once in the parent after collection (nothing creates functions there afterwards), so that a
    child swaps code without scanning the whole heap.
    """
    real: dict = {}
    found: dict = {}
    for obj in gc.get_objects():
        if type(obj) is not types.FunctionType:
            continue
        name = obj.__code__.co_filename
        path = real.get(name)
        if path is None:
            path = real[name] = os.path.realpath(name) if name.endswith(".py") else ""
        if path.startswith(root + os.sep):
            found.setdefault(path, []).append(obj)
    return found


def _swap(path: str, original: str, functions: list, ran_at_load=frozenset()) -> str:
    """Gives every live function of ``path`` (a real path) the code of the file's current text. '' on success.

    A function whose behaviour changes but that already ran while the project loaded (module-level code,
    a class body or a decorator called it) is not swapped: what that call computed would stay the old
    code's, so the run needs a fresh import.
    """
    # Compiled under the name the module was imported with, so that code objects and tracebacks match.
    filename = functions[0].__code__.co_filename if functions else path
    try:
        with open(path, encoding="utf-8") as handle:
            current = handle.read()
        new = compile(current, filename, "exec", dont_inherit=True)
        old = compile(original, filename, "exec", dont_inherit=True)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError) as error:
        return "%s does not compile: %s" % (os.path.basename(path), type(error).__name__)
    # Live functions are matched to the recompiled original by qualified name and first line.
    by_key = {}
    for function in functions:
        by_key.setdefault((function.__code__.co_qualname, function.__code__.co_firstlineno), []).append(function)
    live = {}
    stack = [old]
    while stack:
        code = stack.pop()
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                holders = by_key.get((const.co_qualname, const.co_firstlineno))
                if holders:
                    live[const] = holders
                stack.append(const)
    plan: dict = {}
    reason = _plan_swap(old, new, live, plan)
    if reason:
        return reason
    for old_code, new_code in plan.items():
        if ran_at_load and not _same(old_code, new_code, True) and any(function.__code__ in ran_at_load for function in live[old_code]):
            return "%s ran while the project loaded (module-level code called it), so its change needs a fresh import" % old_code.co_qualname
    for old_code, new_code in plan.items():
        for function in live[old_code]:
            function.__code__ = new_code
    return ""


def _renamed_parameters(wanted: list, by_id: dict) -> list:
    """A requested parametrized id the session does not have (``test_parse[03:24:57]``: a parameter that
    changes from run to run, here since the capture) becomes an id of the same test function that the
    session has and nobody asked for, one for one; Revise pairs the outcome back the same way. Ids with
    no such counterpart are left as they are (the run then goes fresh)."""
    missing = [test for test in wanted if test not in by_id and test.endswith("]") and "[" in test]
    if not missing:
        return wanted
    asked = set(wanted)
    spare: dict = {}
    for nodeid in by_id:
        if nodeid not in asked and nodeid.endswith("]") and "[" in nodeid:
            spare.setdefault(nodeid[: nodeid.index("[")], []).append(nodeid)
    renamed = []
    for test in wanted:
        if test in missing:
            candidates = spare.get(test[: test.index("[")])
            if candidates:
                test = candidates.pop(0)
        renamed.append(test)
    return renamed


def _brief_failure(excinfo, *args, **kwargs) -> str:
    """A failure's one-line report (``AssertionError: assert 12 == 20``), in place of pytest's traceback."""
    try:
        return excinfo.exconly()
    except Exception:  # noqa: BLE001 - a broken __str__ of the exception
        return excinfo.typename


def _warm_failure_reports() -> None:
    """Formats one failure the way pytest reports one, so that its lazy work (source lookup, the
    tokenizer's regular expressions, inspect's module index) is done once here and not in every child."""
    try:
        import io
        import tokenize

        from _pytest._code import ExceptionInfo

        list(tokenize.generate_tokens(io.StringIO("value = (1,\n    2)\n").readline))

        try:
            left, right = 1, 2
            assert left == right, "warm-up"
        except AssertionError:
            info = ExceptionInfo.from_current()
            for style in ("short", "long", "line"):
                str(info.getrepr(style=style))
    except Exception:  # noqa: BLE001 - only a warm-up
        pass


# -- what ran while the project loaded -----------------------------------------------------------------------


class LoadWindows:
    """Runs a C-level profiler only while project code can run during the load, and says which functions ran.

    The windows: a module whose file lies in the project (the copy's root) executing, through importlib or
    pytest's assertion rewriter (module-level code, class bodies, decorators, and whatever they call), and
    a hook call that a project file implements (``pytest_generate_tests``, ``pytest_configure`` and the
    like in a conftest or test module). Windows nest; the profiler runs while any is open.
    """

    def __init__(self, profiler, root: str) -> None:
        self.profiler = profiler
        self.prefix = root + os.sep
        self.depth = 0
        self.ours: dict = {}
        self.undo: list = []

    def _in_project(self, filename) -> bool:
        known = self.ours.get(filename)
        if known is None:
            known = self.ours[filename] = isinstance(filename, str) and os.path.realpath(filename).startswith(self.prefix)
        return known

    def _enter(self) -> None:
        if self.depth == 0 and self.profiler is not None:
            try:
                self.profiler.enable()
            except Exception:  # noqa: BLE001 - another profiler is active: no record, every swap stays allowed
                self.profiler = None
        self.depth += 1

    def _leave(self) -> None:
        self.depth -= 1
        if self.depth == 0 and self.profiler is not None:
            self.profiler.disable()

    def install(self) -> None:
        """Opens a window around every project module's execution (importlib's loaders, pytest's rewriter)."""
        if self.profiler is None:
            return
        import builtins

        modules = [sys.modules.get("importlib._bootstrap_external"), sys.modules.get("_pytest.assertion.rewrite")]
        run = builtins.exec

        def exec_module_code(code, namespace, *rest, **options):
            # Loaders always pass the module's namespace, so the caller's frame never matters here.
            if not (isinstance(code, types.CodeType) and self._in_project(code.co_filename)):
                return run(code, namespace, *rest, **options)
            self._enter()
            try:
                return run(code, namespace, *rest, **options)
            finally:
                self._leave()

        for module in modules:
            if module is not None and "exec" not in vars(module):
                module.exec = exec_module_code
                self.undo.append(lambda module=module: delattr(module, "exec"))

    def watch_hooks(self, pluginmanager) -> None:
        """Opens a window around every hook call that a project file implements."""
        if self.profiler is None:
            return
        ours: dict = {}

        def implemented_here(hook_impls) -> bool:
            for impl in hook_impls:
                function = impl.function
                known = ours.get(function)
                if known is None:
                    code = getattr(function, "__code__", None)
                    known = ours[function] = code is not None and self._in_project(code.co_filename)
                if known:
                    return True
            return False

        opened: list = []

        def before(hook_name, hook_impls, kwargs) -> None:
            here = implemented_here(hook_impls)
            opened.append(here)
            if here:
                self._enter()

        def after(outcome, hook_name, hook_impls, kwargs) -> None:
            if opened and opened.pop():
                self._leave()

        try:
            self.undo.append(pluginmanager.add_hookcall_monitoring(before, after))
        except Exception:  # noqa: BLE001 - another pluggy: module windows still record the load
            pass

    def finish(self) -> frozenset:
        """Closes the windows for good and returns the code objects of the functions that ran in them."""
        for undo in reversed(self.undo):
            try:
                undo()
            except Exception:  # noqa: BLE001 - already undone
                pass
        self.undo = []
        profiler, self.profiler = self.profiler, None
        if profiler is None:
            return frozenset()
        profiler.disable()
        try:
            return frozenset(entry.code for entry in profiler.getstats() if isinstance(entry.code, types.CodeType))
        except Exception:  # noqa: BLE001 - without the record every swap stays allowed, as before
            return frozenset()


# -- the session server -------------------------------------------------------------------------------------


class WorkerPlugin:
    """Takes over pytest's run loop: collect once, then serve requests until stdin ends."""

    def __init__(self, requests, channel, started: float, windows=None) -> None:
        self.requests = requests
        self.channel = channel
        self.started = started
        # Records which project functions run while pytest imports and collects.
        self.windows = windows
        self.ran_at_load: frozenset = frozenset()
        self.collection_failed = False
        self.sources: dict = {}
        self.functions: dict = {}
        self.announced = False

    def pytest_addhooks(self, pluginmanager) -> None:
        # Called once, when pytest registers this plugin, before any conftest file loads.
        if self.windows is not None:
            self.windows.watch_hooks(pluginmanager)

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collection_failed = True

    def pytest_runtestloop(self, session):
        if self.windows is not None:
            self.ran_at_load = self.windows.finish()
            self.windows = None
        reason = self._unfit_reason(session)
        root = os.path.realpath(os.environ.get("REVISE_ROOT") or os.getcwd())
        # The original text of every project module, read before "ready" (nothing writes into the copy
        # before that), for telling what a candidate changed. Keyed by real path.
        for module in list(sys.modules.values()):
            filename = getattr(module, "__file__", None)
            if not filename or not filename.endswith(".py"):
                continue
            real = os.path.realpath(filename)
            if real.startswith(root + os.sep):
                try:
                    with open(real, encoding="utf-8") as handle:
                        self.sources[real] = handle.read()
                except (OSError, UnicodeDecodeError):
                    pass
        self.functions = _functions_by_file(root)
        if not reason:
            _warm_failure_reports()
            # Everything loaded so far is moved out of the collector's reach: a child's collections then
            # do not touch (and copy) the parent's pages. The recipe for fork servers.
            gc.collect()
            gc.freeze()
        self.announced = True
        _send(
            self.channel,
            {
                "type": "ready",
                "warm": reason == "",
                "reason": reason,
                "python": ".".join(str(part) for part in sys.version_info[:3]),
                "items": len(session.items),
                "warmupMs": round((time.monotonic() - self.started) * 1000),
            },
        )
        if reason:
            return True
        capture = session.config.pluginmanager.getplugin("capturemanager")
        if capture is not None:
            capture.suspend_global_capture(in_=True)
        by_id = {item.nodeid: item for item in session.items}
        for line in self.requests:
            line = line.strip()
            if not line:
                continue
            try:
                request = json.loads(line)
            except ValueError:
                continue
            if isinstance(request, dict) and all(key in request for key in ("id", "tests", "outputDir", "args")):
                self._serve(session, by_id, request)
        return True

    def _unfit_reason(self, session) -> str:
        if not hasattr(os, "fork"):
            return "this platform has no os.fork"
        if sys.version_info < (3, 11):
            return "Python %d.%d: code swapping needs 3.11 or newer" % sys.version_info[:2]
        if threading.active_count() > 1:
            return "importing the project or its tests started a thread, which a forked child would not have"
        if not session.items:
            return "the session collected no tests"
        return ""

    def _serve(self, session, by_id: dict, request: dict) -> None:
        pid = os.fork()
        if pid == 0:
            self._child(session, by_id, request)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass  # the child did it first, or is gone already
        _send(self.channel, {"type": "started", "id": request["id"], "pid": pid})
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                status = 0
                break
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        mode = SWAP
        try:
            with open(os.path.join(request["outputDir"], "mode.txt"), encoding="utf-8") as handle:
                mode = handle.read().strip() or SWAP
        except OSError:
            pass
        _send(self.channel, {"type": "done", "id": request["id"], "exit": os.waitstatus_to_exitcode(status), "mode": mode})

    def _child(self, session, by_id: dict, request: dict) -> None:
        code = 70
        try:
            os.setpgid(0, 0)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            output_dir = request["outputDir"]
            for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
                target = os.open(os.path.join(output_dir, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(target, fd)
                os.close(target)
            wanted = _renamed_parameters([str(test) for test in request["tests"]], by_id)
            reason = "" if all(test in by_id for test in wanted) else "a requested test is not in the loaded session"
            for path in request.get("files") or []:
                if reason:
                    break
                real = os.path.realpath(str(path))
                original = self.sources.get(real)
                if original is not None:
                    reason = _swap(real, original, self.functions.get(real, []), self.ran_at_load)
                # A file no module was loaded from is imported afresh by the tests that need it.
            if reason:
                self._fresh(request, reason, by_id)
            with open(os.path.join(output_dir, "mode.txt"), "w", encoding="utf-8") as handle:
                handle.write(SWAP)
            plugin = session.config.pluginmanager.get_plugin("revise-state")
            if plugin is not None:
                limit = _request_timeout(request)
                if limit is not None:
                    plugin.timeout = limit
                plugin.stop_after_timeout = bool(request.get("stopAfterTimeout"))
                plugin.retarget(output_dir)
                plugin.write({"type": "collected", "count": len(wanted), "conftests": []})
            items = [by_id[test] for test in wanted]
            # Validation reads outcomes (and the plugin its own stack frames), never pytest's failure
            # report: its source lookups and formatting are skipped in the child.
            for item in items:
                item.repr_failure = _brief_failure
                item._repr_failure_py = _brief_failure
            hook = session.config.hook
            for index, item in enumerate(items):
                following = items[index + 1] if index + 1 < len(items) else None
                hook.pytest_runtest_protocol(item=item, nextitem=following)
            if plugin is not None:
                plugin.pytest_sessionfinish(session, 0)
            code = 0
        except KeyboardInterrupt:
            code = 2
        except BaseException:  # noqa: BLE001 - reported through the exit status and stderr.txt
            import traceback

            traceback.print_exc()
            code = 70
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)

    def _fresh(self, request: dict, reason: str, by_id: dict) -> None:
        """Replaces the child with a cold pytest run of the request (never returns). A requested
        parametrized id the loaded session does not have (its parameter changes from run to run) is
        asked for by its test function's id, as a cold run from Revise asks for it: the fresh collection
        gives it yet another id, and Revise pairs the outcomes back one for one."""
        with open(os.path.join(request["outputDir"], "mode.txt"), "w", encoding="utf-8") as handle:
            handle.write("%s: %s" % (FRESH_EXIT, reason))
        env = dict(os.environ)
        env["REVISE_OUTPUT_DIR"] = request["outputDir"]
        limit = _request_timeout(request)
        if limit is not None:
            env["REVISE_TEST_TIMEOUT"] = str(limit)
        if request.get("stopAfterTimeout"):
            env["REVISE_STOP_AFTER_TIMEOUT"] = "1"
        stale = {str(test) for test in request["tests"] if str(test) not in by_id and str(test).endswith("]") and "[" in str(test)}
        selected = []
        for arg in (str(arg) for arg in request["args"]):
            if arg in stale:
                arg = arg[: arg.index("[")]
                if arg in selected:
                    continue
            selected.append(arg)
        args = [sys.executable, "-m", "pytest"] + selected
        os.execve(sys.executable, args, env)


def main(argv: list) -> int:
    started = time.monotonic()
    # The protocol gets its own descriptors, before pytest redirects fds 0-2.
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    import pytest

    profiler = None
    try:
        import cProfile

        profiler = cProfile.Profile(builtins=False)
    except Exception:  # noqa: BLE001 - no profiler is available
        profiler = None
    windows = LoadWindows(profiler, os.path.realpath(os.environ.get("REVISE_ROOT") or os.getcwd()))
    windows.install()
    plugin = WorkerPlugin(requests, channel, started, windows)
    try:
        pytest.main(list(argv), plugins=[plugin])
    except BaseException as error:  # noqa: BLE001 - said on the channel, then the worker ends
        _send(channel, {"type": "ready", "warm": False, "reason": "pytest failed to start: %s" % type(error).__name__})
        return 1
    finally:
        windows.finish()
    if not plugin.announced:
        # pytest ended before its run loop (a usage error, an empty or broken collection).
        _send(channel, {"type": "ready", "warm": False, "reason": "pytest ended before it could serve (no tests or a usage error)"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
