/**
 * Fits the input bouncer's weights on the training split and writes
 * `extension/src/core/bounce/input/weights.json`.
 *
 *   npm run build:tests && node out/bench/input-bouncer/fit.js [--data ../shared/data] [--text-only] [--out <file>]
 *
 * The held-out split (a quarter of HumanEvalComm tasks by id, a quarter of IN3 rows) is never read
 * here; hyperparameters (L2, IN3 weight) and the decision threshold are chosen by 5-fold
 * cross-validation grouped by task inside the training split. With Python available, each
 * HumanEvalComm description is also seen with its examples run against the canonical solution, so the
 * model learns what a disagreement with the code means; `--text-only` skips that.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataDirectoryFromArguments, loadHumanEvalComm, loadIn3, splitTasks } from './data';
import { PythonExampleRunner } from './pythonRunner';
import { buildRows, FALSE_ALARM_BUDGET, fitProseModel, MINIMUM_SCALE, selectAndFit } from './train';

/** Repository root, from out/bench/input-bouncer at run time. */
const repositoryRoot = path.resolve(__dirname, '..', '..', '..');

/** Default location of the shipped weights (the source tree, not out/). */
export const WEIGHTS_PATH = path.join(repositoryRoot, 'extension', 'src', 'core', 'bounce', 'input', 'weights.json');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dataDirectory = dataDirectoryFromArguments(argv, repositoryRoot);
  const outIndex = argv.indexOf('--out');
  const outPath = outIndex >= 0 ? path.resolve(argv[outIndex + 1]) : WEIGHTS_PATH;
  const textOnly = argv.includes('--text-only');

  const { train } = splitTasks([...loadHumanEvalComm(dataDirectory), ...loadIn3(dataDirectory)]);
  const runner = textOnly ? undefined : new PythonExampleRunner();
  const started = Date.now();
  let rows;
  try {
    rows = await buildRows(train, runner);
  } finally {
    runner?.close();
  }
  const trained = selectAndFit(rows);
  const prose = fitProseModel(rows);
  const humanEvalTasks = new Set(train.filter((task) => task.source === 'humanevalcomm').map((task) => task.group));
  const model = {
    ...trained.model,
    training: {
      script: 'bench/input-bouncer/fit.ts',
      data: 'HumanEvalComm (even tasks) and IN3 train, training split only',
      split: 'held out: 25% of HumanEvalComm task ids and 25% of IN3 rows, by FNV-1a hash order (see bench/input-bouncer/data.ts)',
      humanEvalCommTasks: humanEvalTasks.size,
      rows: rows.length,
      views: textOnly ? ['text'] : ['text', 'code'],
      l2: trained.options.l2,
      in3Weight: trained.options.in3Weight,
      innerCrossValidatedMacroF1: Number(trained.innerScore.toFixed(4)),
      selection: `5-fold cross-validation grouped by task id inside the training split; thresholds: best macro-F1 with at most ${FALSE_ALARM_BUDGET * 100}% of clear descriptions called vague (out of fold); objective: mean macro-F1 over views`,
      minimumScale: MINIMUM_SCALE,
    },
    prose: {
      ...prose.model,
      training: {
        data: 'IN3 train, training split only (plain requests: no signature, no worked example)',
        l2: prose.l2,
        innerCrossValidated: {
          macroF1: Number(prose.inner.macroF1.toFixed(4)),
          falseAlarms: Number(prose.inner.falseAlarms.toFixed(4)),
          recallVague: Number(prose.inner.recallVague.toFixed(4)),
        },
        selection: `5-fold cross-validation by row; threshold: best macro-F1 with at most ${FALSE_ALARM_BUDGET * 100}% of clear requests called vague (out of fold)`,
      },
    },
  };
  fs.writeFileSync(outPath, JSON.stringify(model, null, 2) + '\n');
  console.log(
    `fitted on ${rows.length} rows (${humanEvalTasks.size} HumanEvalComm tasks) in ${Date.now() - started} ms: ` +
      `l2=${trained.options.l2} in3Weight=${trained.options.in3Weight} threshold=${trained.model.threshold} codeThreshold=${String(trained.model.codeThreshold)} ` +
      `inner CV macro-F1=${trained.innerScore.toFixed(3)} -> ${path.relative(process.cwd(), outPath)}`,
  );
  for (const name of trained.model.features) console.log(`  ${name.padEnd(28)} ${trained.model.weights[name].toFixed(3)}  plain: ${prose.model.weights[name].toFixed(3)}`);
  console.log(`plain requests: l2=${prose.l2} threshold=${prose.model.threshold} inner CV ${JSON.stringify(prose.inner)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
