/**
 * Reads PromQL with Prometheus's own grammar (@prometheus-io/lezer-promql, the one its web UI
 * parses with): the metric names an expression selects, and whether it parses at all.
 */
import { parser } from '@prometheus-io/lezer-promql';

export interface SelectedMetrics {
  /** Metric names of the expression's vector selectors (`rate(x_total[5m])` selects `x_total`). */
  names: string[];
  /** Where the grammar could not read the expression (empty when it parses). */
  errors: string[];
}

export function selectedMetrics(expr: string): SelectedMetrics {
  const names = new Set<string>();
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`cannot read ${JSON.stringify(expr.slice(node.from, node.to + 20))} at ${node.from}`);
      if (node.name === 'VectorSelector') {
        const identifier = node.node.getChild('Identifier');
        if (identifier) names.add(expr.slice(identifier.from, identifier.to));
        // A selector by {__name__="…"} only: the name is a label value.
        const byName = /__name__\s*=\s*"([^"]+)"/.exec(expr.slice(node.from, node.to));
        if (!identifier && byName) names.add(byName[1]!);
      }
    },
  });
  return { names: [...names], errors };
}

/**
 * The metric a service's exposition declares for `name`: a histogram `x` is exposed as
 * `x_bucket`, `x_sum` and `x_count`, which expressions select by those names.
 */
export function exposedFamily(name: string, declared: ReadonlySet<string>): string | null {
  if (declared.has(name)) return name;
  const histogram = /^(.+)_(bucket|sum|count)$/.exec(name)?.[1];
  return histogram !== undefined && declared.has(histogram) ? histogram : null;
}
