"""Revise's pytest plugin: per-test outcomes, stack frames and line coverage, written as JSON lines.

Loaded with ``-p revise_pytest`` (its folder is put on PYTHONPATH by Revise). It does nothing unless
``REVISE_OUTPUT_DIR`` is set, so a stray import is harmless. Settings come from environment variables:

``REVISE_OUTPUT_DIR``   folder for ``results.jsonl`` and ``coverage*.json`` (outside the user's tree)
``REVISE_ROOT``         project root; only files under it are recorded (default: the working directory)
``REVISE_TEST_TIMEOUT`` per-test timeout in seconds (0 or unset: none)
``REVISE_STOP_AFTER_TIMEOUT`` ``1``: once a test has run past the timeout, the rest are not run (they
                          report nothing; validation of a candidate patch counts them as failed)
``REVISE_COVERAGE``     ``auto`` (coverage.py when importable, else a line tracer), ``trace`` (always the
                        tracer) or ``off``
``REVISE_SHARD``        one process of a whole-suite run split over several: a JSON file naming the test
                        modules this process leaves to the others (``{"skip": [...]}``) or the only ones it
                        runs (``{"keep": [...]}``); see ``ShardFilter``

Every record is one JSON object on its own line, written and flushed as soon as it is known, so a run
that is killed still leaves what finished. Meant for Python 3.8 to 3.13 (checked on each of them with
pytest 7.2 or 9.0); uses only the standard library, pytest's public hooks, and coverage.py's public API.

Per-test coverage (the recorders live in ``revise_tracer``): coverage.py with one dynamic context per test when it is importable (its C tracer is the
cheapest correct option; data stays in memory and is written to ``coverage.json`` at session end, also
after SIGINT); otherwise ``sys.monitoring`` (3.12+) or ``sys.settrace`` recording only project files, with
each test's lines written in its own record. Lines run during setup, call and teardown (fixtures
included) belong to the test. Lines run at import time during collection (module-level code, class
bodies, ``def`` lines with their decorators and default arguments) are recorded too, per test module
whose collection ran them, and credited to the tests that depend on them: a function's header to the
tests that run the function, a class body to the tests that run the class's code, and module-level
lines to the tests of the module whose import ran them and to every test that runs code of the file.
"""

from __future__ import annotations

import fnmatch
import json
import linecache
import os
import signal
import sys
import threading
import time

import pytest

from revise_tracer import (
    IMPORT_CONTEXT,
    CoveragePyRecorder,
    LineRecorder,
    MonitoringRecorder,
    PathFilter,
    SettraceRecorder,
    _credit_import_lines,
)

OUTPUT_ENV = "REVISE_OUTPUT_DIR"
ROOT_ENV = "REVISE_ROOT"
TIMEOUT_ENV = "REVISE_TEST_TIMEOUT"
COVERAGE_ENV = "REVISE_COVERAGE"
SHARD_ENV = "REVISE_SHARD"

# Long messages and deep tracebacks (recursion) are cut to keep records small.
MAX_MESSAGE = 500
MAX_FRAMES = 60


class Timeout(BaseException):
    """Raised in the test by the per-test alarm.

    A BaseException so that the test's own ``except Exception`` cannot swallow it.
    """


def _unsafe_prefixes() -> tuple:
    """Code an alarm must not interrupt: this plugin's hooks and tracer, and coverage.py's Python tracer."""
    import revise_tracer

    unsafe = [os.path.abspath(__file__), os.path.abspath(revise_tracer.__file__)]
    coverage_module = sys.modules.get("coverage")
    if coverage_module is not None and getattr(coverage_module, "__file__", None):
        unsafe.append(os.path.dirname(os.path.abspath(coverage_module.__file__)) + os.sep)
    return tuple(unsafe)


def _in_unsafe_code(frame, prefixes: tuple) -> bool:
    # A signal handler runs between any two bytecodes, including those of a Python trace function and
    # of this plugin's hook code. Raising there would switch tracing off or break pytest's bookkeeping,
    # so the alarm is put off for 10 ms instead.
    return frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(prefixes)


