// fluent-ffmpeg (2.1.3, lib/processor.js) spawns ffmpeg in its private `_spawnFfmpeg(args,
// options, [processCB], endCB)` with spawn options it builds itself; there is no public way to
// ask for `detached`. A hung ffmpeg must be killed with everything it started, which takes a
// process group of its own, so this command's `_spawnFfmpeg` is wrapped: same arguments, plus
// `detached: true` (the child calls setsid() and leads a new group that kill(-pid) reaches).
// All the rest of fluent-ffmpeg's process handling (argument assembly, stdout/stderr draining
// into bounded rings, exit and error reporting) stays in use. The wrapper also lets the caller
// refuse a spawn (a run stopped while fluent-ffmpeg was still checking capabilities) and see the
// child and its exact arguments the moment it exists.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { FfmpegCommand } from 'fluent-ffmpeg';

interface Ring {
  get(): string;
}
type EndCallback = (error: Error | null, stdoutRing?: Ring, stderrRing?: Ring) => void;
type ProcessCallback = (child: ChildProcess, stdoutRing: Ring, stderrRing: Ring) => void;
type SpawnFfmpeg = (
  this: unknown,
  args: string[],
  options: SpawnOptions | ProcessCallback | EndCallback,
  ...callbacks: Array<ProcessCallback | EndCallback>
) => void;

interface FluentInternals {
  _spawnFfmpeg?: SpawnFfmpeg;
}

/** fluent-ffmpeg's run() reads both rings even on a spawn error; these stand in when there are none. */
const EMPTY_RING: Ring = { get: () => '' };

export interface SpawnHooks {
  /** An error to end the run with instead of spawning, or undefined to spawn. */
  refuse(): Error | undefined;
  /** The run's ffmpeg process exists (capability probes such as `ffmpeg -formats` are not reported). */
  spawned(child: ChildProcess, args: readonly string[]): void;
}

export function spawnInOwnProcessGroup(command: FfmpegCommand, hooks: SpawnHooks): void {
  const internals = command as unknown as FluentInternals;
  const original = internals._spawnFfmpeg;
  if (typeof original !== 'function')
    throw new Error(
      'fluent-ffmpeg has no _spawnFfmpeg method: this version is not supported (2.1.x expected); ' +
        'check libs/media against node_modules/fluent-ffmpeg/lib/processor.js',
    );
  internals._spawnFfmpeg = function (this: unknown, args, options, ...callbacks) {
    // The options argument may be left out: (args, [processCB], endCB).
    const spawnOptions = typeof options === 'function' ? {} : options;
    const rest = typeof options === 'function' ? [options, ...callbacks] : callbacks;
    const end = rest[rest.length - 1] as EndCallback;
    const guardedEnd: EndCallback = (error, stdoutRing, stderrRing) =>
      end(error, stdoutRing ?? EMPTY_RING, stderrRing ?? EMPTY_RING);
    const refusal = hooks.refuse();
    if (refusal) return guardedEnd(refusal);
    if (rest.length === 2) {
      const onProcess = rest[0] as ProcessCallback;
      const onSpawned: ProcessCallback = (child, stdoutRing, stderrRing) => {
        hooks.spawned(child, args);
        onProcess(child, stdoutRing, stderrRing);
      };
      return original.call(this, args, { ...spawnOptions, detached: true }, onSpawned, guardedEnd);
    }
    return original.call(this, args, { ...spawnOptions, detached: true }, guardedEnd);
  };
}
