/**
 * What operators watch, as files under deploy/: the Grafana dashboards (gateway, one subgraph
 * at a time, events, business) that the compose stack provisions from
 * deploy/compose/grafana/provisioning/dashboards/platform/, and the Prometheus alert rules
 * (deploy/monitoring/alerts.yml, written by hand) as the Kubernetes base's ConfigMap.
 * `npm run deploy:generate` writes them (deploy/src/generate.ts); the tests check the rules with
 * `promtool` and every expression's metric names against what the running services expose.
 *
 * Every series carries `service` (each registry's default label), so panels select by it rather
 * than by Prometheus's `job`, which differs between compose and Kubernetes.
 */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const ALERT_RULES_PATH = 'deploy/monitoring/alerts.yml';
const DASHBOARDS_DIR = 'deploy/compose/grafana/provisioning/dashboards/platform';
const PROMETHEUS_RULES_CONFIGMAP = 'platform-prometheus-rules';
/** The provisioned Prometheus data source (deploy/compose/grafana/provisioning/datasources). */
const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;

type Unit = 'reqps' | 'ops' | 's' | 'percentunit' | 'short' | 'bytes' | 'none';

interface Target {
  expr: string;
  legend: string;
}

/** What a few panels add to their title, unit and queries. */
interface PanelOptions {
  description?: string;
  /** Grid width out of 24; 12 by default. */
  width?: number;
  /** A single figure instead of a time series. */
  stat?: boolean;
}

/**
 * A panel, as one row of a dashboard's table: its title, unit and queries (one, or several
 * drawn together), then what only some panels need. {@link panelJson} builds every panel.
 */
type PanelRow = readonly [title: string, unit: Unit, targets: Target | readonly Target[], options?: PanelOptions];

interface Dashboard {
  uid: string;
  title: string;
  description: string;
  /** A `service` variable listing the services that expose this metric. */
  serviceVariable?: string;
  rows: { title: string; panels: readonly PanelRow[] }[];
}

const rate = (selector: string) => `rate(${selector}[$__rate_interval])`;
/** The commonest query: a counter's rate summed by `labels`, one line per value. */
const rateBy = (labels: string, selector: string): Target => ({
  expr: `sum by (${labels}) (${rate(selector)})`,
  legend: labels
    .split(', ')
    .map((label) => `{{${label}}}`)
    .join(' '),
});
const target = (expr: string, legend: string): Target => ({ expr, legend });
const quantiles = (selector: string, by = '') =>
  ([0.5, 0.95, 0.99] as const).map((q) =>
    target(
      `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (${rate(selector)}))`,
      `p${q * 100}${by ? ` {{${by}}}` : ''}`,
    ),
  );

/** The panels every GraphQL service has, for the services `match` selects (`service="gateway"`). */
function graphqlPanels(match: string): PanelRow[] {
  return [
    ['Operations per second by type', 'ops', rateBy('type', `graphql_operations_total{${match}}`)],
    [
      'Latency (queries and mutations)',
      's',
      quantiles(`graphql_operation_duration_seconds_bucket{${match}, type!="subscription"}`),
      {
        description:
          'From the request to the response, subscriptions excluded (they last as long as the client listens).',
      },
    ],
    [
      'Errors by code',
      'ops',
      rateBy('code', `graphql_errors_total{${match}}`),
      {
        description:
          'extensions.code of every error returned; INTERNAL_SERVER_ERROR pages (GraphQLInternalErrorRateHigh).',
      },
    ],
    ['Operations by outcome', 'ops', rateBy('outcome', `graphql_operations_total{${match}}`)],
    [
      'Busiest operations',
      'ops',
      target(`topk(10, sum by (operation) (${rate(`graphql_operations_total{${match}}`)}))`, '{{operation}}'),
      { description: "The client contract's operation names; others are `other`." },
    ],
    ['HTTP responses by status', 'reqps', rateBy('status', `http_requests_total{${match}}`)],
    [
      'Live subscriptions and graphql-ws connections',
      'short',
      [
        target(`sum(graphql_subscriptions_active{${match}})`, 'subscriptions'),
        target(`sum(graphql_ws_connections{${match}})`, 'connections'),
      ],
    ],
    [
      'CPU and event loop',
      's',
      [
        target(`sum by (instance) (${rate(`process_cpu_seconds_total{${match}}`)})`, 'CPU s/s {{instance}}'),
        target(`max by (instance) (nodejs_eventloop_lag_p99_seconds{${match}})`, 'loop lag p99 {{instance}}'),
      ],
    ],
    ['Resident memory', 'bytes', target(`sum by (instance) (process_resident_memory_bytes{${match}})`, '{{instance}}')],
  ];
}