class SignalAlarm:
    """Per-test timeout with SIGALRM (POSIX). Re-fires every second in case the test swallows it."""

    def __init__(self, message: str) -> None:
        prefixes = _unsafe_prefixes()

        def on_alarm(signum, frame):
            if _in_unsafe_code(frame, prefixes):
                signal.setitimer(signal.ITIMER_REAL, 0.01, 1.0)
                return
            raise Timeout(message)

        self._previous = signal.signal(signal.SIGALRM, on_alarm)

    def arm(self, seconds: float) -> None:
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001), 1.0)

    def disarm(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)

    def close(self) -> None:
        self.disarm()
        signal.signal(signal.SIGALRM, self._previous or signal.SIG_DFL)


class ThreadAlarm:
    """Per-test timeout where there is no SIGALRM (Windows).

    A watchdog thread interrupts the main thread with a simulated SIGINT (``_thread.interrupt_main``);
    the SIGINT handler raises Timeout when the watchdog asked for it, and behaves as before otherwise.
    """

    def __init__(self, message: str) -> None:
        import _thread

        self._interrupt_main = _thread.interrupt_main
        self._condition = threading.Condition()
        self._deadline = None
        self._fired = False
        self._closed = False
        prefixes = _unsafe_prefixes()
        previous = signal.getsignal(signal.SIGINT)
        self._previous = previous

        def on_sigint(signum, frame):
            if self._fired:
                if _in_unsafe_code(frame, prefixes):
                    self._schedule(0.01)
                    return
                self._fired = False
                raise Timeout(message)
            if callable(previous):
                return previous(signum, frame)
            raise KeyboardInterrupt

        signal.signal(signal.SIGINT, on_sigint)
        self._thread = threading.Thread(target=self._watch, name="revise-test-timeout", daemon=True)
        self._thread.start()

    def _schedule(self, seconds) -> None:
        with self._condition:
            self._deadline = None if seconds is None else time.monotonic() + max(seconds, 0.001)
            self._condition.notify()

    def _watch(self) -> None:
        with self._condition:
            while not self._closed:
                if self._deadline is None:
                    self._condition.wait()
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._condition.wait(remaining)
                    continue
                self._deadline = time.monotonic() + 1.0
                self._fired = True
                self._interrupt_main()

    def arm(self, seconds: float) -> None:
        self._fired = False
        self._schedule(seconds)

    def disarm(self) -> None:
        self._schedule(None)
        self._fired = False

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._deadline = None
            self._condition.notify()
        signal.signal(signal.SIGINT, self._previous if self._previous is not None else signal.default_int_handler)


class ItemState:
    """What is known so far about one running test."""

    __slots__ = ("nodeid", "file", "line", "doctest", "started", "duration", "outcome", "failure", "timed_out", "emitted")

    def __init__(self, nodeid: str, file, line, doctest: bool = False) -> None:
        self.nodeid = nodeid
        self.file = file
        self.line = line
        # A doctest collected from a source module (``--doctest-modules``): its file is code under test.
        self.doctest = doctest
        self.started = time.monotonic()
        self.duration = 0.0
        self.outcome = "passed"
        self.failure = None
        self.timed_out = False
        self.emitted = False


