/**
 * Markup as a value: {@link Html} is text that is already safe to place in a page. Everything else
 * that reaches the page goes through {@link escapeHtml}, so a title, an asset name or an alert summary
 * can never open a tag.
 */

const SAFE = Symbol('html');

/** A fragment of markup, escaped (or built from escaped parts). Make one with {@link markup}. */
export interface Html {
  readonly [SAFE]: true;
  readonly text: string;
}

/** What `markup` accepts in a `${}`: text and numbers are escaped, Html is kept, arrays are joined. */
export type HtmlValue = Html | string | number | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `text` with `& < > " '` replaced by entities: safe in element content and in quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Trusted markup, as is. Only for text this library generated itself (SVG from ECharts, CSS). */
export function trustedHtml(text: string): Html {
  return { [SAFE]: true, text };
}

/** Whether `value` is an {@link Html} fragment. */
export function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && SAFE in value;
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return escapeHtml(String(value));
  if (typeof value === 'string') return escapeHtml(value);
  if (isHtml(value)) return value.text;
  return value.map(render).join('');
}

/**
 * Tagged template for markup: markup`<p>${name}</p>` escapes `name` unless it is already Html; null and
 * undefined render nothing; arrays render each item. (Not named `html`: the formatter would reflow the
 * markup of templates tagged so, changing the page's bytes.)
 */
export function markup(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return trustedHtml(out);
}

/** The markup of a fragment (or of text, escaped). */
export function toHtmlString(value: HtmlValue): string {
  return render(value);
}
