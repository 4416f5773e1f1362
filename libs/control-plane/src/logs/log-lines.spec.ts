import { MAX_STORED_MESSAGE, capMessage, levelName, levelNumber, storableLines } from './log-lines';

describe('log lines', () => {
  it('maps level names to pino numbers and back', () => {
    expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => levelNumber(l as never))).toEqual([
      10, 20, 30, 40, 50, 60,
    ]);
    expect(levelName(50)).toBe('error');
    expect(levelName(35)).toBe('info');
    expect(levelName(5)).toBe('trace');
  });

  it('cuts long messages and says how much was cut', () => {
    const cut = capMessage('x'.repeat(MAX_STORED_MESSAGE + 500));
    expect(cut).toHaveLength(MAX_STORED_MESSAGE);
    expect(cut.endsWith(' …[500 characters cut]')).toBe(true);
    expect(capMessage('short')).toBe('short');
  });

  it('adds one warn line for dropped lines', () => {
    const lines = storableLines({
      entries: [{ time: '2026-01-01T00:00:00Z', level: 'error', message: 'boom', fields: { a: 1 } }],
      dropped: 3,
    });
    expect(lines).toEqual([
      { time: '2026-01-01T00:00:00Z', level: 50, message: 'boom', fields: { a: 1 } },
      {
        time: undefined,
        level: 40,
        message: expect.stringContaining('3 log lines were dropped') as unknown,
        fields: { dropped: 3 },
      },
    ]);
    expect(storableLines({ entries: [], dropped: 0 })).toEqual([]);
  });

  it('replaces oversized fields by a note', () => {
    const [line] = storableLines({
      entries: [
        { time: '2026-01-01T00:00:00Z', level: 'info', message: 'm', fields: { blob: 'y'.repeat(20_000) } },
      ],
      dropped: 0,
    });
    expect(line?.fields).toEqual({ truncated: expect.stringContaining('were not stored') as unknown });
  });
});