const dashboards: Dashboard[] = [
  {
    uid: 'platform-gateway',
    title: 'Platform / Gateway',
    description: 'The public endpoint: traffic, latency, errors, authorization denials, rate limits, permission cache.',
    rows: [
      { title: 'Traffic', panels: graphqlPanels('service="gateway"') },
      {
        title: 'Edge and authorization',
        panels: [
          [
            'Authorization denials',
            'ops',
            rateBy('mode, operation_type', 'gateway_authorization_denials_total'),
            { description: 'Operations from which unauthorized fields were removed (or would be, in report mode).' },
          ],
          ['Rate-limit refusals by policy', 'ops', rateBy('policy', 'gateway_rate_limit_refusals_total')],
          [
            'Permission cache hit ratio',
            'percentunit',
            target(
              `sum(${rate('gateway_permissions_cache_lookups_total{result=~".+_hit"}')}) / sum(${rate('gateway_permissions_cache_lookups_total')})`,
              'hit ratio',
            ),
            { description: "Lookups answered from this replica's cache or Redis's, rather than by asking authz." },
          ],
          ['Permission lookups by result', 'ops', rateBy('result', 'gateway_permissions_cache_lookups_total')],
        ],
      },
    ],
  },
  {
    uid: 'platform-subgraph',
    title: 'Platform / Subgraph',
    description:
      'One subgraph at a time (pick it above): GraphQL traffic, its database pool, outbox, consumers, jobs and DataLoader caches.',
    serviceVariable: 'db_pool_connections',
    rows: [
      { title: 'GraphQL', panels: graphqlPanels('service="$service"') },
      {
        title: 'Database, events and jobs',
        panels: [
          [
            'Database pool connections',
            'short',
            target('sum by (state) (db_pool_connections{service="$service"})', '{{state}}'),
          ],
          [
            'Outbox: pending events and oldest age',
            'short',
            [
              target('max(outbox_pending{service="$service"})', 'pending'),
              target('max(outbox_oldest_pending_age_seconds{service="$service"})', 'oldest (s)'),
            ],
          ],
          [
            'Consumer lag',
            'short',
            target('max by (consumer, topic) (events_consumer_lag{service="$service"})', '{{consumer}} {{topic}}'),
          ],
          [
            'Events consumed by outcome',
            'ops',
            rateBy('consumer, outcome', 'events_consumed_total{service="$service"}'),
          ],
          [
            'Job queue depth',
            'short',
            [
              target(
                'sum by (queue, state) (jobs_queue_jobs{service="$service", state=~"created|retry"})',
                '{{queue}} {{state}}',
              ),
              target('sum by (queue) (jobs_queue_jobs{service="$service", queue=~".+\\\\.dead"})', '{{queue}}'),
            ],
            { description: 'Jobs waiting (created, retry) and dead letters (<queue>.dead) per queue.' },
          ],
          ['Job attempts by outcome', 'ops', rateBy('queue, outcome', 'jobs_processed_total{service="$service"}')],
          [
            'DataLoader cache hit ratio by loader',
            'percentunit',
            target(
              `sum by (loader) (${rate('dataloader_cache_hits_total{service="$service"}')}) / sum by (loader) (${rate('dataloader_loads_total{service="$service"}')})`,
              '{{loader}}',
            ),
            {
              description:
                "Loads the request's cache answered (a key asked for again in one request); the others went to the loader's batches.",
            },
          ],
        ],
      },
    ],
  },
  {
    uid: 'platform-events',
    title: 'Platform / Events',
    description: 'The event backbone: outboxes, relays, consumer lag, dead letters (ADR 0002).',
    rows: [
      {
        title: 'Outbox and relay',
        panels: [
          [
            'Oldest unpublished outbox event',
            's',
            target('max by (service) (outbox_oldest_pending_age_seconds)', '{{service}}'),
            {
              description:
                'Seconds the oldest pending event has waited, per service; OutboxStuck pages past 5 minutes.',
            },
          ],
          ['Pending outbox events', 'short', target('max by (service) (outbox_pending)', '{{service}}')],
          ['Events published by topic', 'ops', rateBy('topic', 'outbox_published_total')],
          ['Failed publish rounds', 'ops', rateBy('service', 'outbox_publish_failures_total')],
        ],
      },
      {
        title: 'Consumers',
        panels: [
          [
            'Consumer lag',
            'short',
            target('max by (consumer, topic) (events_consumer_lag)', '{{consumer}} {{topic}}'),
            { description: 'Messages published and not yet consumed, per consumer group and topic.' },
          ],
          ['Events consumed by outcome', 'ops', rateBy('consumer, outcome', 'events_consumed_total')],
          [
            'Dead-letter topics',
            'short',
            target('max by (topic) (events_dead_letter_messages)', '{{topic}}'),
            { description: 'Messages parked on <topic>.dlq; DeadLettersGrowing warns when one grows.' },
          ],
          ['Audit events recorded by result', 'ops', rateBy('result', 'audit_events_recorded_total')],
          [
            'Audit chain verifications by result',
            'short',
            target('sum by (result) (increase(audit_chain_verifications_total[1h]))', '{{result}} / h'),
            {
              description:
                'Every 15 minutes per audit replica, and on demand; a broken chain pages (AuditChainBroken).',
            },
          ],
        ],
      },
    ],
  },
  {
    uid: 'platform-business',
    title: 'Platform / Business',
    description:
      'Figures counted where they happen, per hour; analytics keeps the books (these reset with a process and are summed over replicas).',
    rows: [
      {
        title: 'Evently and accounts',
        panels: [
          ['Bookings confirmed per hour', 'short', target('sum(increase(bookings_confirmed_total[1h]))', 'confirmed')],
          [
            'Revenue per hour (minor units: cents)',
            'short',
            target('sum by (currency) (increase(bookings_revenue_minor_units_total[1h]))', '{{currency}}'),
            {
              description:
                'Amounts charged for confirmed bookings, in the minor unit of each currency (2 decimals for EUR, 0 for JPY).',
            },
          ],
          [
            'Registrations per hour',
            'short',
            target('sum(increase(identity_registrations_total[1h]))', 'registrations'),
          ],
          [
            'Holds by outcome per hour',
            'short',
            target('sum by (outcome) (increase(bookings_holds_total[1h]))', '{{outcome}}'),
          ],
          [
            'Bookings confirmed (24 h)',
            'short',
            target('sum(increase(bookings_confirmed_total[24h]))', 'confirmed'),
            { stat: true, width: 6 },
          ],
          [
            'Registrations (24 h)',
            'short',
            target('sum(increase(identity_registrations_total[24h]))', 'registrations'),
            { stat: true, width: 6 },
          ],
        ],
      },
    ],
  },
];

