"""Revise's per-test line recorders for the pytest plugin (``revise_pytest``), and import-time crediting.

Which files belong to the project (``PathFilter``); the recorders that say which lines each test ran —
coverage.py with one dynamic context per test when it is importable, else ``sys.monitoring`` (3.12+) or
``sys.settrace``, each tracing only project files; and how lines run at import time during collection are
credited to the tests that depend on them (``_credit_import_lines``). Standard library only, plus
coverage.py's public API when it is there. The plugin's per-test alarm treats this file as code it must
not interrupt.
"""

from __future__ import annotations

import os
import sys
import threading

EXCLUDED_FOLDERS = frozenset(["site-packages", "dist-packages", "node_modules", "__pycache__"])


class PathFilter:
    """Decides which files belong to the project (under the root, not in a venv or a dot-folder)."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.real_root = os.path.realpath(self.root)
        self._decisions: dict = {}
        self._venv_folders: dict = {}

    def project_path(self, filename: str):
        """The file's absolute path under the root, or None when it is not a project file."""
        try:
            return self._decisions[filename]
        except KeyError:
            pass
        decision = self._decide(filename)
        self._decisions[filename] = decision
        return decision

    def _decide(self, filename: str):
        if not filename or filename.startswith("<") or not filename.endswith(".py"):
            return None
        path = os.path.abspath(filename)
        # Paths seen through a symlinked root (macOS /var -> /private/var) are reported under the root
        # the user chose, so that the editor can find them.
        if self.real_root != self.root and path.startswith(self.real_root + os.sep):
            path = self.root + path[len(self.real_root):]
        if not path.startswith(self.root + os.sep):
            return None
        folder = self.root
        for part in path[len(self.root) + 1:].split(os.sep)[:-1]:
            if part.startswith(".") or part in EXCLUDED_FOLDERS:
                return None
            folder = os.path.join(folder, part)
            if self._is_venv(folder):
                return None
        return path

    def _is_venv(self, folder: str) -> bool:
        known = self._venv_folders.get(folder)
        if known is None:
            known = os.path.exists(os.path.join(folder, "pyvenv.cfg"))
            self._venv_folders[folder] = known
        return known


class Recorder:
    """Records the lines each test runs. Tracing is on only inside a test's setup, call and teardown
    (``resume``/``pause``), so pytest's own reporting between them costs no tracing overhead."""

    method = "none"

    def begin(self) -> bool:
        """Checks, once, that recording can work here; False when another tracer owns the hook."""
        return sys.gettrace() is None

    def resume(self, new_test) -> None:
        """Traces again; ``new_test`` (a node id) when a new test starts, so that lines go to it."""
        raise NotImplementedError

    def pause(self) -> None:
        raise NotImplementedError

    def finish(self):
        """Stops for good; returns {node id: {path: lines}} when the data is only known now, else None."""
        raise NotImplementedError


IMPORT_CONTEXT = "revise-import:"


def _import_scopes(path: str):
    """Where each import-time line of a file matters, from its syntax (``ast``), or None when unreadable.

    Returns ``{line: (first, last)}``: a function's header lines (decorators, signature with its default
    arguments) matter to the tests that run its body (``first..last``); a class's header and the
    statements of its body outside methods matter to the tests that run any of its lines. Lines not in
    the map are module level and matter to every test that depends on the file.
    """
    import ast

    try:
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read(), path)
    except Exception:
        return None
    scopes: dict = {}

    def visit(node, owner) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = child.body[0].lineno if child.body else child.lineno
                last = getattr(child, "end_lineno", None) or first
                header_start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                for line in range(header_start, max(first, child.lineno + 1)):
                    scopes[line] = (first, last)
                # Nested definitions run when the function runs: the tests running it cover them already.
            elif isinstance(child, ast.ClassDef):
                last = getattr(child, "end_lineno", None) or child.lineno
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                span = owner or (first, last)
                for line in range(first, (child.body[0].lineno if child.body else child.lineno + 1)):
                    scopes[line] = span
                visit(child, span)
            elif isinstance(child, ast.stmt):
                if owner is not None:
                    for line in range(child.lineno, (getattr(child, "end_lineno", None) or child.lineno) + 1):
                        scopes.setdefault(line, owner)
                visit(child, owner)

    visit(tree, None)
    return scopes


