/**
 * Where candidates are validated: isolated copies of the project, each with a warm test worker loaded in
 * it when the runner has one. The pipeline opens them as soon as the capture ends, so that the copies are
 * made and the suite loads while the flaky re-run, localization and candidate generation go on; the
 * re-run of the failing tests itself is served by the first warm worker (`rerun`).
 */
import { throwIfCancelled } from '../errors';
import { WorkerUnavailable, type WorkerFactory } from '../exec/types';
import type { Logger } from '../ports';
import type { TestRun } from '../types';
import { DEFAULT_ISOLATION_LIMITS, WorkspaceCopy, planCopy, removeStaleCopies } from './isolation';
import type { IsolationLimits } from './types';
import { dropWorker, translateIds, type Lane } from './validate';

/**
 * Opens the warm worker of `lane` (before any candidate is written into its copy), bounded by
 * `timeoutMs`; a worker that cannot open leaves the lane cold, and the reason goes to the log.
 */
export async function openLane(lane: Lane, openWorker: WorkerFactory | undefined, signal: AbortSignal, timeoutMs: number, logger: Logger): Promise<Lane> {
  if (!openWorker) return lane;
  // Opening (loading, and for JavaScript replaying the capture) is bounded: a worker that does not get
  // ready in time is stopped, and the copy validates cold.
  const opening = new AbortController();
  const onAbort = () => opening.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    opening.abort();
  }, Math.max(0, timeoutMs));
  try {
    if (signal.aborted) return lane;
    const started = Date.now();
    lane.worker = await openWorker(lane.copy.root, opening.signal);
    lane.loadMs = Date.now() - started;
    logger.debug(`Validation in ${lane.copy.root}: ${lane.worker.description}.`);
  } catch (error) {
    if (signal.aborted) return lane;
    const reason = late
      ? `opening the warm worker took longer than ${Math.round(timeoutMs / 1000)} s`
      : error instanceof WorkerUnavailable
        ? error.message
        : `the worker failed to start: ${error instanceof Error ? error.message : String(error)}`;
    logger.debug(`Validation runs cold in ${lane.copy.root}: ${reason}.`);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
  return lane;
}

/** How long one lane may take to open its warm worker: a few single runs' limits, never past `deadline`. */
export function openTimeoutMs(runTimeoutMs: number, deadline: number): number {
  return Math.max(0, Math.min(3 * runTimeoutMs, deadline - Date.now()));
}

/** The longest one validation run may take: `configured` when set, else a few capture durations. */
export function validationRunTimeoutMs(run: TestRun, configured?: number): number {
  return configured ?? Math.max(10_000, 3 * run.durationMs + 5_000);
}

export interface CopyOptions {
  /** Absolute root of the user's project (read only). */
  root: string;
  /** Copies to make (one per parallel validation worker). */
  count: number;
  isolation?: Partial<IsolationLimits>;
  signal?: AbortSignal;
  logger: Logger;
}

export interface LaneOptions extends CopyOptions {
  openWorker?: WorkerFactory;
  /** Longest opening one warm worker may take. */
  openTimeoutMs: number;
}

/** A signal that aborts when `outer` (if any) or `inner` does. */
function either(outer: AbortSignal | undefined, inner: AbortSignal): { signal: AbortSignal; release(): void } {
  if (!outer) return { signal: inner, release: () => undefined };
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (outer.aborted || inner.aborted) abort();
  outer.addEventListener('abort', abort, { once: true });
  inner.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      outer.removeEventListener('abort', abort);
      inner.removeEventListener('abort', abort);
    },
  };
}

