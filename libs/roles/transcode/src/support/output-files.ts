// Port: the file system side of the outputs folder (adapter: output-files.adapter.ts).
import { type JobOutput } from '@portico/media';

export abstract class OutputFiles {
  /** Creates the folder (and its parents) if missing. */
  abstract ensureFolder(absolutePath: string): Promise<void>;

  /**
   * The files of a finished output at `absolutePath` (the file itself, or the numbered files of a
   * sequence folder in order), or undefined when it is not there. Outputs are renamed into place
   * only when complete, so presence means complete.
   */
  abstract finished(absolutePath: string, output: JobOutput): Promise<string[] | undefined>;
}
