import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { projectRoot } from '../util/env';
import { writeFileAtomic } from '../util/fs';
import { type DisplayWriter, escapeHtml, notebookWriter } from './display';

/** A plotly figure: traces and layout as plotly.js takes them. */
export interface Figure {
  readonly data: readonly Record<string, unknown>[];
  readonly layout: Record<string, unknown>;
}

/** The minified plotly.js bundle of the `plotly.js-dist-min` package. */
export function plotlyPath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}

let plotlySource: string | undefined;

/** The plotly.js source, for offline HTML pages that embed it once (no CDN). */
export function plotlyScript(): string {
  plotlySource ??= readFileSync(plotlyPath(), 'utf8');
  return plotlySource;
}

let divCounter = 0;

/**
 * Where a notebook page can fetch plotly.js from the Jupyter server that serves it
 * (`/files/...`): relative to the notebook's own folder (the kernel's working directory),
 * then relative to a server rooted at the project, as `npm run jupyter` starts it.
 */
interface PlotlySources {
  readonly fromNotebookDir: string;
  readonly fromServerRoot: string;
}

/**
 * An HTML fragment drawing `figure` into its own div. Before it draws, the div holds a one-line
 * message, so where scripts do not run (an untrusted notebook, a static export, GitHub) the
 * reader sees why there is no plot rather than an empty box. If `window.Plotly` is missing the
 * script loads plotly.js once per page from `sources` (notebooks; plotly.js 3 sets window.Plotly
 * and does not register with RequireJS), so a figure never depends on another output carrying plotly.
 */
export function figureDiv(figure: Figure, options: { height?: number; sources?: PlotlySources } = {}): string {
  const id = `stocklab-plot-${process.pid}-${Date.now().toString(36)}-${++divCounter}`;
  const spec = JSON.stringify({ id, data: figure.data, layout: figure.layout, height: options.height ?? 450, sources: options.sources ?? null }).replace(/</g, '\\u003c');
  const title = escapeHtml(figureTitle(figure));
  return (
    `<div id="${id}" class="stocklab-plot" style="width:100%"><p class="stocklab-plot-message" style="margin:0;padding:4px 0;color:#666;font-style:italic">` +
    `[plotly figure${title ? ` "${title}"` : ''}: not drawn here because scripts did not run. Trust the notebook, or open it with npm run jupyter.]</p></div>` +
    `<script>(function(){var s=${spec};${LOADER}})();</script>`
  );
}

// Runs in the page. Kept small: it is repeated in every figure output.
const LOADER = [
  // The classic Notebook runs output scripts before the output is attached: wait for the div.
  `function go(n){var el=document.getElementById(s.id);if(!el){if(n<200)setTimeout(function(){go(n+1);},50);return;}`,
  `function draw(P){function fail(e){el.style.height='';say('[plotly figure not drawn: '+e+']');}try{el.style.height=s.height+'px';P.newPlot(el,s.data,s.layout,{responsive:true}).then(function(){var m=el.querySelector('.stocklab-plot-message');if(m)m.remove();},fail);}catch(e){fail(e);}}`,
  `function say(t){var m=el.querySelector('.stocklab-plot-message');if(m)m.textContent=t;}`,
  `if(window.Plotly&&window.Plotly.newPlot)return draw(window.Plotly);`,
  `if(!s.sources)return say('[plotly figure not drawn: plotly.js is missing from this page]');`,
  `say('[loading plotly.js ...]');`,
  `var w=window.__stocklabPlotly||(window.__stocklabPlotly=new Promise(function(ok,ko){load(urls(),ok,ko,0);}));`,
  `w.then(draw,function(list){window.__stocklabPlotly=undefined;say('[plotly figure not drawn: plotly.js could not be loaded from '+list.join(' or ')+'. Start Jupyter with npm run jupyter, which serves it from the project.]');});}`,
  `function urls(){var cfg=document.getElementById('jupyter-config-data'),b=document.body.getAttribute('data-base-url')||(cfg?JSON.parse(cfg.textContent).baseUrl:'/')||'/';`,
  `var nb=document.body.getAttribute('data-notebook-path'),m=/\\/(?:lab\\/tree|doc\\/tree|notebooks)\\/(.*)$/.exec(location.pathname);if(!nb&&m)nb=decodeURIComponent(m[1]);`,
  `var u=[];if(nb){var d=nb.split('/').slice(0,-1).join('/');u.push(new URL(b+'files/'+(d?d+'/':'')+s.sources.fromNotebookDir,location.href).href);}`,
  `var r=new URL(b+'files/'+s.sources.fromServerRoot,location.href).href;if(u.indexOf(r)<0)u.push(r);return u;}`,
  `function load(list,ok,ko,i){if(i>=list.length)return ko(list);var url=list[i],next=function(){load(list,ok,ko,i+1);};`,
  `var t=document.createElement('script');t.src=url;t.onload=function(){window.Plotly?ok(window.Plotly):next();};t.onerror=next;document.head.appendChild(t);}`,
  `go(0);`,
].join('');

