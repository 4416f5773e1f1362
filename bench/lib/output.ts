// The benchmark line format (SPEC 4): one JSON object per line on stdout, and nothing else on
// stdout. Progress and diagnostics go to stderr, so `npm run bench -- x > results.jsonl` keeps
// only results.

/** A target from SPEC 4: the measured value must satisfy `value <op> target`. */
export interface Target {
  readonly op: '<=' | '>=' | '=';
  readonly value: number;
}

export interface Measurement {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** Only where SPEC 4 sets a target; `ok` is derived from it. */
  readonly target?: Target;
}

export interface ResultLine {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
}

export type Emit = (measurement: Measurement) => void;

export function meetsTarget(value: number, target: Target): boolean {
  switch (target.op) {
    case '<=':
      return value <= target.value;
    case '>=':
      return value >= target.value;
    case '=':
      return value === target.value;
  }
}

export function resultLine(bench: string, measurement: Measurement): ResultLine {
  if (!Number.isFinite(measurement.value))
    throw new RangeError(`${bench}/${measurement.metric}: value ${measurement.value} is not a finite number`);
  const line: ResultLine = {
    bench,
    metric: measurement.metric,
    value: measurement.value,
    unit: measurement.unit,
  };
  if (measurement.target) {
    line.target = `${measurement.target.op} ${measurement.target.value}`;
    line.ok = meetsTarget(measurement.value, measurement.target);
  }
  return line;
}

/** Writes result lines of one benchmark to stdout. */
export function emitter(
  bench: string,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Emit {
  return (measurement) => write(`${JSON.stringify(resultLine(bench, measurement))}\n`);
}

/** Progress for humans, on stderr. */
export function progress(bench: string): (message: string) => void {
  return (message) => process.stderr.write(`[bench ${bench}] ${message}\n`);
}

/** Rounds to `digits` decimals, for readable values (milliseconds for seconds). */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
