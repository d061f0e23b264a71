import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { syntheticMarket } from '../src/data/synthetic';
import { formatTimestamp } from '../src/data/bars';
import { priceChart } from '../src/plot/price';
import { barChart, calibrationChart, confusionChart, correlationChart, equityChart, foldTimeline, importanceChart, signalChart, trainingCurves } from '../src/plot/charts';
import { writeReport } from '../src/report/html';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

test('report: every plot renders offline in headless Chromium without a console error', { skip: CHROMIUM ? false : 'needs Chromium (apt-get install chromium)', timeout: 120_000 }, async () => {
  const { bars } = syntheticMarket({ seed: 5, bars: 300 });
  const x = Array.from(bars.timestamp, (t) => formatTimestamp(t, '1d'));
  const position = Array.from(bars.close, (c, i) => (i % 40 < 20 ? 1 : i % 40 < 30 ? 0 : -1));
  const equity = Array.from(bars.close, (c) => c / bars.close[0]);
  const figures = [
    priceChart(bars),
    signalChart(x, bars, position),
    equityChart(x, equity, equity.map((v) => v * 0.9 + 0.1)),
    trainingCurves({ loss: [1, 0.8, 0.7], val_loss: [1.1, 0.9, 0.95] }),
    confusionChart([[30, 10], [12, 28]], ['DOWN', 'UP']),
    calibrationChart(Array.from({ length: 200 }, (_, i) => i / 200), Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0))),
    importanceChart({ rsi_14: 3, logret_1: 5, atr_14: 1 }),
    foldTimeline([
      { fold: 0, segment: 'train', startTime: Date.UTC(2015, 0, 2), endTime: Date.UTC(2016, 0, 4), count: 250 },
      { fold: 0, segment: 'test', startTime: Date.UTC(2016, 0, 5), endTime: Date.UTC(2016, 5, 30), count: 120 },
    ]),
    barChart(['DOWN', 'UP'], { train: [40, 60], test: [12, 9] }, 'Label balance'),
    correlationChart(['a', 'b'], [[1, 2, 3, NaN], [2, 4, 7, 1]]),
  ];
  const file = join(mkdtempSync(join(tmpdir(), 'stocklab-report-')), 'report.html');
  writeReport(file, 'Report <test>', [{ title: 'All charts', paragraphs: ['no significant edge'], tables: [{ header: ['a', 'b'], rows: [['x', 1.5]] }], figures }]);

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction((n) => document.querySelectorAll('.stocklab-plot .main-svg').length >= n, figures.length, { timeout: 60_000 });
    const rendered = await page.$$eval('.stocklab-plot', (divs) => divs.map((d) => d.querySelectorAll('.main-svg').length > 0));
    assert.equal(rendered.length, figures.length);
    assert.ok(rendered.every(Boolean));
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [], 'the report must not fetch anything (offline, no CDN)');
    assert.equal(await page.title(), 'Report <test>');
  } finally {
    await browser.close();
  }
});
