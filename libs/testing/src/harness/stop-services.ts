// Stops every service of a run folder by its pid file, in parallel. PostgreSQL gets SIGQUIT
// (immediate shutdown: its data is thrown away anyway), the others SIGTERM.
import { stopByPidFile } from '../services/processes';
import { runLayout } from './layout';

export async function stopServices(runDir: string): Promise<void> {
  const layout = runLayout(runDir);
  await Promise.all([
    stopByPidFile(layout.pgbouncerPid, runDir, 'SIGTERM'),
    stopByPidFile(layout.postgresPid, runDir, 'SIGQUIT'),
    stopByPidFile(layout.redisPid, runDir, 'SIGTERM'),
    stopByPidFile(layout.s3Pid, runDir, 'SIGTERM'),
  ]);
}