/** The copies a patch search validates in; whoever made them disposes them. */
export class ValidationLanes {
  private disposed = false;
  /** Aborted by `dispose` or `limitOpening`: stops workers that are still loading. */
  private readonly stopping = new AbortController();
  private opening: Promise<unknown> = Promise.resolve();
  private openingTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly root: string,
    readonly lanes: Lane[],
    /** Why the project is not copied (too many files or bytes); then there are no lanes. */
    readonly refused?: string,
  ) {}

  /**
   * Copies the project `count` times (no workers yet: `openWorkers`). Throws when not one copy could be
   * made, or on cancellation.
   */
  static async make(options: CopyOptions): Promise<ValidationLanes> {
    await removeStaleCopies().catch(() => 0);
    const plan = await planCopy(options.root, { ...DEFAULT_ISOLATION_LIMITS, ...options.isolation }, options.signal);
    throwIfCancelled(options.signal);
    if ('refused' in plan) return new ValidationLanes(options.root, [], plan.refused);
    const made = await Promise.allSettled(Array.from({ length: Math.max(1, options.count) }, () => WorkspaceCopy.create(plan, options.signal)));
    const copies = made.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const lanes = new ValidationLanes(options.root, copies.map((copy) => ({ copy, warmRuns: 0, coldRuns: 0 })));
    if (copies.length > 0 && !options.signal?.aborted) return lanes;
    await lanes.dispose(options.logger);
    throwIfCancelled(options.signal);
    const reason = made.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')?.reason;
    throw new Error(`Could not copy the project to validate patches: ${reason instanceof Error ? reason.message : String(reason)}`);
  }

  /** `make`, then `openWorkers`; never throws for a worker that does not open (that lane runs cold). */
  static async open(options: LaneOptions): Promise<ValidationLanes> {
    const lanes = await ValidationLanes.make(options);
    try {
      await lanes.openWorkers(options.openWorker, options.openTimeoutMs, options.logger, options.signal);
      throwIfCancelled(options.signal);
      return lanes;
    } catch (error) {
      await lanes.dispose(options.logger);
      throw error;
    }
  }

  /**
   * Opens a warm worker in every lane that has none (or in the first `count` of them), each bounded by
   * `timeoutMs`, before any candidate is written into the copies. A worker that does not open leaves its
   * lane cold (the log says why). A lane whose worker is still opening takes no candidate until it is
   * open (`Lane.opening`), so lanes opened later join a search that has begun.
   */
  openWorkers(openWorker: WorkerFactory | undefined, timeoutMs: number, logger: Logger, signal?: AbortSignal, count = Infinity): Promise<void> {
    if (!openWorker || this.disposed) return Promise.resolve();
    const stop = either(signal, this.stopping.signal);
    const chosen = this.lanes.filter((lane) => !lane.worker && !lane.opening).slice(0, Math.max(0, count));
    const opening = Promise.all(
      chosen.map((lane) => {
        lane.opening = openLane(lane, openWorker, stop.signal, timeoutMs, logger).then(() => undefined);
        return lane.opening;
      }),
    ).then(
      () => stop.release(),
      (error: unknown) => {
        stop.release();
        throw error;
      },
    );
    const before = this.opening;
    this.opening = Promise.all([before, opening.catch(() => undefined)]);
    return opening;
  }

  /**
   * Readies the lanes that have no worker (and none opening) to open theirs only when asked: each gets a
   * `Lane.opening` that settles once `widen` has been called and its worker has opened (or failed to),
   * so a search leaves them out, once every candidate is taken, unless it asked for them. For suites that
   * take longer to load than the search would run on the lanes already open. Returns `widen` (idempotent).
   */
  openWorkersOnDemand(openWorker: WorkerFactory | undefined, timeoutMs: number, logger: Logger, signal?: AbortSignal): () => void {
    if (!openWorker || this.disposed) return () => undefined;
    const gates = this.lanes
      .filter((lane) => !lane.worker && !lane.opening)
      .map((lane) => {
        let release: () => void = () => undefined;
        lane.opening = new Promise<void>((resolve) => (release = resolve));
        return { lane, release };
      });
    let asked = false;
    return () => {
      if (asked || this.disposed || gates.length === 0) return;
      asked = true;
      for (const { lane } of gates) lane.opening = undefined;
      void this.openWorkers(openWorker, timeoutMs, logger, signal).catch(() => undefined);
      // A search already waits on the gate: it opens when the lane's worker has.
      for (const { lane, release } of gates) void (lane.opening ?? Promise.resolve()).then(release, release);
    };
  }

  /** Stops the workers that are still loading (their lanes stay cold): the search they were for is over. */
  stopOpening(): void {
    if (this.lanes.some((lane) => lane.opening && !lane.worker)) this.stopping.abort();
  }

  /**
   * Gives up, `ms` from now, on the workers that are still loading then (their lanes validate cold);
   * for workers started before anyone knew how long loading the suite should take.
   */
  limitOpening(ms: number, logger?: Logger): void {
    if (this.disposed || this.openingTimer) return;
    this.openingTimer = setTimeout(() => {
      if (this.lanes.every((lane) => lane.worker)) return;
      logger?.debug(`Warm workers still loading after ${Math.round(ms / 1000)} s more than the capture needed: those lanes validate cold.`);
      this.stopping.abort();
    }, ms);
    this.openingTimer.unref?.();
    void this.opening.then(() => clearTimeout(this.openingTimer));
  }
  /**
   * Runs `testIds` on the unpatched code in the first lane with a warm worker (a re-run for flaky
   * tests that costs one fork, not a cold start), with the ids and the run's files mapped back to the
   * project. Undefined when no lane has a worker or the worker could not serve (it is then dropped, and
   * the lane runs cold); the caller runs the tests cold instead.
   */
  async rerun(testIds: string[], signal: AbortSignal): Promise<TestRun | undefined> {
    const lane = this.lanes.find((candidate) => candidate.worker);
    if (!lane?.worker || testIds.length === 0) return undefined;
    const copyRoot = lane.copy.root;
    try {
      const run = await lane.worker.run({ testIds: translateIds(testIds, this.root, copyRoot), files: [], signal });
      const back = (text: string) => text.split(copyRoot).join(this.root);
      return { ...run, tests: run.tests.map((test) => ({ ...test, id: back(test.id), ...(test.file ? { file: back(test.file) } : {}) })) };
    } catch (error) {
      if (!(error instanceof WorkerUnavailable)) throw error;
      dropWorker(lane);
      return undefined;
    }
  }

  /** Stops the workers (those still loading too) and removes the copies (idempotent). */
  async dispose(logger?: Logger): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.openingTimer);
    this.stopping.abort();
    await this.opening;
    await Promise.all(this.lanes.map((lane) => lane.worker?.dispose()));
    await Promise.all(this.lanes.map((lane) => lane.copy.dispose().catch((error: unknown) => logger?.warn(`Could not remove ${lane.copy.container}: ${String(error)}`))));
  }
}
