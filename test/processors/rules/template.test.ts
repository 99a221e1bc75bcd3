import { describe, expect, it } from 'vitest';
import { compileTemplate, renderTemplate, type TemplateValues } from '../../../processors/rules/template.ts';

const VALUES: TemplateValues = {
  value: 0.062,
  threshold: 0.05,
  clear: 0.04,
  consecutive: 3,
  env: 'prod',
  rule: 'portfolio_drawdown_1h',
  for: '5m',
  keep_firing_for: '0s',
  labels: { portfolio: 'alpha', env: 'prod' },
  record: null,
};

function render(source: string, values: TemplateValues = VALUES): string {
  const compiled = compileTemplate(source);
  if ('problems' in compiled) throw new Error(compiled.problems.join('; '));
  return renderTemplate(compiled.template, values);
}

describe('summary templates', () => {
  it('renders placeholders and formatters', () => {
    expect(
      render(
        '{{labels.portfolio}} ({{env}}) is down {{value | pct}} over the last hour (threshold {{threshold | pct}})',
      ),
    ).toBe('alpha (prod) is down 6.20% over the last hour (threshold 5.00%)');
    expect(render('{{value | fixed 2}} {{value | pct 1}} {{value | pct 0}} {{value}} {{clear}}')).toBe(
      '0.06 6.2% 6% 0.062 0.04',
    );
    expect(render('{{ rule }}: {{ value|fixed 3 }}')).toBe('portfolio_drawdown_1h: 0.062');
    expect(render('{{consecutive}} points in a row')).toBe('3 points in a row');
  });

  it('renders text without placeholders as is, and a missing label as empty', () => {
    expect(render('no placeholders } { here')).toBe('no placeholders } { here');
    expect(render('[{{labels.strategy}}]')).toBe('[]');
    expect(render('')).toBe('');
  });

  it('reports every bad placeholder', () => {
    const compiled = compileTemplate(
      '{{value | pct | fixed 2}} {{value | fixed 25}} {{value | pct two}} {{ lables.x }}',
    );
    expect('problems' in compiled && compiled.problems).toEqual([
      expect.stringMatching(/one formatter at most/),
      expect.stringMatching(/whole number from 0 to 20, found "25"/),
      expect.stringMatching(/whole number from 0 to 20, found "two"/),
      expect.stringMatching(/unknown placeholder "lables\.x" \(did you mean "labels\.x"\?\)/),
    ]);
  });
});
