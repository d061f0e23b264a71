/**
 * Training progress on stderr. On a terminal one line is redrawn per batch; elsewhere (CI
 * logs, files) one line is printed per epoch, so logs are not flooded with carriage returns.
 */
export class ProgressBar {
  private readonly tty: boolean;
  private readonly width = 24;

  constructor(
    private readonly epochs: number,
    private readonly batches: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  batch(epoch: number, batch: number, loss: number): void {
    if (!this.tty) return;
    const done = Math.round((this.width * (batch + 1)) / this.batches);
    const bar = '='.repeat(done) + ' '.repeat(this.width - done);
    this.stream.write(`\r${this.prefix(epoch)} [${bar}] ${batch + 1}/${this.batches} loss ${loss.toFixed(4)}\x1b[K`);
  }

  epochEnd(epoch: number, logs: Readonly<Record<string, number>>, seconds: number): void {
    const parts = Object.entries(logs).map(([k, v]) => `${k} ${k === 'lr' ? v.toExponential(2) : v.toFixed(4)}`);
    this.stream.write(`${this.tty ? '\r' : ''}${this.prefix(epoch)} ${seconds.toFixed(1)}s ${parts.join(' ')}${this.tty ? '\x1b[K' : ''}\n`);
  }

  private prefix(epoch: number): string {
    return `epoch ${String(epoch + 1).padStart(String(this.epochs).length)}/${this.epochs}`;
  }
}