def _credit_import_lines(nodeid: str, files: dict, imports: dict, scopes: dict) -> dict:
    """``files`` ({path: sorted lines}) plus the import-time lines this test depends on.

    ``imports`` maps a collection context (``IMPORT_CONTEXT`` + the test module's node id, or just
    ``IMPORT_CONTEXT`` for imports outside any test module, e.g. by a conftest) to {path: set of lines}.
    Module-level lines go to the tests of the module whose import ran them and to every test that runs
    code of the same file; function headers and class bodies only to tests that run that function or
    class (``_import_scopes``). ``scopes`` caches ``_import_scopes`` per path.
    """
    if not imports:
        return files
    by_file = imports.get(None)
    if by_file is None:
        by_file = {}
        for context, per_file in imports.items():
            if context is None:
                continue
            for path, lines in per_file.items():
                by_file.setdefault(path, set()).update(lines)
        imports[None] = by_file
    module_files = imports.get(IMPORT_CONTEXT + nodeid.split("::", 1)[0], {})
    extra: dict = {}
    # Only files this test ran or whose import its module caused can be credited: looking at those alone
    # (not at every file imported during collection) keeps a 5,000-test suite from paying files x tests.
    relevant = [path for path in files if path in by_file]
    relevant.extend(path for path in module_files if path in by_file and path not in files)
    for path in relevant:
        lines = by_file[path]
        covered = files.get(path)
        if not covered and path not in module_files:
            continue
        if path not in scopes:
            scopes[path] = _import_scopes(path)
        where = scopes[path]
        own = covered or []
        kept = set()
        for line in lines:
            span = where.get(line) if where else None
            if span is None:
                kept.add(line)
            elif own:
                first, last = span
                # ``own`` is sorted: is any covered line inside first..last?
                low, high = 0, len(own)
                while low < high:
                    middle = (low + high) // 2
                    if own[middle] < first:
                        low = middle + 1
                    else:
                        high = middle
                if low < len(own) and own[low] <= last:
                    kept.add(line)
        if kept:
            extra[path] = kept
    if not extra:
        return files
    merged = dict(files)
    for path, lines in extra.items():
        own = merged.get(path)
        merged[path] = sorted(lines.union(own)) if own else sorted(lines)
    return merged


class LineRecorder(Recorder):
    """Per-test lines without coverage.py; each test's lines are taken when its record is written."""

    def __init__(self, paths: PathFilter) -> None:
        self.paths = paths
        self.lines: dict = {}

    def take(self) -> dict:
        """The current test's lines as {absolute path: sorted lines}."""
        return {path: sorted(lines) for path, lines in self.lines.items() if lines}


class SettraceRecorder(LineRecorder):
    """Line events through ``sys.settrace``; only frames of project files get a local tracer."""

    method = "trace"

    def __init__(self, paths: PathFilter) -> None:
        super().__init__(paths)
        # Code file name -> local tracer for the current test, or None for files we never trace. The
        # None entries survive test switches so that each foreign file is decided once.
        self._ignored: dict = {}
        self._tracers: dict = {}

    def resume(self, new_test) -> None:
        if new_test is not None:
            self.lines = {}
            self._tracers = dict(self._ignored)
        threading.settrace(self._call)
        sys.settrace(self._call)

    def pause(self) -> None:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]

    def finish(self):
        self.pause()
        return None

    def _call(self, frame, event, arg):
        filename = frame.f_code.co_filename
        try:
            return self._tracers[filename]
        except KeyError:
            return self._new_tracer(filename)

    def _new_tracer(self, filename: str):
        path = self.paths.project_path(filename)
        if path is None:
            self._ignored[filename] = None
            self._tracers[filename] = None
            return None
        lines = self.lines.get(path)
        if lines is None:
            lines = self.lines[path] = set()
        add = lines.add

        def local(frame, event, arg):
            if event == "line":
                add(frame.f_lineno)
            return local

        self._tracers[filename] = local
        return local


class MonitoringRecorder(LineRecorder):
    """Line events through ``sys.monitoring`` (PEP 669, Python 3.12+).

    Each line reports once and is then disabled; ``restart_events`` when a test starts re-arms them, so a
    hot loop costs one event per line per test instead of one per execution.
    """

    method = "sys.monitoring"

    def __init__(self, paths: PathFilter) -> None:
        super().__init__(paths)
        self._monitoring = sys.monitoring  # type: ignore[attr-defined]
        self._tool = None

    def begin(self) -> bool:
        monitoring = self._monitoring
        for tool in (monitoring.COVERAGE_ID, 3, 4, 5):
            try:
                monitoring.use_tool_id(tool, "revise")
            except ValueError:
                continue
            self._tool = tool
            break
        if self._tool is None:
            return False
        monitoring.register_callback(self._tool, monitoring.events.PY_START, self._on_start)
        monitoring.register_callback(self._tool, monitoring.events.LINE, self._on_line)
        return True

    def resume(self, new_test) -> None:
        if new_test is not None:
            self.lines = {}
            self._monitoring.restart_events()
        self._monitoring.set_events(self._tool, self._monitoring.events.PY_START)

    def pause(self) -> None:
        # Lines switched on per code object stay on; project code rarely runs between phases.
        self._monitoring.set_events(self._tool, 0)

    def _on_start(self, code, offset):
        if self.paths.project_path(code.co_filename) is not None:
            self._monitoring.set_local_events(self._tool, code, self._monitoring.events.LINE)
        return self._monitoring.DISABLE

    def _on_line(self, code, line):
        path = self.paths.project_path(code.co_filename)
        if path is not None:
            lines = self.lines.get(path)
            if lines is None:
                lines = self.lines[path] = set()
            lines.add(line)
        return self._monitoring.DISABLE

    def finish(self):
        if self._tool is not None:
            monitoring = self._monitoring
            monitoring.set_events(self._tool, 0)
            monitoring.register_callback(self._tool, monitoring.events.PY_START, None)
            monitoring.register_callback(self._tool, monitoring.events.LINE, None)
            monitoring.free_tool_id(self._tool)
            self._tool = None
        return None


