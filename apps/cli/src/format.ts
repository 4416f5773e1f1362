/** Left-aligned columns for terminal output; the header row is upper-cased. */
export function table(header: string[], rows: string[][]): string {
  const all = [header.map((cell) => cell.toUpperCase()), ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => (cell ?? '').padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** "3 s ago", "4 min ago" from two instants (both from the database clock where possible). */
export function ago(then: string | null, now: string): string {
  if (!then) return 'never';
  const seconds = Math.max(0, Math.round((Date.parse(now) - Date.parse(then)) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

export function show(value: unknown): string {
  if (value === undefined) return '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