/** The targets of a panel row, always as a list. */
const targetsOf = ([, , targets]: PanelRow): readonly Target[] => ('expr' in targets ? [targets] : targets);

/** One panel of Grafana's JSON model, at `gridPos`. */
function panelJson(row: PanelRow, id: number, gridPos: { h: number; w: number; x: number; y: number }) {
  const [title, unit, , options = {}] = row;
  return {
    id,
    type: options.stat ? 'stat' : 'timeseries',
    title,
    ...(options.description ? { description: options.description } : {}),
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: options.stat
      ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } }
      : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi' } },
    targets: targetsOf(row).map((target, index) => ({
      refId: String.fromCharCode(65 + index),
      datasource: DATASOURCE,
      expr: target.expr,
      legendFormat: target.legend,
    })),
  };
}

/** A dashboard as Grafana's JSON model (schema 39, Grafana 11), with panels laid out row by row. */
function dashboardJson(dashboard: Dashboard): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of dashboard.rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const panel of row.panels) {
      const width = panel[3]?.width ?? 12;
      if (x + width > 24) {
        x = 0;
        y += 8;
      }
      panels.push(panelJson(panel, id++, { h: 8, w: width, x, y }));
      x += width;
    }
    y += 8;
  }
  return {
    uid: dashboard.uid,
    title: dashboard.title,
    description: dashboard.description,
    tags: ['platform'],
    timezone: 'utc',
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: dashboard.serviceVariable
        ? [
            {
              name: 'service',
              label: 'Service',
              type: 'query',
              datasource: DATASOURCE,
              query: { query: `label_values(${dashboard.serviceVariable}, service)`, refId: 'service' },
              definition: `label_values(${dashboard.serviceVariable}, service)`,
              refresh: 2,
              sort: 1,
              includeAll: false,
              multi: false,
            },
          ]
        : [],
    },
    annotations: { list: [] },
    panels,
  };
}