class CoveragePyRecorder(Recorder):
    """Per-test coverage with coverage.py dynamic contexts (one context per test node id)."""

    method = "coverage.py"

    def __init__(self, paths: PathFilter) -> None:
        import coverage  # noqa: F401  (imported here so a missing coverage.py is detected by the caller)

        self.paths = paths
        roots = sorted(set([paths.root, paths.real_root]))
        # Both glob spellings, because coverage.py 6 (fnmatch) and 7 (own globs) read `*` differently.
        include = []
        for root in roots:
            include += [os.path.join(root, "*"), os.path.join(root, "**", "*")]
        omit = []
        for root in roots:
            for folder in self._skipped_top_folders(root):
                omit += [os.path.join(folder, "*"), os.path.join(folder, "**", "*")]
        # data_file=None keeps the data in memory; include (not source) avoids coverage.py walking the
        # whole tree for never-imported files when the data is read.
        self._coverage = coverage.Coverage(
            data_file=None,
            branch=False,
            config_file=False,
            include=include,
            omit=omit or None,
            auto_data=False,
        )
        self._running = False
        self._used = False

    @staticmethod
    def _skipped_top_folders(root: str) -> list:
        try:
            entries = os.listdir(root)
        except OSError:
            return []
        skipped = []
        for name in entries:
            folder = os.path.join(root, name)
            if not os.path.isdir(folder):
                continue
            if name.startswith(".") or name in EXCLUDED_FOLDERS or os.path.exists(os.path.join(folder, "pyvenv.cfg")):
                skipped.append(folder)
        return skipped

    def resume(self, new_test) -> None:
        if not self._running:
            self._coverage.start()
            self._skip_empty_files()
            self._running = True
            self._used = True
        if new_test is not None:
            self._coverage.switch_context(new_test)

    def _skip_empty_files(self) -> None:
        """At every context switch coverage.py saves every file it has ever traced, the ones the test did
        not run too (two SQLite statements each): with 200 modules and 5,000 tests that was 9 of every 10
        seconds of the capture. Files with no lines are left out of the save; what is stored is the same."""
        data = getattr(self._coverage, "_data", None)
        original = getattr(data, "add_lines", None)
        if original is None or getattr(original, "revise_skips_empty", False):
            return

        def add_lines(line_data):
            line_data = {name: lines for name, lines in line_data.items() if lines}
            if line_data:
                original(line_data)

        add_lines.revise_skips_empty = True
        try:
            data.add_lines = add_lines
        except (AttributeError, TypeError):
            pass  # a coverage.py whose data object takes no attributes: saved as before, only slower
        # The collector maps every file's name before saving, the empty ones too: they are dropped first.
        collector = getattr(self._coverage, "_collector", None)
        mapped = getattr(collector, "mapped_file_dict", None)
        if mapped is not None:
            try:
                collector.mapped_file_dict = lambda files: mapped({name: value for name, value in files.items() if value})
            except (AttributeError, TypeError):
                pass

    def pause(self) -> None:
        if self._running:
            self._coverage.stop()
            self._running = False

    def finish(self):
        """Stops measuring and returns {node id: {absolute path: sorted lines}}."""
        self.pause()
        if not self._used:
            return {}
        self._used = False
        data = self._coverage.get_data()
        by_test: dict = {}
        # Collection-time contexts (IMPORT_CONTEXT...) come back like tests; RevisePlugin moves them.
        for measured in data.measured_files():
            path = self.paths.project_path(measured)
            if path is None:
                continue
            for line, contexts in data.contexts_by_lineno(measured).items():
                for context in contexts:
                    if not context:
                        continue
                    files = by_test.get(context)
                    if files is None:
                        files = by_test[context] = {}
                    lines = files.get(path)
                    if lines is None:
                        lines = files[path] = []
                    lines.append(line)
        for files in by_test.values():
            for lines in files.values():
                lines.sort()
        return by_test
