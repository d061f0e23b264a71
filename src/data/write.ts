import { writeFileAtomic } from '../util/fs';
import { type BarTable, formatTimestamp } from './bars';

/**
 * Write bars as CSV (`date,open,high,low,close,adj_close,volume`, plus a leading
 * `symbol` column when the table holds several symbols), atomically. `readBarsCsv` reads it back.
 */
export function writeBarsCsv(table: BarTable, path: string): void {
  const multi = table.symbols.length > 1;
  const lines = [(multi ? 'symbol,' : '') + 'date,open,high,low,close,adj_close,volume'];
  for (const s of table.symbols) {
    for (let i = s.start; i < s.end; i++) {
      const row = [
        formatTimestamp(table.timestamp[i], table.interval),
        table.open[i],
        table.high[i],
        table.low[i],
        table.close[i],
        table.adjClose[i],
        table.volume[i],
      ].join(',');
      lines.push(multi ? `${s.symbol},${row}` : row);
    }
  }
  writeFileAtomic(path, lines.join('\n') + '\n');
}