class RevisePlugin:
    """Registered by ``pytest_configure`` when ``REVISE_OUTPUT_DIR`` is set; holds the run's state."""

    def __init__(self, config, output_dir: str) -> None:
        self.config = config
        self.output_dir = output_dir
        self.paths = PathFilter(os.environ.get(ROOT_ENV) or os.getcwd())
        self.worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        try:
            self.timeout = max(0.0, float(os.environ.get(TIMEOUT_ENV) or 0))
        except ValueError:
            self.timeout = 0.0
        # Candidate validation: after the first test that hangs, the others are not run (a candidate that
        # makes a test hang is no fix, and each hang costs a whole timeout). The warm worker sets it per run.
        self.stop_after_timeout = os.environ.get("REVISE_STOP_AFTER_TIMEOUT") == "1"
        self.hung = False
        self._out = open(os.path.join(output_dir, "results.jsonl"), "a", encoding="utf-8")
        self._lock = threading.Lock()
        self._current = None
        self._reported_collectors = set()
        self._alarm = None
        self._recorder_started = False
        # Import-time lines by collection context (see _credit_import_lines) and the tests emitted so far.
        self._imports: dict = {}
        self._import_context = None
        self._import_scopes: dict = {}
        self._emitted_ids: list = []
        self.recorder = None
        self.coverage_method = "none"
        self.coverage_note = None
        self._choose_recorder(os.environ.get(COVERAGE_ENV, "auto"))
        self.write(self._session_record())

    def _session_record(self) -> dict:
        return {
            "type": "session",
            "python": "%d.%d.%d" % tuple(sys.version_info[:3]),
            "pytest": getattr(pytest, "__version__", "?"),
            "coverage": self.coverage_method,
            "note": self.coverage_note,
            "worker": self.worker or None,
        }

    # -- output -----------------------------------------------------------------------------------------

    def retarget(self, output_dir: str) -> None:
        """Writes from now on into ``output_dir`` (a warm worker's forked child, one per candidate)."""
        with self._lock:
            self._out.close()
            self.output_dir = output_dir
            self._out = open(os.path.join(output_dir, "results.jsonl"), "a", encoding="utf-8")
        self.write(self._session_record())

    def write(self, record: dict) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock:
            if self._out.closed:
                return
            self._out.write(line)
            self._out.flush()

    # -- coverage ---------------------------------------------------------------------------------------

    def _choose_recorder(self, mode: str) -> None:
        if mode == "off":
            return
        if mode != "trace":
            try:
                self.recorder = CoveragePyRecorder(self.paths)
                self.coverage_method = CoveragePyRecorder.method
                return
            except ImportError:
                pass
            except Exception as error:  # a broken coverage.py install: fall back to the tracer
                self.coverage_note = "coverage.py failed to start: %s" % _one_line(error)
        if sys.version_info >= (3, 12) and hasattr(sys, "monitoring"):
            self.recorder = MonitoringRecorder(self.paths)
        else:
            self.recorder = SettraceRecorder(self.paths)
        self.coverage_method = self.recorder.method

    def _start_recorder(self) -> None:
        # Checked at collection (or the first test), not when the plugin is imported; tracing runs only
        # during collection and inside test phases, so pytest's own work between them runs untraced.
        self._recorder_started = True
        if self.recorder is None:
            return
        try:
            started = self.recorder.begin()
        except Exception as error:
            started = False
            self.coverage_note = "coverage could not start: %s" % _one_line(error)
        if not started:
            self.recorder = None
            self.write(
                {
                    "type": "coverage-unavailable",
                    "message": self.coverage_note or "another tracer (a debugger or coverage tool) is already active",
                }
            )

    def _finish_coverage(self) -> None:
        recorder = self.recorder
        self.recorder = None
        if recorder is None:
            return
        try:
            by_test = recorder.finish()
        except Exception as error:
            self.write({"type": "coverage-unavailable", "message": "coverage data could not be read: %s" % _one_line(error)})
            return
        if by_test is None:
            return  # line recorders put each test's lines in its own record
        for context in [name for name in by_test if name.startswith(IMPORT_CONTEXT)]:
            files = by_test.pop(context)
            self._imports[context] = {path: set(lines) for path, lines in files.items()}
        for nodeid in self._emitted_ids:
            by_test.setdefault(nodeid, {})
        by_test = {nodeid: _credit_import_lines(nodeid, files, self._imports, self._import_scopes) for nodeid, files in by_test.items()}
        by_test = {nodeid: files for nodeid, files in by_test.items() if files}
        name = "coverage-%s.json" % self.worker if self.worker else "coverage.json"
        target = os.path.join(self.output_dir, name)
        with open(target + ".tmp", "w", encoding="utf-8") as handle:
            json.dump({"tests": by_test}, handle, separators=(",", ":"))
        os.replace(target + ".tmp", target)

    # -- per-test timeout -------------------------------------------------------------------------------

    def _install_alarm(self) -> bool:
        if self._alarm is not None:
            return True
        if self.timeout <= 0 or threading.current_thread() is not threading.main_thread():
            return False
        message = "test timed out after %ss" % _seconds(self.timeout)
        self._alarm = SignalAlarm(message) if hasattr(signal, "setitimer") else ThreadAlarm(message)
        return True

    def _arm(self, fresh: bool) -> None:
        """Setup and call share one budget; teardown (cleanup, also after a timeout) gets its own."""
        state = self._current
        if state is None or not self._install_alarm():
            return
        self._alarm.arm(self.timeout if fresh else self.timeout - (time.monotonic() - state.started))

    def _disarm(self) -> None:
        if self._alarm is not None:
            self._alarm.disarm()

    # -- collection -------------------------------------------------------------------------------------

    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection(self, session):
        # Imports during collection are recorded under IMPORT_CONTEXT, and under the test module's own
        # context while that module is collected (pytest_make_collect_report below).
        if not self._recorder_started:
            self._start_recorder()
        restore = self._untraced_assertion_rewriting()
        self._import_phase(IMPORT_CONTEXT)
        try:
            yield
        finally:
            self._import_phase(None)
            restore()

    def _untraced_assertion_rewriting(self):
        """Pauses the recorder while pytest rewrites a test module's asserts (parsing and compiling, none
        of it project code): traced, that took as long again as the rewriting itself, a second per 200
        modules. The module's own code still runs traced. Returns the function that undoes the patch."""
        try:
            from _pytest.assertion import rewrite
        except ImportError:
            return lambda: None
        original = getattr(rewrite, "_rewrite_test", None)
        if self.recorder is None or not callable(original):
            return lambda: None
        plugin = self

        def _rewrite_test(*args, **kwargs):
            recorder = plugin.recorder
            if recorder is None or plugin._import_context is None:
                return original(*args, **kwargs)
            recorder.pause()
            try:
                return original(*args, **kwargs)
            finally:
                if plugin.recorder is recorder:
                    recorder.resume(None)

        rewrite._rewrite_test = _rewrite_test

        def restore():
            if rewrite._rewrite_test is _rewrite_test:
                rewrite._rewrite_test = original

        return restore

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector):
        if not isinstance(collector, pytest.Module):
            yield
            return
        self._import_phase(IMPORT_CONTEXT + collector.nodeid)
        try:
            yield
        finally:
            self._import_phase(IMPORT_CONTEXT)

    def _import_phase(self, context) -> None:
        """Ends the current collection context (keeping a line recorder's lines) and starts ``context``."""
        recorder = self.recorder
        if recorder is None:
            return
        try:
            recorder.pause()
            if isinstance(recorder, LineRecorder) and self._import_context is not None:
                per_file = self._imports.setdefault(self._import_context, {})
                for path, lines in recorder.take().items():
                    per_file.setdefault(path, set()).update(lines)
                recorder.lines = {}
            self._import_context = context
            if context is not None:
                recorder.resume(context)
        except Exception as error:
            self._drop_recorder(error)

    def pytest_collection_finish(self, session) -> None:
        conftests = set()
        for plugin in self.config.pluginmanager.get_plugins():
            filename = getattr(plugin, "__file__", None)
            if filename and os.path.basename(filename) == "conftest.py":
                path = self.paths.project_path(filename)
                if path:
                    conftests.add(path)
        self.write({"type": "collected", "count": len(session.items), "conftests": sorted(conftests)})

    def pytest_exception_interact(self, node, call, report) -> None:
        # Called for collection errors with the original exception (pytest wraps import errors in a
        # CollectError whose __cause__ is the SyntaxError/ImportError), which the report only has as text.
        if isinstance(node, pytest.Item) or call.excinfo is None:
            return
        error = call.excinfo.value
        if type(error).__name__ == "CollectError" and error.__cause__ is not None:
            error = error.__cause__
        if node.nodeid in self._reported_collectors:
            return
        self._reported_collectors.add(node.nodeid)
        self.write(self._collection_record(node, error, str(report.longrepr)))

    def pytest_collectreport(self, report) -> None:
        if not report.failed or report.nodeid in self._reported_collectors:
            return
        self._reported_collectors.add(report.nodeid)
        text = str(report.longrepr)
        self.write(
            {
                "type": "collect-error",
                "kind": "collection-error",
                "nodeid": report.nodeid,
                "file": self._node_file(getattr(report, "fspath", None)),
                "message": _trim(_last_error_line(text)),
                "details": _trim(text, 4000),
            }
        )

    def _collection_record(self, node, error, details: str) -> dict:
        record = {"type": "collect-error", "nodeid": node.nodeid, "kind": "collection-error", "details": _trim(details, 4000)}
        if isinstance(error, SyntaxError):
            record["kind"] = "syntax-error"
            record["message"] = _trim("%s: %s" % (type(error).__name__, error.msg))
            record["file"] = self._absolute(error.filename) if error.filename else None
            record["line"] = error.lineno
            record["column"] = error.offset
        else:
            record["message"] = _exception_message(error)
            frames = self._frames(error.__traceback__)
            if frames:
                record["file"] = frames[-1]["file"]
                record["line"] = frames[-1]["line"]
                if frames[-1].get("column"):
                    record["column"] = frames[-1]["column"]
                record["frames"] = frames
        if not record.get("file"):
            record["file"] = self._node_file(getattr(node, "path", None) or getattr(node, "fspath", None))
        return record

    # -- running tests ----------------------------------------------------------------------------------

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        if self.stop_after_timeout and self.hung:
            yield  # not run (SkipAfterTimeout returns first): no state, no record
            return
        try:
            line = item.location[1] + 1 if item.location[1] is not None else None
        except Exception:
            line = None
        doctest = any(klass.__name__ == "DoctestItem" for klass in type(item).__mro__)
        state = ItemState(item.nodeid, self._node_file(getattr(item, "path", None) or getattr(item, "fspath", None)), line, doctest)
        self._current = state
        if not self._recorder_started:
            self._start_recorder()
        yield
        # A test interrupted before its teardown report stays current so that sessionfinish emits it.
        if state.emitted and self._current is state:
            self._current = None

    # The phase wrappers are innermost (trylast): the alarm and the tracer cover the phase's own work
    # (fixtures, the test, finalizers) and not other plugins' wrappers or pytest's reporting.

    def _phase_begins(self, new_test=None, fresh_budget: bool = False) -> None:
        self._arm(fresh_budget)
        if self.recorder is not None:
            try:
                self.recorder.resume(new_test)
            except Exception as error:
                self._drop_recorder(error)

    def _phase_ends(self) -> None:
        if self.recorder is not None:
            try:
                self.recorder.pause()
            except Exception as error:
                self._drop_recorder(error)
        self._disarm()

    def _drop_recorder(self, error: Exception) -> None:
        # A coverage failure must not fail the user's tests: carry on without coverage and say why.
        recorder = self.recorder
        self.recorder = None
        try:
            recorder.finish()
        except Exception:
            pass
        self.write({"type": "coverage-unavailable", "message": "coverage stopped working: %s" % _one_line(error)})

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_setup(self, item):
        self._phase_begins(new_test=item.nodeid)
        try:
            yield
        finally:
            self._phase_ends()

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_call(self, item):
        self._phase_begins()
        try:
            yield
        finally:
            self._phase_ends()

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_teardown(self, item, nextitem):
        self._phase_begins(fresh_budget=True)
        try:
            yield
        finally:
            self._phase_ends()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        state = self._current
        if state is None or state.nodeid != item.nodeid or state.emitted:
            return
        try:
            report = outcome.get_result()
        except BaseException:
            return
        state.duration += getattr(report, "duration", 0.0) or 0.0
        if report.failed:
            if state.outcome != "failed":
                state.outcome = "failed"
                state.failure = self._failure(call, report)
                if call.excinfo is not None and isinstance(call.excinfo.value, Timeout):
                    state.timed_out = True
                    self.hung = True
        elif report.skipped and state.outcome == "passed":
            state.outcome = "skipped"
        if call.when == "teardown":
            self._emit(state)

    def _emit(self, state: ItemState, interrupted: bool = False) -> None:
        state.emitted = True
        record = {
            "type": "interrupted" if interrupted else "test",
            "nodeid": state.nodeid,
            "file": state.file,
            "line": state.line,
            "outcome": state.outcome,
            "duration": time.monotonic() - state.started if interrupted else state.duration,
        }
        if state.failure:
            record.update(state.failure)
        if state.timed_out:
            record["timedOut"] = True
        if state.doctest:
            record["doctest"] = True
        recorder = self.recorder
        if isinstance(recorder, LineRecorder):
            record["coverage"] = _credit_import_lines(state.nodeid, recorder.take(), self._imports, self._import_scopes)
        else:
            self._emitted_ids.append(state.nodeid)
        self.write(record)

    def _failure(self, call, report) -> dict:
        excinfo = call.excinfo
        if excinfo is None:
            # e.g. a strict XPASS: a failure without an exception.
            return {"message": _trim(_first_line(str(report.longrepr)) or "failed"), "frames": []}
        error = excinfo.value
        failure = {"message": _exception_message(error), "frames": self._frames(excinfo.tb)}
        if isinstance(error, SyntaxError) and error.filename:
            # The error's place is not a frame of the traceback; it is the most useful place of all.
            frame = {"file": self._absolute(error.filename), "line": error.lineno or 1, "function": "<module>"}
            if error.offset:
                frame["column"] = error.offset
            failure["frames"].append(frame)
        if isinstance(error, AssertionError) and failure["frames"]:
            innermost = failure["frames"][-1]
            statement = _statement(innermost["file"], innermost["line"])
            if statement:
                failure["assertion"] = statement
        return failure

    def _frames(self, tb) -> list:
        frames = []
        while tb is not None:
            code = tb.tb_frame.f_code
            path = self.paths.project_path(code.co_filename)
            if path is not None:
                frame = {"file": path, "line": tb.tb_lineno, "function": code.co_name}
                column = _column(code, tb.tb_lasti, tb.tb_lineno)
                if column:
                    frame["column"] = column
                frames.append(frame)
            tb = tb.tb_next
        if len(frames) > MAX_FRAMES:
            frames = frames[:10] + frames[-(MAX_FRAMES - 10):]
        return frames

    def _absolute(self, filename: str) -> str:
        path = self.paths.project_path(filename)
        return path if path is not None else os.path.abspath(filename)

    def _node_file(self, node_path):
        if node_path is None:
            return None
        return self._absolute(str(node_path))

    # -- the end ----------------------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self, excinfo) -> None:
        # SIGINT from Revise (total timeout or cancel) is followed by SIGKILL after a short grace, so the
        # running test and the coverage are written now, before pytest formats its own report.
        self._disarm()
        state = self._current
        self._current = None
        if state is not None and not state.emitted:
            if state.failure is None:
                # Where the test was when the signal came: for a hang, the loop it was stuck in.
                state.failure = {"message": _exception_message(excinfo.value), "frames": self._frames(excinfo.tb)}
            self._emit(state, interrupted=True)
        self._finish_coverage()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus) -> None:
        # Runs on normal ends and after KeyboardInterrupt (which pytest_keyboard_interrupt handled).
        self._disarm()
        state = self._current
        self._current = None
        if state is not None and not state.emitted:
            self._emit(state, interrupted=True)
        try:
            self._finish_coverage()
        finally:
            self.write({"type": "finished", "exitstatus": int(exitstatus)})
            self._exitstatus = int(exitstatus)

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config) -> None:
        self._disarm()
        if self._alarm is not None:
            self._alarm.close()
            self._alarm = None
        if self.recorder is not None:
            self._finish_coverage()
        with self._lock:
            self._out.close()
        # A test the timeout interrupted may leave threads it started (a server it never stopped): the
        # interpreter would wait for them at exit until Revise's total timeout killed it. Everything is
        # written by now, so the process ends here instead.
        if self.hung and any(thread.is_alive() and not thread.daemon for thread in threading.enumerate() if thread is not threading.main_thread()):
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            os._exit(getattr(self, "_exitstatus", 1))


