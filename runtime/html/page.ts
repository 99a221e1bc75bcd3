/**
 * One self-contained HTML page: inline CSS and inline SVG, no script, no request (a Content Security
 * Policy forbids any), every text escaped. It works offline and attached to an e-mail.
 */
import { TradewatchError } from '../../core/errors.ts';
import type { HtmlValue } from './html.ts';
import { markup, toHtmlString, trustedHtml } from './html.ts';

/** A titled part of the page, listed in its table of contents. */
export interface PageSection {
  /** Anchor (default: derived from the title). */
  readonly id?: string;
  readonly title: string;
  /** A sentence under the title saying how to read the section (optional). */
  readonly intro?: string;
  readonly content: HtmlValue;
}

/** A page. */
export interface PageOptions {
  /** The `<title>` and the heading. */
  readonly title: string;
  /** A line under the heading (optional). */
  readonly subtitle?: string;
  readonly sections: readonly PageSection[];
  /** Small print at the end (optional): how the page was made. No clock is read here. */
  readonly footer?: string;
}

const CSS = `
:root{color-scheme:light;--fg:#1d2330;--muted:#5c6370;--line:#e3e6eb;--bg:#fff;--panel:#f7f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:20px 28px 12px;border-bottom:1px solid var(--line)}
h1{margin:0;font-size:22px}
.subtitle{margin:4px 0 0;color:var(--muted)}
nav{padding:8px 28px;border-bottom:1px solid var(--line);font-size:13px}
nav a{margin-right:14px;color:#2f6fdf;text-decoration:none}
main{padding:8px 28px 28px;max-width:1900px}
section{margin:20px 0 8px}
h2{font-size:17px;margin:0 0 4px}
.intro{margin:0 0 10px;color:var(--muted);max-width:80ch}
figure.chart{margin:0 0 16px;padding:10px 12px;border:1px solid var(--line);border-radius:6px;background:var(--bg);break-inside:avoid}
figure.chart svg{display:block;width:100%;height:auto;max-width:100%}
figcaption{margin-bottom:4px}
.chart-title{font-weight:600}
.chart-note{display:block;color:var(--muted);font-size:12px}
.empty{color:var(--muted);font-style:italic;margin:24px 0;text-align:center}
table{border-collapse:collapse;margin:0 0 16px;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{text-align:left;background:var(--panel);font-weight:600}
td.right{text-align:right}
td.left{text-align:left}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow:auto;font-size:12px;max-height:480px}
.columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
.column{min-width:0}
.scroll{overflow:auto;border-bottom:1px solid var(--line);margin-bottom:16px}
.scroll table{margin:0}
footer{padding:12px 28px;color:var(--muted);font-size:12px;border-top:1px solid var(--line)}
@media print{nav{display:none}main{padding:0 12px}}
`;

/** The Content Security Policy: inline styles only; nothing is fetched and nothing runs. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** A section's anchor from its title: lower case, runs of other characters as "-". */
function anchor(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `s-${slug || 'section'}`;
}

/** Throws when two charts or tables share an id (their SVG ids would clash and tests could not tell them apart). */
function checkUniqueIds(body: string): void {
  const seen = new Set<string>();
  for (const match of body.matchAll(/ data-(chart|table)="([^"]*)"/g)) {
    const key = `${match[1]} "${match[2]}"`;
    if (seen.has(key)) {
      throw new TradewatchError(
        'TW_INPUT_INVALID',
        `the page has two of ${key}: give each chart and table its own id`,
      );
    }
    seen.add(key);
  }
}

/** The page as one HTML string (UTF-8). Deterministic: the same options give the same bytes. */
export function renderPage(options: PageOptions): string {
  const used = new Map<string, number>();
  const sections = options.sections.map((s) => {
    const base = s.id ?? anchor(s.title);
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return { ...s, anchorId: n === 1 ? base : `${base}-${n}` };
  });
  const nav = sections.map((s) => markup`<a href="#${s.anchorId}">${s.title}</a>`);
  const body = sections.map((s) => {
    const intro = s.intro ? markup`<p class="intro">${s.intro}</p>\n` : '';
    return markup`<section id="${s.anchorId}">
<h2>${s.title}</h2>
${intro}${s.content}
</section>
`;
  });
  const main = toHtmlString(body);
  checkUniqueIds(main);
  const subtitle = options.subtitle ? markup`<p class="subtitle">${options.subtitle}</p>\n` : '';
  const footer = options.footer ? markup`<footer>${options.footer}</footer>\n` : '';
  return toHtmlString(markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}</title>
<style>${trustedHtml(CSS)}</style>
</head>
<body>
<header>
<h1>${options.title}</h1>
${subtitle}</header>
<nav>${nav}</nav>
<main>
${trustedHtml(main)}</main>
${footer}</body>
</html>
`);
}
