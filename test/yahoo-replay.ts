import { readFileSync, readdirSync } from 'node:fs';
import { shared } from './helpers';

/**
 * A fetch that replays the recorded Yahoo responses in ../shared/data/yahoo: a request
 * matches a recording with the same path, interval, period1 and period2. Counts calls, and
 * can be switched to fail like a dead network.
 */
export class YahooReplay {
  calls = 0;
  offline = false;
  private readonly recordings: { url: URL; body: unknown; status: number }[];

  constructor() {
    const dir = shared('yahoo');
    this.recordings = readdirSync(dir)
      .filter((f) => f.startsWith('chart-') || f.startsWith('historical-via-chart'))
      .map((f) => {
        const rec = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
        return { url: new URL(rec.request.url), body: rec.response.bodyJson, status: rec.response.status };
      });
  }

  readonly fetch = async (input: string | URL | Request): Promise<Response> => {
    this.calls++;
    if (this.offline) throw new TypeError('fetch failed: getaddrinfo ENOTFOUND query2.finance.yahoo.com');
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const keys = ['interval', 'period1', 'period2'];
    const rec = this.recordings.find((r) => r.url.pathname === url.pathname && keys.every((k) => r.url.searchParams.get(k) === url.searchParams.get(k)));
    if (!rec) return new Response(JSON.stringify({ chart: { result: null, error: { code: 'Not Found', description: 'no recording' } } }), { status: 404 });
    return new Response(JSON.stringify(rec.body), { status: rec.status, headers: { 'content-type': 'application/json' } });
  };
}
