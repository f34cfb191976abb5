import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { kustomize, readYamlDocuments, type K8sObject } from './kustomize.js';

export const KUBERNETES_DIR = fileURLToPath(new URL('..', import.meta.url));

/** A PromQL expression found in the manifests, made runnable outside Grafana and the adapter. */
export interface PromqlExpression {
  /** Where it comes from, for failure messages. */
  source: string;
  /** As written in the file. */
  original: string;
  /** With templates and variables replaced, ready for the Prometheus HTTP API. */
  query: string;
}

/** Namespace label that the tests' scrape config gives every target, like a PodMonitor would. */
export const TEST_NAMESPACE = 'elastic-inference';

// Grafana variables as an "All" selection; the adapter's templates as the adapter
// expands them for "all pods of the namespace".
const GRAFANA_VARIABLES: Record<string, string> = {
  $__rate_interval: '1m',
  $namespace: '.*',
  $type: '.*',
};
const ADAPTER_TEMPLATES = (series: string): Record<string, string> => ({
  '<<.Series>>': series,
  '<<.LabelMatchers>>': `namespace="${TEST_NAMESPACE}",pod=~".+"`,
  '<<.GroupBy>>': 'pod',
});

function replaceAll(text: string, replacements: Record<string, string>): string {
  let result = text;
  // Longest first, so $__rate_interval is not cut by a shorter variable.
  for (const key of Object.keys(replacements).sort((a, b) => b.length - a.length)) {
    result = result.split(key).join(replacements[key]!);
  }
  return result;
}

export function adapterExpressions(): PromqlExpression[] {
  const config = parse(
    readFileSync(`${KUBERNETES_DIR}/monitoring/prometheus-adapter/config.yaml`, 'utf8'),
  ) as { rules: { seriesQuery: string; metricsQuery: string; name: { as: string } }[] };
  return config.rules.flatMap((rule) => {
    const series = rule.name.as;
    return [
      {
        source: `adapter ${series} seriesQuery`,
        original: rule.seriesQuery,
        query: rule.seriesQuery,
      },
      {
        source: `adapter ${series} metricsQuery`,
        original: rule.metricsQuery,
        query: replaceAll(rule.metricsQuery, ADAPTER_TEMPLATES(series)),
      },
    ];
  });
}

interface GrafanaPanel {
  title: string;
  targets?: { expr: string }[];
  panels?: GrafanaPanel[];
}

export function grafanaExpressions(): PromqlExpression[] {
  const dashboard = JSON.parse(
    readFileSync(`${KUBERNETES_DIR}/monitoring/grafana/elastic-inference.json`, 'utf8'),
  ) as {
    panels: GrafanaPanel[];
    templating: { list: { name: string; query?: { query: string } }[] };
  };
  const expressions: PromqlExpression[] = [];
  const visit = (panel: GrafanaPanel): void => {
    for (const target of panel.targets ?? []) {
      expressions.push({
        source: `grafana panel "${panel.title}"`,
        original: target.expr,
        query: replaceAll(target.expr, GRAFANA_VARIABLES),
      });
    }
    panel.panels?.forEach(visit);
  };
  dashboard.panels.forEach(visit);
  // Variable queries: label_values(<selector>, label) is Grafana's; its selector is PromQL.
  for (const variable of dashboard.templating.list) {
    const match = /^label_values\((.+),\s*\w+\)$/.exec(variable.query?.query ?? '');
    if (match) {
      expressions.push({
        source: `grafana variable $${variable.name}`,
        original: variable.query!.query,
        query: replaceAll(match[1]!, GRAFANA_VARIABLES),
      });
    }
  }
  return expressions;
}

/**
 * Alert expressions. `query` drops the final comparison with a constant: an alert that
 * does not fire returns nothing, but what it compares must exist.
 */
export function alertExpressions(): PromqlExpression[] {
  const [rule] = readYamlDocuments(
    `${KUBERNETES_DIR}/monitoring/prometheus-rule.yaml`,
  ) as K8sObject[];
  const groups = (
    rule!.spec as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] }
  ).groups;
  return groups.flatMap((group) =>
    group.rules.map((r) => ({
      source: `alert ${r.alert ?? r.record}`,
      original: r.expr,
      query: r.expr.replace(/\s*(>=|<=|==|!=|>|<)\s*-?[0-9.]+(e[+-]?\d+)?\s*$/, ''),
    })),
  );
}

/** KEDA triggers, one per type: identical but for the type, so `people` is enough to run. */
export function kedaExpressions(): PromqlExpression[] {
  return kustomize(`${KUBERNETES_DIR}/components/keda`)
    .filter((object) => object.kind === 'ScaledObject')
    .flatMap((object) =>
      (object.spec as { triggers: { type: string; metadata: { query: string } }[] }).triggers
        .filter((trigger) => trigger.type === 'prometheus')
        .map((trigger) => ({
          source: `keda ${object.metadata.name}`,
          original: trigger.metadata.query,
          query: trigger.metadata.query,
        })),
    );
}

export function allExpressions(): PromqlExpression[] {
  return [
    ...adapterExpressions(),
    ...grafanaExpressions(),
    ...alertExpressions(),
    ...kedaExpressions(),
  ];
}

/**
 * Metric names an expression reads: identifiers followed by a selector, a range or the
 * end of a function argument, minus PromQL keywords and functions. Histogram series map
 * to their family (`x_bucket` → `x`).
 */
export function metricNames(expression: string): string[] {
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutGrouping = withoutStrings.replace(
    /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g,
    '',
  );
  const names = new Set<string>();
  for (const match of withoutGrouping.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) {
    const name = match[1]!;
    if (PROMQL_WORDS.has(name) || /^\d/.test(name)) continue;
    // Label names inside {...} are followed by = or =~ or !=.
    const after = withoutGrouping.slice(match.index! + name.length).trimStart();
    if (/^(=|!=|=~|!~)/.test(after)) continue;
    names.add(name.replace(/_(bucket|sum|count)$/, ''));
  }
  return [...names];
}

const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
  'm',
  's',
  'h',
  'd',
]);
