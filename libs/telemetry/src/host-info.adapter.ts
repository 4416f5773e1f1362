import {
  arch,
  availableParallelism,
  freemem,
  hostname,
  loadavg,
  release,
  totalmem,
  type,
  uptime,
} from 'node:os';
import { HostInfoProvider, type HostInfoRecord } from './ports';

/** Host info from the operating system and this process. */
export class OsHostInfoProvider extends HostInfoProvider {
  read(): HostInfoRecord {
    const [one = 0, five = 0, fifteen = 0] = loadavg();
    return {
      hostname: hostname(),
      os: `${type()} ${release()}`,
      platform: process.platform,
      arch: arch(),
      cpus: Math.max(1, availableParallelism()),
      memoryBytes: totalmem(),
      freeMemoryBytes: freemem(),
      loadAverage: [one, five, fifteen],
      uptimeSeconds: Math.round(uptime()),
      processRssBytes: process.memoryUsage.rss(),
    };
  }
}
