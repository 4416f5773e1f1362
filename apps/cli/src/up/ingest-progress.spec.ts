import type { CatalogSummary } from '@portico/control-plane-client';
import { IngestProgress, ingestProgressLine } from './ingest-progress';

const none = { stored: 0, pending: 0, failed: 0 };

function summary(
  files: number,
  checksummed: number,
  stored: number,
  total: number,
  queued = 0,
): CatalogSummary {
  return {
    assets: {
      live: files,
      byStatus: { registered: files - checksummed, empty: 0, checksummed, ready: 0, failed: 0 },
      removed: 0,
    },
    originals: { files, bytes: files * 1000, checksummed, empty: 0, failed: 0 },
    outputs: {
      total,
      stored,
      pending: total - stored,
      failed: 0,
      byFormat: { PROXY: { stored, pending: total - stored, failed: 0 }, KEYFRAMES: none, POSTER: none },
    },
    pendingEvents: 0,
    jobs: { queued, active: 0, dead: 0 },
  };
}

describe('portico up: ingest progress', () => {
  it('is one line: files, checksummed, outputs stored of those made, jobs queued, and what failed', () => {
    expect(ingestProgressLine(summary(3, 3, 5, 5))).toBe(
      'catalog: 3 files · 3 checksummed · 5/5 outputs stored · 0 jobs queued',
    );
    expect(ingestProgressLine(summary(1, 0, 0, 0, 1))).toBe(
      'catalog: 1 file · 0 checksummed · 0/0 outputs stored · 1 job queued',
    );
    const failing = summary(1200, 1000, 10, 12);
    expect(
      ingestProgressLine({
        ...failing,
        originals: { ...failing.originals, failed: 2 },
        outputs: { ...failing.outputs, failed: 1 },
      }),
    ).toBe(
      'catalog: 1,200 files · 1,000 checksummed · 10/12 outputs stored · 0 jobs queued · 3 failed (see portico status)',
    );
  });

  it('prints only changes, nothing for an empty catalog, and each distinct poll failure once', async () => {
    const answers: Array<CatalogSummary | Error> = [
      summary(0, 0, 0, 0),
      summary(0, 0, 0, 0),
      summary(2, 0, 0, 0, 2),
      summary(2, 0, 0, 0, 2),
      new Error('connect ECONNREFUSED 127.0.0.1:8080'),
      new Error('connect ECONNREFUSED 127.0.0.1:8080'),
      summary(2, 0, 0, 0, 2),
      summary(2, 2, 2, 2),
      summary(2, 2, 2, 2),
    ];
    const printed: string[] = [];
    const progress = new IngestProgress({
      fetch: () => {
        const next = answers.shift()!;
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
      print: (line) => printed.push(line),
    });
    for (let poll = 0; poll < 9; poll++) await progress.poll();
    expect(printed).toEqual([
      'catalog: 2 files · 0 checksummed · 0/0 outputs stored · 2 jobs queued',
      'catalog: progress unavailable (connect ECONNREFUSED 127.0.0.1:8080); retrying',
      'catalog: 2 files · 2 checksummed · 2/2 outputs stored · 0 jobs queued',
    ]);
  });

  it('shows a catalog that is not empty at start at once', async () => {
    const printed: string[] = [];
    const progress = new IngestProgress({
      fetch: () => Promise.resolve(summary(3, 3, 5, 5)),
      print: (line) => printed.push(line),
    });
    await progress.poll();
    await progress.poll();
    expect(printed).toEqual(['catalog: 3 files · 3 checksummed · 5/5 outputs stored · 0 jobs queued']);
  });

  it('polls every interval once started, one poll at a time, and not after stop', async () => {
    jest.useFakeTimers();
    try {
      const printed: string[] = [];
      let polls = 0;
      const progress = new IngestProgress({
        fetch: () => Promise.resolve(summary(++polls, 0, 0, 0)),
        print: (line) => printed.push(line),
        intervalMs: 2000,
      });
      progress.start();
      await jest.advanceTimersByTimeAsync(1999);
      expect(polls).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(polls).toBe(1);
      await jest.advanceTimersByTimeAsync(2000);
      expect(printed).toEqual([
        'catalog: 1 file · 0 checksummed · 0/0 outputs stored · 0 jobs queued',
        'catalog: 2 files · 0 checksummed · 0/0 outputs stored · 0 jobs queued',
      ]);
      progress.stop();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(polls).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
