/** Markdown table formatting. */

export type Cell = string | number | undefined;

export function fmt(value: number | undefined, digits = 0): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function markdownTable(headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map((c) => (c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) =>
    text.every((r) => /^[-+]?[\d,.]+( ?%|x)?$|^-$/.test(r[i] ?? '-')),
  );
  const line = (cells: string[]): string =>
    `| ${cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(Math.max(w - 1, 2))}:` : '-'.repeat(Math.max(w, 3)))).join(' | ')} |`;
  return [line(headers), rule, ...text.map(line)].join('\n');
}