/**
 * Show a figure: inline in a tslab notebook (plotly's own MIME type for JupyterLab's plotly
 * renderer and VS Code, with the self-loading HTML above for every other front end); outside
 * a kernel (scripts, ts-node, plain Node) it is added to one standalone HTML page per process,
 * whose path is printed when the first figure is written.
 */
export function showFigure(figure: Figure): void {
  const write = notebookWriter();
  if (write) write(figureBundle(figure, {}), false);
  else addToFigurePage(undefined, figure);
}

let liveCounter = 0;

/**
 * A figure that redraws in place (one notebook output, updated), e.g. loss curves during
 * training: call the returned function with each new version of the figure. Outside a kernel
 * the figure's place in the HTML page is updated instead.
 */
export function liveFigure(): (figure: Figure) => void {
  const displayId = `stocklab-live-${process.pid}-${++liveCounter}`;
  let shown = false;
  return (figure) => {
    const write: DisplayWriter | undefined = notebookWriter();
    if (!write) return addToFigurePage(displayId, figure);
    write(figureBundle(figure, { display_id: displayId }), shown);
    shown = true;
  };
}

function figureBundle(figure: Figure, transient: Record<string, string>): Record<string, unknown> {
  const plotly = plotlyPath();
  const sources = { fromNotebookDir: urlPath(relative(process.cwd(), plotly)), fromServerRoot: urlPath(relative(projectRoot(), plotly)) };
  return {
    data: {
      'application/vnd.plotly.v1+json': { data: figure.data, layout: figure.layout },
      'text/html': figureDiv(figure, { sources }),
      'text/plain': `<plotly figure: ${figureTitle(figure) || `${figure.data.length} traces`}>`,
    },
    metadata: {},
    transient,
  };
}

const pageFigures: { key: string; figure: Figure }[] = [];
let pagePath: string | undefined;

/** Outside a kernel: (re)write the process's figure page atomically, with plotly embedded once. */
function addToFigurePage(key: string | undefined, figure: Figure): void {
  const existing = key === undefined ? undefined : pageFigures.find((f) => f.key === key);
  if (existing) existing.figure = figure;
  else pageFigures.push({ key: key ?? `figure-${pageFigures.length + 1}`, figure });
  const script = process.env.STOCKLAB_SCRIPT ?? process.argv[1] ?? 'node';
  const first = pagePath === undefined;
  pagePath ??= join(projectRoot(), 'reports', 'figures', `${basename(script).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]/g, '_') || 'figures'}.html`);
  const title = `stocklab figures: ${script}`;
  writeFileAtomic(
    pagePath,
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>\n<script>${plotlyScript()}</script>\n</head>` +
      `<body style="font-family:system-ui,sans-serif;max-width:1200px;margin:1em auto"><h1 style="font-size:1.2em">${escapeHtml(title)}</h1>\n` +
      pageFigures.map((f) => figureDiv(f.figure)).join('\n') +
      '\n</body></html>\n',
  );
  if (first) process.stdout.write(`[figures] ${pagePath} (open in a browser; every figure of this run is added there)\n`);
  else if (!existing) process.stdout.write(`[figures] figure ${pageFigures.length} "${figureTitle(figure)}" added to ${pagePath}\n`);
}

function figureTitle(figure: Figure): string {
  const t = figure.layout.title as { text?: string } | string | undefined;
  return typeof t === 'string' ? t : (t?.text ?? '');
}

function urlPath(p: string): string {
  return p.split(/[\\/]/).map(encodeURIComponent).join('/');
}
