#!/usr/bin/env python3
"""Mines verified real bugs from the git history of the projects in shared/data/real-projects.

For each candidate fix commit FIX (count_fix_commits.py's rule: touches non-test source and tests) with
parent BUG = FIX^:
  1. check out BUG, bring in FIX's test files only, run those test files;
  2. check out FIX fully, run the same test files;
  3. keep the bug when at least one test fails at 1 and passes at 2 (the fault-revealing tests);
  4. faulty region = the BUG-side lines the fix changed or deleted in source files (`git diff -U0`); for a
     pure insertion, the line before it and the next non-blank line (as bench/localize/cases.ts targets
     HumanEvalFix's `missing_code_after_line`).
Everything else is skipped with a reason. Clones live outside the repository (default
/tmp/revise-real/clones); the manifest holds ids, paths and line numbers only, never source text.

Usage: nice -n 10 python3 bench/real-bugs/mine.py --project toolz [--max 40] [--timeout 120]
         [--data ../shared/data/real-projects] [--work /tmp/revise-real] [--out bench/real-bugs/dataset.json]
Re-running a project replaces that project's entries in the manifest.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PYTHON = '/usr/bin/python3'

# Per project: language, runner, the test command prefix (the changed test files are appended), and
# environment. Commands follow shared/data/real-projects/README.md, restricted to the changed test files.
PROJECTS = {
    'toolz': {'language': 'python', 'runner': 'pytest', 'env': {}},
    'boltons': {'language': 'python', 'runner': 'pytest', 'env': {}},
    'more-itertools': {'language': 'python', 'runner': 'pytest', 'env': {}},
    'python-tabulate': {'language': 'python', 'runner': 'pytest', 'env': {}},
    'marshmallow': {'language': 'python', 'runner': 'pytest', 'env': {'PYTHONPATH': 'src'}},
    'attrs': {'language': 'python', 'runner': 'pytest', 'env': {'PYTHONPATH': 'src'}},
    'mime-types': {'language': 'js', 'runner': 'mocha', 'env': {}},
    'cookie': {'language': 'js', 'runner': 'mocha', 'env': {}},
    'body-parser': {'language': 'js', 'runner': 'mocha', 'env': {}},
    'path-to-regexp': {'language': 'js', 'runner': 'mocha', 'env': {}},
    'validator.js': {'language': 'js', 'runner': 'mocha', 'env': {}},
    'yargs-parser': {'language': 'js', 'runner': 'mocha', 'env': {}},
}

API_ERROR = re.compile(r"ImportError|cannot import name|has no attribute|NameError|is not defined|is not a function|ModuleNotFoundError|Cannot find module")


def git(clone, *args, check=True):
    result = subprocess.run(['git', '-C', clone, *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f'git {" ".join(args)}: {result.stderr.strip()}')
    return result.stdout


def candidates(clone, data):
    out = subprocess.run([PYTHON, os.path.join(data, 'count_fix_commits.py'), '--list'], cwd=clone, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split('\t')
        if len(parts) < 4:
            continue
        sha, subject, sources, tests = parts[:4]
        rows.append({'commit': sha, 'subject': subject, 'sources': [s for s in sources.split(',') if s], 'tests': [t for t in tests.split(',') if t]})
    return rows


def exists_at(clone, commit, path):
    return subprocess.run(['git', '-C', clone, 'cat-file', '-e', f'{commit}:{path}'], capture_output=True).returncode == 0


def faulty_region(clone, bug, fix, sources):
    """BUG-side lines changed or deleted per source file; pure insertions give the line before them."""
    region, insert_only = {}, {}
    for source in sources:
        if not exists_at(clone, bug, source):
            continue  # a file the fix creates has no buggy lines
        diff = git(clone, 'diff', '-U0', '--no-color', bug, fix, '--', source)
        parent_lines = git(clone, 'show', f'{bug}:{source}').split('\n')
        lines, changed = set(), False
        for match in re.finditer(r'^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@', diff, re.M):
            start, count = int(match.group(1)), int(match.group(2) if match.group(2) is not None else 1)
            if count == 0:
                # As bench/localize/cases.ts targetLines does for HumanEvalFix's insert-only bugs: the
                # line after which code is missing and the next non-blank line (where it would go).
                lines.add(max(1, start))
                for after in range(start + 1, len(parent_lines) + 1):
                    if parent_lines[after - 1].strip():
                        lines.add(after)
                        break
            else:
                changed = True
                lines.update(range(start, start + count))
        if lines:
            region[source] = sorted(lines)
            insert_only[source] = not changed
    return region, insert_only


def is_test_module(language, path):
    name = os.path.basename(path)
    if language == 'python':
        return name.endswith('.py') and (name.startswith('test_') or name.endswith('_test.py'))
    return re.search(r'\.(js|mjs|cjs|ts|mts|tsx)$', name) is not None and not name.startswith('.') and '/fixtures/' not in path and '/support/' not in path


# ---------- running tests ----------

def run_pytest(clone, files, env_extra, timeout):
    with tempfile.TemporaryDirectory(prefix='revise-mine-') as tmp:
        xml = os.path.join(tmp, 'junit.xml')
        env = dict(os.environ, **{k: os.path.join(clone, v) if k == 'PYTHONPATH' else v for k, v in env_extra.items()})
        cmd = [PYTHON, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-o', 'addopts=', f'--junitxml={xml}', *files]
        try:
            proc = subprocess.run(cmd, cwd=clone, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, 'timeout'
        if not os.path.exists(xml):
            output = proc.stdout + proc.stderr
            errors = [line[1:].strip() for line in output.splitlines() if line.startswith('E ')]
            return None, f'pytest exit {proc.returncode}: {(errors[-1] if errors else output[-300:])[:200]}'
        outcomes = {}
        for case in ET.parse(xml).getroot().iter('testcase'):
            ident = f"{case.get('classname', '')}::{case.get('name', '')}"
            status, message = 'passed', ''
            for child in case:
                if child.tag in ('failure', 'error'):
                    status, message = 'failed', (child.get('message') or '')[:300]
                    if 'collection failure' in message or (child.tag == 'error' and not case.get('classname')):
                        status = 'collection-error'
                        errors = [line[1:].strip() for line in (child.text or '').splitlines() if line.startswith('E ')]
                        message = (errors[-1] if errors else message)[:200]
                    break
                if child.tag == 'skipped':
                    status = 'skipped'
            outcomes[ident] = {'status': status, 'message': message}
        return outcomes, None


def package_hash(clone):
    try:
        with open(os.path.join(clone, 'package.json'), 'rb') as handle:
            return hashlib.sha1(handle.read()).hexdigest()
    except FileNotFoundError:
        return None


def ensure_node_modules(clone, work, project, timeout):
    """npm install for this package.json, cached per package.json hash outside the clone."""
    digest = package_hash(clone)
    if digest is None:
        return 'no package.json'
    cache = os.path.join(work, 'node_modules', project, digest)
    target = os.path.join(clone, 'node_modules')
    if os.path.islink(target) or os.path.exists(target):
        if os.path.islink(target) and os.readlink(target) == os.path.join(cache, 'node_modules'):
            return None
        if os.path.islink(target):
            os.unlink(target)
        else:
            shutil.rmtree(target)
    marker = os.path.join(cache, 'FAILED')
    if os.path.exists(marker):
        with open(marker) as handle:
            return handle.read()
    if not os.path.exists(os.path.join(cache, 'node_modules')):
        os.makedirs(cache, exist_ok=True)
        shutil.copy(os.path.join(clone, 'package.json'), os.path.join(cache, 'package.json'))
        npm = ['npm', 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--legacy-peer-deps']
        try:
            proc = subprocess.run(npm, cwd=cache, capture_output=True, text=True, timeout=timeout)
            failure = None if proc.returncode == 0 else f'npm install failed: {proc.stderr.strip().splitlines()[-1:] }'
            # Mocha < 8 has no root hooks or --reporter-option, which Revise's capture needs: such commits
            # run on mocha 10 (as the real-projects README does for validator.js).
            mocha_json = os.path.join(cache, 'node_modules', 'mocha', 'package.json')
            if failure is None and os.path.exists(mocha_json):
                with open(mocha_json) as handle:
                    major = int(json.load(handle)['version'].split('.')[0])
                if major < 8:
                    proc = subprocess.run([*npm, '--no-save', 'mocha@10'], cwd=cache, capture_output=True, text=True, timeout=timeout)
                    failure = None if proc.returncode == 0 else 'npm install mocha@10 failed'
        except subprocess.TimeoutExpired:
            failure = 'npm install timeout'
        if failure:
            with open(marker, 'w') as handle:
                handle.write(failure)
            return failure
    os.symlink(os.path.join(cache, 'node_modules'), target)
    return None


def mocha_options(clone):
    """Options from test/mocha.opts (read by mocha < 8 only, e.g. `--ui qunit`), minus the reporter."""
    try:
        with open(os.path.join(clone, 'test', 'mocha.opts')) as handle:
            words = handle.read().split()
    except FileNotFoundError:
        return []
    options, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in ('--reporter', '-R'):
            skip = True
        elif not word.startswith('--reporter='):
            options.append(word)
    return options


def run_mocha(clone, files, env_extra, timeout):
    mocha = os.path.join(clone, 'node_modules', 'mocha', 'bin', '_mocha')
    if not os.path.exists(mocha):
        mocha = os.path.join(clone, 'node_modules', 'mocha', 'bin', 'mocha')
    if not os.path.exists(mocha):
        return None, 'no mocha in devDependencies'
    with tempfile.TemporaryDirectory(prefix='revise-mine-') as tmp:
        env = dict(os.environ, **env_extra)
        cmd = ['node', mocha, *mocha_options(clone), '--reporter', 'json', *files]
        try:
            proc = subprocess.run(cmd, cwd=clone, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, 'timeout'
        text = proc.stdout
        start = text.find('{\n')
        if start < 0:
            output = proc.stdout + proc.stderr
            errors = [line.strip() for line in output.splitlines() if re.search(r'Error|Cannot find', line)]
            return None, f'mocha exit {proc.returncode}: {(errors[0] if errors else output[-300:])[:200]}'
        try:
            report = json.loads(text[start:])
        except json.JSONDecodeError:
            return None, f'mocha output not JSON (exit {proc.returncode})'
        outcomes = {}
        for status, key in (('passed', 'passes'), ('failed', 'failures'), ('skipped', 'pending')):
            for test in report.get(key, []):
                ident = f"{os.path.relpath(test.get('file') or '', clone) if test.get('file') else ''}::{test.get('fullTitle', '')}"
                message = ''
                if status == 'failed':
                    message = str((test.get('err') or {}).get('message', ''))[:300]
                    if '"before all" hook' in test.get('fullTitle', '') or '"before each" hook' in test.get('fullTitle', ''):
                        status = 'failed'
                outcomes[ident] = {'status': status, 'message': message}
        return outcomes, None


def run_jest_like(clone, runner, files, env_extra, timeout):
    """Vitest and Jest both write Jest's JSON report (testResults[].assertionResults[])."""
    with tempfile.TemporaryDirectory(prefix='revise-mine-') as tmp:
        report_file = os.path.join(tmp, 'report.json')
        env = dict(os.environ, CI='1', **env_extra)
        if runner == 'vitest':
            cmd = [os.path.join(clone, 'node_modules', '.bin', 'vitest'), 'run', '--reporter=json', f'--outputFile={report_file}', *files]
        else:
            cmd = [os.path.join(clone, 'node_modules', '.bin', 'jest'), '--json', f'--outputFile={report_file}', '--coverage=false', *files]
        try:
            proc = subprocess.run(cmd, cwd=clone, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, 'timeout'
        if not os.path.exists(report_file):
            return None, f'{runner} exit {proc.returncode}: {(proc.stdout + proc.stderr)[-300:]}'
        with open(report_file) as handle:
            report = json.load(handle)
        outcomes = {}
        for suite in report.get('testResults', []):
            rel = os.path.relpath(suite.get('name') or suite.get('testFilePath') or '', clone)
            if not suite.get('assertionResults') and suite.get('status') == 'failed':
                outcomes[f'{rel}::<suite>'] = {'status': 'collection-error', 'message': str(suite.get('message', ''))[:200]}
            for test in suite.get('assertionResults', []):
                status = {'passed': 'passed', 'failed': 'failed'}.get(test.get('status'), 'skipped')
                message = ' '.join(test.get('failureMessages') or [])[:300]
                outcomes[f"{rel}::{test.get('fullName') or test.get('title')}"] = {'status': status, 'message': message}
        return outcomes, None


def js_runner(clone):
    """The test framework installed for this commit: mocha, vitest or jest."""
    for runner in ('mocha', 'vitest', 'jest'):
        if os.path.exists(os.path.join(clone, 'node_modules', runner, 'package.json')):
            return runner
    return None


def run_tests(spec, clone, files, timeout, runner=None):
    if spec['runner'] == 'pytest':
        return run_pytest(clone, files, spec['env'], timeout)
    if runner == 'mocha':
        return run_mocha(clone, files, spec['env'], timeout)
    return run_jest_like(clone, runner, files, spec['env'], timeout)


def checkout(clone, commit, keep):
    git(clone, 'checkout', '-q', '-f', commit)
    args = ['clean', '-q', '-fdx']
    for path in keep:
        args += ['-e', path]
    git(clone, *args)


# ---------- one candidate ----------

def verify(spec, project, clone, work, cand, timeout):
    fix = cand['commit']
    parents = git(clone, 'rev-list', '--parents', '-n', '1', fix).split()
    if len(parents) != 2:
        return None, 'not a single-parent commit'
    bug = parents[1]
    language = spec['language']
    tests_at_fix = [t for t in cand['tests'] if exists_at(clone, fix, t)]
    modules = [t for t in tests_at_fix if is_test_module(language, t)]
    if not modules:
        return None, 'fix changes no runnable test module (only deletions or helpers)'
    region, insert_only = faulty_region(clone, bug, fix, cand['sources'])
    if not region:
        return None, 'fix only adds new source files (no buggy line in the parent)'
    keep = ['node_modules'] if language == 'js' else []

    checkout(clone, bug, keep)
    git(clone, 'checkout', '-q', fix, '--', *tests_at_fix)
    if language == 'js':
        failure = ensure_node_modules(clone, work, project, 600)
        if failure:
            return None, f'parent does not install: {failure}'
    runner = js_runner(clone) if language == 'js' else spec['runner']
    if runner is None:
        return None, 'parent has no mocha, vitest or jest installed'
    before, error = run_tests(spec, clone, modules, timeout, runner)
    if before is None:
        return None, f'tests do not run at the parent: {error}'
    broken = [o['message'] for o in before.values() if o['status'] == 'collection-error']
    if broken:
        package = project.replace('-', '_').replace('python_', '')
        if re.search(rf"cannot import name .* from '{re.escape(package)}|has no attribute", broken[0]):
            return None, 'test module does not import at the parent (uses API added by the fix)'
        runtime = 'Python 3.11' if language == 'python' else 'Node 20, or not a test suite'
        return None, f'test module does not import at the parent (old code on {runtime}?): {broken[0][:120]}'

    checkout(clone, fix, keep)
    if language == 'js':
        failure = ensure_node_modules(clone, work, project, 600)
        if failure:
            return None, f'fix does not install: {failure}'
    if language == 'js' and js_runner(clone) != runner:
        return None, 'the fix changes the test framework'
    after, error = run_tests(spec, clone, modules, timeout, runner)
    if after is None:
        return None, f'tests do not run at the fix: {error}'

    revealing = sorted(t for t, o in before.items() if o['status'] == 'failed' and after.get(t, {}).get('status') == 'passed')
    if not revealing:
        failing_after = sum(1 for o in after.values() if o['status'] != 'passed' and o['status'] != 'skipped')
        if failing_after:
            return None, 'no test fails at the parent and passes at the fix (tests fail at the fix too)'
        return None, 'no test fails at the parent (fix tests pass on the buggy code)'
    if all(API_ERROR.search(before[t]['message']) for t in revealing):
        return None, 'fault-revealing tests fail only because API added by the fix is missing'
    broken_after = sorted(t for t, o in after.items() if o['status'] in ('failed', 'collection-error'))
    if broken_after:
        # Tests that fail with the fix too (old code on today's interpreter, environment) would mix
        # noise into the failing set: the check must be green at the fix.
        return None, f"tests fail at the fix too (environment or old code on today's runtime): {len(broken_after)}"
    return {
        'id': f'{project}/{fix[:12]}',
        'project': project,
        'language': language,
        'commit': fix,
        'parent': bug,
        'subject': cand['subject'][:120],
        'sourceFiles': sorted(region),
        'testFiles': tests_at_fix,
        'testModules': modules,
        'faultyLines': region,
        'insertOnly': all(insert_only.values()),
        'failingTests': revealing,
        'testsBefore': {'total': len(before), 'failed': sum(1 for o in before.values() if o['status'] == 'failed')},
        'testsAfter': {'total': len(after), 'failed': len(broken_after)},
        'env': spec['env'],
        'runner': runner,
        'runnerOptions': mocha_options(clone) if runner == 'mocha' else [],
    }, None


def relabel(data, work, out):
    """Re-applies the current rules to a manifest without running tests: faulty lines from git, and the
    green-at-the-fix rule on the recorded outcomes."""
    with open(out) as handle:
        manifest = json.load(handle)
    kept = []
    for bug in manifest['bugs']:
        if bug['testsAfter']['failed'] > 0:
            # The green-at-the-fix rule, applied to the recorded outcomes of bugs mined before it existed.
            reason = f"tests fail at the fix too (environment or old code on today's runtime): {bug['testsAfter']['failed']}"
            project = manifest['projects'][bug['project']]
            project['skipped'].append({'commit': bug['commit'], 'reason': reason})
            project['verified'] -= 1
            continue
        clone = os.path.join(work, 'clones', bug['project'])
        region, insert_only = faulty_region(clone, bug['parent'], bug['commit'], bug['sourceFiles'])
        bug['faultyLines'], bug['insertOnly'] = region, all(insert_only.values())
        kept.append(bug)
    manifest['bugs'] = kept
    with open(out, 'w') as handle:
        json.dump(manifest, handle, indent=1)
        handle.write('\n')


def prepare(bug_id, target, data, work, out):
    """Writes the check of one verified bug into `target`: a clone at the parent with the fix's test files."""
    with open(out) as handle:
        bug = next(b for b in json.load(handle)['bugs'] if b['id'] == bug_id)
    source = os.path.join(work, 'clones', bug['project'])
    if not os.path.isdir(source):
        os.makedirs(os.path.dirname(source), exist_ok=True)
        subprocess.run(['git', 'clone', '-q', os.path.join(data, 'bundles', f"{bug['project']}.bundle"), source], check=True)
    if os.path.exists(target):
        shutil.rmtree(target)
    subprocess.run(['git', 'clone', '-q', '--no-checkout', source, target], check=True)
    git(target, 'checkout', '-q', bug['parent'])
    git(target, 'checkout', '-q', bug['commit'], '--', *bug['testFiles'])
    if bug['language'] == 'js':
        failure = ensure_node_modules(target, work, bug['project'], 600)
        if failure:
            raise SystemExit(failure)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--project')
    parser.add_argument('--prepare', metavar='BUG_ID', help='write the check of one verified bug into --dir and exit')
    parser.add_argument('--dir')
    parser.add_argument('--relabel', action='store_true', help="recompute the manifest's faulty lines from git and exit")
    parser.add_argument('--max', type=int, default=60, help='newest candidates tried per project')
    parser.add_argument('--timeout', type=int, default=120, help='seconds per test run')
    parser.add_argument('--budget', type=int, default=1500, help='seconds per project; candidates left are counted as not tried')
    parser.add_argument('--data', default=os.path.join(REPO, '..', 'shared', 'data', 'real-projects'))
    parser.add_argument('--work', default='/tmp/revise-real')
    parser.add_argument('--out', default=os.path.join(HERE, 'dataset.json'))
    args = parser.parse_args()
    data = os.path.abspath(args.data)
    if args.prepare:
        return prepare(args.prepare, args.dir, data, args.work, args.out)
    if args.relabel:
        return relabel(data, args.work, args.out)
    spec = PROJECTS[args.project]
    clone = os.path.join(args.work, 'clones', args.project)
    if not os.path.isdir(clone):
        os.makedirs(os.path.dirname(clone), exist_ok=True)
        subprocess.run(['git', 'clone', '-q', os.path.join(data, 'bundles', f'{args.project}.bundle'), clone], check=True)
    # The bundle's one branch; a run stopped midway leaves the clone at an old commit, so start from its tip.
    branch = git(clone, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').split()[0]
    git(clone, 'checkout', '-q', '-f', branch)
    head = git(clone, 'rev-parse', 'HEAD').strip()
    cands = candidates(clone, data)
    tried, bugs, skipped = cands[: args.max], [], []
    started = time.time()
    for index, cand in enumerate(tried):
        if time.time() - started > args.budget:
            skipped.append({'commit': cand['commit'], 'reason': 'not tried: project time budget spent'})
            continue
        t0 = time.time()
        try:
            bug, reason = verify(spec, args.project, clone, args.work, cand, args.timeout)
        except Exception as error:  # a broken old commit must not stop the project
            bug, reason = None, f'miner error: {str(error)[:200]}'
        if bug:
            bugs.append(bug)
            print(f'[{index + 1}/{len(tried)}] {cand["commit"][:12]} VERIFIED {len(bug["failingTests"])} failing ({time.time() - t0:.0f}s)', flush=True)
        else:
            skipped.append({'commit': cand['commit'], 'reason': reason})
            print(f'[{index + 1}/{len(tried)}] {cand["commit"][:12]} skip: {reason} ({time.time() - t0:.0f}s)', flush=True)
    git(clone, 'checkout', '-q', '-f', branch)
    git(clone, 'clean', '-q', '-fdx', '-e', 'node_modules')

    manifest = {'projects': {}, 'bugs': []}
    if os.path.exists(args.out):
        with open(args.out) as handle:
            manifest = json.load(handle)
    manifest['bugs'] = [b for b in manifest['bugs'] if b['project'] != args.project] + bugs
    manifest['bugs'].sort(key=lambda b: (b['project'], b['id']))
    manifest['projects'][args.project] = {
        'language': spec['language'],
        'runner': spec['runner'],
        'head': head,
        'candidates': len(cands),
        'tried': len(tried),
        'verified': len(bugs),
        'skipped': skipped,
        'minedAt': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'seconds': round(time.time() - started),
        'loadAverage': os.getloadavg()[0],
    }
    manifest['projects'] = dict(sorted(manifest['projects'].items()))
    manifest['rule'] = ('count_fix_commits.py candidates, newest first; parent source + fix test files; kept when a test of the '
                        "fix's test modules fails at the parent and passes at the fix; faulty lines = parent-side lines the fix "
                        'changed or deleted in source files (pure insertion: the line before it and the next non-blank line)')
    with open(args.out, 'w') as handle:
        json.dump(manifest, handle, indent=1)
        handle.write('\n')
    print(f'{args.project}: {len(bugs)} verified of {len(tried)} tried ({len(cands)} candidates)')


if __name__ == '__main__':
    sys.exit(main())
