/**
 * What a solve reports while it runs: the iteration table of `verbose`
 * (Ceres' columns for one problem, a summary row for a batch) and the
 * `onIteration` callback; and the whole-batch reports of a batch solved in
 * parts side by side.
 */
import type { ResolvedOptions } from './options.js';

/** What the loop reports after each iteration (iteration 0: the start); the arrays are the loop's own, valid during the call. */
export interface IterationReport {
  iteration: number;
  /** Per element: cost, whether still running, ‖Jᵀr‖∞, ‖δ‖ and ρ of the last step, trust region radius. */
  cost: Float64Array;
  running: Uint8Array;
  gradientNorm: Float64Array;
  stepNorm: Float64Array;
  quality: Float64Array;
  radius: Float64Array;
  seconds: number;
}

/** The reports of a solve: the iteration table of `verbose` and `onIteration`. */
export function reporter(options: ResolvedOptions, batch: number): (r: IterationReport) => void {
  const table = options.log ? new IterationTable(options.log, batch) : undefined;
  const onIteration = options.onIteration;
  return (r) => {
    table?.row(r);
    if (r.iteration > 0 && onIteration) {
      let running = 0;
      for (let b = 0; b < r.running.length; b++) running += r.running[b]!;
      onIteration({ iteration: r.iteration, cost: r.cost.slice(), running, seconds: r.seconds });
    }
  };
}

/**
 * Whole-batch reports from the loops of consecutive parts of a batch (of the
 * given sizes) run side by side: iteration k is reported once every part has
 * reported it or stopped (a stopped part's last values stand for it).
 */
export function partReporters(sizes: readonly number[], report: (r: IterationReport) => void): ((r: IterationReport) => void)[] {
  const B = sizes.reduce((s, x) => s + x, 0);
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((s, x) => s + x, 0));
  const keys = ['cost', 'running', 'gradientNorm', 'stepNorm', 'quality', 'radius'] as const;
  const whole = {
    cost: new Float64Array(B),
    running: new Uint8Array(B),
    gradientNorm: new Float64Array(B),
    stepNorm: new Float64Array(B),
    quality: new Float64Array(B),
    radius: new Float64Array(B),
  };
  const queues: IterationReport[][] = sizes.map(() => []);
  const last: (IterationReport | undefined)[] = sizes.map(() => undefined);
  const stopped = (i: number) => last[i] !== undefined && !last[i]!.running.includes(1);
  let next = 0;
  const flush = () => {
    for (;;) {
      // Ready when every part has reported `next` or stopped, and one has news.
      let news = false;
      for (let i = 0; i < sizes.length; i++) {
        if (queues[i]![0]?.iteration === next) news = true;
        else if (!stopped(i)) return;
      }
      if (!news) return;
      let seconds = 0;
      for (let i = 0; i < sizes.length; i++) {
        if (queues[i]![0]?.iteration === next) last[i] = queues[i]!.shift()!;
        seconds = Math.max(seconds, last[i]!.seconds);
        for (const key of keys) whole[key].set(last[i]![key], offsets[i]);
      }
      report({ iteration: next++, ...whole, seconds });
    }
  };
  return sizes.map((_, i) => (r: IterationReport) => {
    // A copy: the loop reuses its arrays.
    const copy = { ...r, ...Object.fromEntries(keys.map((key) => [key, r[key].slice()])) } as IterationReport;
    queues[i]!.push(copy);
    flush();
  });
}

/** The iteration table of `verbose`: Ceres' columns for one problem, a summary row for a batch. */
class IterationTable {
  readonly #log: (line: string) => void;
  readonly #batch: number;
  #previous: number | undefined;

  constructor(log: (line: string) => void, batch: number) {
    this.#log = log;
    this.#batch = batch;
    log(
      batch === 1
        ? 'iter      cost      cost_change  |gradient|   |step|    tr_ratio  tr_radius  total_time'
        : 'iter  running   mean cost     max cost   max |gradient|  total_time',
    );
  }

  row({ iteration, cost, running, gradientNorm, stepNorm, quality, radius, seconds }: IterationReport): void {
    const e = (v: number) => exponential(v, 2).padStart(10);
    if (this.#batch === 1) {
      const change = this.#previous === undefined ? 0 : this.#previous - cost[0]!;
      this.#previous = cost[0]!;
      const step = iteration === 0 ? 0 : stepNorm[0]!;
      const ratio = iteration === 0 ? 0 : quality[0]!;
      this.#log(
        `${String(iteration).padStart(4)}  ${exponential(cost[0]!, 6).padStart(13)}  ${e(change)}  ${e(gradientNorm[0]!)}  ${e(step)}  ${e(ratio)}  ${e(radius[0]!)}  ${e(seconds)}`,
      );
      return;
    }
    let sum = 0;
    let max = 0;
    let gmax = 0;
    let count = 0;
    for (let b = 0; b < cost.length; b++) {
      sum += cost[b]!;
      max = Math.max(max, cost[b]!);
      if (running[b]) {
        count++;
        gmax = Math.max(gmax, gradientNorm[b]!);
      }
    }
    this.#log(`${String(iteration).padStart(4)}  ${String(count).padStart(7)}  ${e(sum / cost.length)}  ${e(max)}  ${e(gmax)}      ${e(seconds)}`);
  }
}

/** x in exponent notation with two exponent digits, as C's printf (1.00e+04). */
function exponential(x: number, digits: number): string {
  return x.toExponential(digits).replace(/e([+-])(\d)$/, 'e$10$2');
}
