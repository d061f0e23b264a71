import { closeSync, openSync, writeSync } from 'node:fs';
import { writeAtomically } from '../util/fs';
import { type BarTable, formatTimestamp } from './bars';

/**
 * Write bars as CSV (`date,open,high,low,close,adj_close,volume`, plus a leading
 * `symbol` column when the table holds several symbols), atomically. `readBarsCsv` reads it back.
 */
export function writeBarsCsv(table: BarTable, path: string): void {
  const multi = table.symbols.length > 1;
  writeAtomically(path, (tmp) => {
    const fd = openSync(tmp, 'w');
    try {
      // Written in blocks of rows, so a table of millions of bars never becomes one string.
      let lines = [(multi ? 'symbol,' : '') + 'date,open,high,low,close,adj_close,volume'];
      for (const s of table.symbols) {
        for (let i = s.start; i < s.end; i++) {
          const row = `${formatTimestamp(table.timestamp[i], table.interval)},${table.open[i]},${table.high[i]},${table.low[i]},${table.close[i]},${table.adjClose[i]},${table.volume[i]}`;
          lines.push(multi ? `${s.symbol},${row}` : row);
          if (lines.length === 65_536) {
            writeSync(fd, lines.join('\n') + '\n');
            lines = [];
          }
        }
      }
      if (lines.length > 0) writeSync(fd, lines.join('\n') + '\n');
    } finally {
      closeSync(fd);
    }
  });
}