# -- helpers ----------------------------------------------------------------------------------------------


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _one_line(error: BaseException) -> str:
    return _trim(_first_line(str(error)) or type(error).__name__)


def _trim(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _seconds(value: float) -> str:
    return ("%.3f" % value).rstrip("0").rstrip(".")


def _exception_message(error: BaseException) -> str:
    """``ExcType: first line of the message``, or the bare type name when the message is empty."""
    name = type(error).__name__
    try:
        text = _first_line(str(error))
    except Exception:
        text = ""
    return _trim("%s: %s" % (name, text) if text else name)


def _last_error_line(text: str) -> str:
    """The last ``E   ...Error: ...`` line of a pytest failure text, else its first line."""
    for line in reversed(text.splitlines()):
        stripped = line.strip()
        if stripped.startswith("E ") and ("Error" in stripped or "Exception" in stripped):
            return stripped[1:].strip()
    return _first_line(text)


def _column(code, lasti: int, lineno: int):
    """1-based column of the instruction that raised (Python 3.11+ keeps positions), else None."""
    positions = getattr(code, "co_positions", None)
    if positions is None or lasti < 0:
        return None
    try:
        for index, position in enumerate(positions()):
            if index == lasti // 2:
                start_line, _end_line, column, _end_column = position
                return column + 1 if column is not None and start_line == lineno else None
    except Exception:
        return None
    return None


def _statement(path: str, line: int):
    """The source text of the (possibly multi-line) statement starting at ``line``, trimmed."""
    first = linecache.getline(path, line)
    if not first.strip():
        return None
    text = first.strip()
    if not text.startswith("assert"):
        return _trim(text)
    # Follow continuation lines while brackets stay open or the line ends with a backslash.
    depth = 0
    lines = []
    current = line
    source = first
    while source and len(lines) < 20:
        lines.append(source.strip())
        for char in source:
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
        if depth <= 0 and not source.rstrip().endswith("\\"):
            break
        current += 1
        source = linecache.getline(path, current)
    return _trim(" ".join(lines))


def _keep_plugin_files_out_of_the_project(config, output_dir: str) -> None:
    """Third-party plugins that write into the working folder write into Revise's output folder instead.

    pytest-benchmark creates ``.benchmarks/`` in the project when its storage is left at the default
    (its own ``pytest_configure`` runs last, so changing the option here is early enough).
    """
    option = config.option
    storage = getattr(option, "benchmark_storage", None)
    if isinstance(storage, str) and storage.rstrip("/") in ("file://./.benchmarks", "./.benchmarks", ".benchmarks"):
        option.benchmark_storage = "file://" + os.path.join(output_dir, "benchmarks")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config) -> None:
    output_dir = os.environ.get(OUTPUT_ENV)
    if not output_dir or config.pluginmanager.has_plugin("revise-state"):
        return
    _keep_plugin_files_out_of_the_project(config, output_dir)
    state = RevisePlugin(config, output_dir)
    config.pluginmanager.register(state, "revise-state")
    config.pluginmanager.register(SkipAfterTimeout(state), "revise-skip-after-timeout")
    shard = os.environ.get(SHARD_ENV)
    if shard:
        with open(shard, encoding="utf-8") as handle:
            spec = json.load(handle)
        shard_filter = ShardFilter(spec, config.getini("python_files"))
        hooks = ShardHooks(shard_filter) if _PYTEST_MAJOR >= 7 else LegacyShardHooks(shard_filter)
        config.pluginmanager.register(hooks, "revise-shard")