interface AlertRule {
  alert: string;
  expr: string;
}

/** The alert rules file, parsed. */
export function alertRules(text: string = readFileSync(new URL(`../../${ALERT_RULES_PATH}`, import.meta.url), 'utf8')) {
  const parsed = parse(text) as { groups: { name: string; rules: AlertRule[] }[] };
  return parsed.groups.flatMap((group) => group.rules);
}

/**
 * Every PromQL expression operators see, with where it comes from: each dashboard target and
 * variable query, each alert rule. Grafana's variables are replaced by values PromQL accepts.
 */
export function monitoringExpressions(): { where: string; expr: string }[] {
  const grafana = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$service', 'any');
  const expressions: { where: string; expr: string }[] = [];
  for (const dashboard of dashboards) {
    if (dashboard.serviceVariable) {
      expressions.push({ where: `${dashboard.uid}: variable service`, expr: dashboard.serviceVariable });
    }
    for (const row of dashboard.rows) {
      for (const panel of row.panels) {
        for (const target of targetsOf(panel)) {
          expressions.push({ where: `${dashboard.uid}: ${panel[0]}`, expr: grafana(target.expr) });
        }
      }
    }
  }
  for (const rule of alertRules()) expressions.push({ where: `alert ${rule.alert}`, expr: rule.expr });
  return expressions;
}

/** The monitoring files `npm run deploy:generate` writes, by path from the repository root. */
export function monitoringFiles(header: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const dashboard of dashboards) {
    files.set(
      `${DASHBOARDS_DIR}/${dashboard.uid.replace(/^platform-/, '')}.json`,
      `${JSON.stringify(dashboardJson(dashboard), null, 2)}\n`,
    );
  }
  const rules = readFileSync(new URL(`../../${ALERT_RULES_PATH}`, import.meta.url), 'utf8');
  files.set(
    'deploy/base/prometheus-rules.yaml',
    `${header}# The alert rules of ${ALERT_RULES_PATH}, for the cluster's Prometheus to load (a rule_files entry or a sidecar).\n${stringify(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: PROMETHEUS_RULES_CONFIGMAP,
          labels: { 'app.kubernetes.io/part-of': 'platform', 'app.kubernetes.io/component': 'monitoring' },
        },
        data: { 'platform-alerts.yml': rules },
      },
      { lineWidth: 0 },
    )}`,
  );
  return files;
}