def _major_version(version: str) -> int:
    try:
        return int(version.split(".")[0])
    except ValueError:
        return 0


_PYTEST_MAJOR = _major_version(getattr(pytest, "__version__", "0"))


class ShardFilter:
    """Which test modules one process of a split whole-suite run collects.

    Revise splits a big suite's test modules over a few pytest processes that run side by side (the
    capture and the confirmation of a patch). The first process gets ``{"skip": [...]}``: every module
    but those given to the others, so a module Revise's own search did not find (custom ``python_files``)
    still runs exactly once. The others get ``{"keep": [...]}``: only their own modules, and no other
    file that pytest would collect as a test module. Other files (``conftest.py``, packages' ``__init__``,
    data files a plugin collects) are never left out, so fixtures and plugins load as in a whole run.
    """

    def __init__(self, spec: dict, patterns) -> None:
        self.skip = {os.path.realpath(item) for item in spec.get("skip", [])}
        keep = spec.get("keep")
        self.keep = {os.path.realpath(item) for item in keep} if keep is not None else None
        self.patterns = [str(pattern) for pattern in (patterns or ["test_*.py", "*_test.py"])]

    def ignored(self, path: str) -> bool:
        if not path.endswith(".py") or os.path.basename(path) == "conftest.py":
            return False
        real = os.path.realpath(path)
        if real in self.skip:
            return True
        return self.keep is not None and real not in self.keep and self._is_test_module(path)

    def _is_test_module(self, path: str) -> bool:
        name = os.path.basename(path)
        for pattern in self.patterns:
            if os.sep in pattern or "/" in pattern:
                if fnmatch.fnmatch(path, "*" + os.sep + pattern.replace("/", os.sep)):
                    return True
            elif fnmatch.fnmatch(name, pattern):
                return True
        return False


class ShardHooks:
    """pytest 7 and later (``collection_path``). Says nothing (None) about files it keeps, so pytest's own
    ``--ignore`` and ``collect_ignore`` still decide them."""

    def __init__(self, shard_filter: ShardFilter) -> None:
        self.filter = shard_filter

    def pytest_ignore_collect(self, collection_path, config):
        return True if self.filter.ignored(str(collection_path)) else None


class LegacyShardHooks:
    """pytest before 7 (``path``, a py.path)."""

    def __init__(self, shard_filter: ShardFilter) -> None:
        self.filter = shard_filter

    def pytest_ignore_collect(self, path, config):
        return True if self.filter.ignored(str(path)) else None


class SkipAfterTimeout:
    """Runs no more tests once one has hung, when the run asks for it (``stop_after_timeout``)."""

    def __init__(self, state: "RevisePlugin") -> None:
        self.state = state

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        if self.state.stop_after_timeout and self.state.hung:
            return True
        return None
