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

interface Panel {
  title: string;
  description?: string;
  unit: Unit;
  targets: Target[];
  /** Grid width out of 24; 12 by default. */
  width?: number;
  /** A single figure instead of a time series. */
  stat?: boolean;
}

interface Dashboard {
  uid: string;
  title: string;
  description: string;
  /** A `service` variable listing the services that expose this metric. */
  serviceVariable?: string;
  rows: { title: string; panels: Panel[] }[];
}

const rate = (selector: string) => `rate(${selector}[$__rate_interval])`;
const quantiles = (selector: string, by = '') =>
  ([0.5, 0.95, 0.99] as const).map((q) => ({
    expr: `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (${rate(selector)}))`,
    legend: `p${q * 100}${by ? ` {{${by}}}` : ''}`,
  }));

/** The panels every GraphQL service has, for the services `match` selects (`service="gateway"`). */
function graphqlPanels(match: string): Panel[] {
  return [
    {
      title: 'Operations per second by type',
      unit: 'ops',
      targets: [{ expr: `sum by (type) (${rate(`graphql_operations_total{${match}}`)})`, legend: '{{type}}' }],
    },
    {
      title: 'Latency (queries and mutations)',
      description:
        'From the request to the response, subscriptions excluded (they last as long as the client listens).',
      unit: 's',
      targets: quantiles(`graphql_operation_duration_seconds_bucket{${match}, type!="subscription"}`),
    },
    {
      title: 'Errors by code',
      description:
        'extensions.code of every error returned; INTERNAL_SERVER_ERROR pages (GraphQLInternalErrorRateHigh).',
      unit: 'ops',
      targets: [{ expr: `sum by (code) (${rate(`graphql_errors_total{${match}}`)})`, legend: '{{code}}' }],
    },
    {
      title: 'Operations by outcome',
      unit: 'ops',
      targets: [{ expr: `sum by (outcome) (${rate(`graphql_operations_total{${match}}`)})`, legend: '{{outcome}}' }],
    },
    {
      title: 'Busiest operations',
      description: "The client contract's operation names; others are `other`.",
      unit: 'ops',
      targets: [
        {
          expr: `topk(10, sum by (operation) (${rate(`graphql_operations_total{${match}}`)}))`,
          legend: '{{operation}}',
        },
      ],
    },
    {
      title: 'HTTP responses by status',
      unit: 'reqps',
      targets: [{ expr: `sum by (status) (${rate(`http_requests_total{${match}}`)})`, legend: '{{status}}' }],
    },
    {
      title: 'Live subscriptions and graphql-ws connections',
      unit: 'short',
      targets: [
        { expr: `sum(graphql_subscriptions_active{${match}})`, legend: 'subscriptions' },
        { expr: `sum(graphql_ws_connections{${match}})`, legend: 'connections' },
      ],
    },
    {
      title: 'CPU and event loop',
      unit: 's',
      targets: [
        { expr: `sum by (instance) (${rate(`process_cpu_seconds_total{${match}}`)})`, legend: 'CPU s/s {{instance}}' },
        { expr: `max by (instance) (nodejs_eventloop_lag_p99_seconds{${match}})`, legend: 'loop lag p99 {{instance}}' },
      ],
    },
    {
      title: 'Resident memory',
      unit: 'bytes',
      targets: [{ expr: `sum by (instance) (process_resident_memory_bytes{${match}})`, legend: '{{instance}}' }],
    },
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
          {
            title: 'Authorization denials',
            description: 'Operations from which unauthorized fields were removed (or would be, in report mode).',
            unit: 'ops',
            targets: [
              {
                expr: `sum by (mode, operation_type) (${rate('gateway_authorization_denials_total')})`,
                legend: '{{mode}} {{operation_type}}',
              },
            ],
          },
          {
            title: 'Rate-limit refusals by policy',
            unit: 'ops',
            targets: [{ expr: `sum by (policy) (${rate('gateway_rate_limit_refusals_total')})`, legend: '{{policy}}' }],
          },
          {
            title: 'Permission cache hit ratio',
            description: "Lookups answered from this replica's cache or Redis's, rather than by asking authz.",
            unit: 'percentunit',
            targets: [
              {
                expr: `sum(${rate('gateway_permissions_cache_lookups_total{result=~".+_hit"}')}) / sum(${rate('gateway_permissions_cache_lookups_total')})`,
                legend: 'hit ratio',
              },
            ],
          },
          {
            title: 'Permission lookups by result',
            unit: 'ops',
            targets: [
              { expr: `sum by (result) (${rate('gateway_permissions_cache_lookups_total')})`, legend: '{{result}}' },
            ],
          },
        ],
      },
    ],
  },
  {
    uid: 'platform-subgraph',
    title: 'Platform / Subgraph',
    description:
      'One subgraph at a time (pick it above): GraphQL traffic, its database pool, outbox, consumers and jobs.',
    serviceVariable: 'db_pool_connections',
    rows: [
      { title: 'GraphQL', panels: graphqlPanels('service="$service"') },
      {
        title: 'Database, events and jobs',
        panels: [
          {
            title: 'Database pool connections',
            unit: 'short',
            targets: [{ expr: 'sum by (state) (db_pool_connections{service="$service"})', legend: '{{state}}' }],
          },
          {
            title: 'Outbox: pending events and oldest age',
            unit: 'short',
            targets: [
              { expr: 'max(outbox_pending{service="$service"})', legend: 'pending' },
              { expr: 'max(outbox_oldest_pending_age_seconds{service="$service"})', legend: 'oldest (s)' },
            ],
          },
          {
            title: 'Consumer lag',
            unit: 'short',
            targets: [
              {
                expr: 'max by (consumer, topic) (events_consumer_lag{service="$service"})',
                legend: '{{consumer}} {{topic}}',
              },
            ],
          },
          {
            title: 'Events consumed by outcome',
            unit: 'ops',
            targets: [
              {
                expr: `sum by (consumer, outcome) (${rate('events_consumed_total{service="$service"}')})`,
                legend: '{{consumer}} {{outcome}}',
              },
            ],
          },
          {
            title: 'Job queue depth',
            description: 'Jobs waiting (created, retry) and dead letters (<queue>.dead) per queue.',
            unit: 'short',
            targets: [
              {
                expr: 'sum by (queue, state) (jobs_queue_jobs{service="$service", state=~"created|retry"})',
                legend: '{{queue}} {{state}}',
              },
              {
                expr: 'sum by (queue) (jobs_queue_jobs{service="$service", queue=~".+\\\\.dead"})',
                legend: '{{queue}}',
              },
            ],
          },
          {
            title: 'Job attempts by outcome',
            unit: 'ops',
            targets: [
              {
                expr: `sum by (queue, outcome) (${rate('jobs_processed_total{service="$service"}')})`,
                legend: '{{queue}} {{outcome}}',
              },
            ],
          },
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
          {
            title: 'Oldest unpublished outbox event',
            description: 'Seconds the oldest pending event has waited, per service; OutboxStuck pages past 5 minutes.',
            unit: 's',
            targets: [{ expr: 'max by (service) (outbox_oldest_pending_age_seconds)', legend: '{{service}}' }],
          },
          {
            title: 'Pending outbox events',
            unit: 'short',
            targets: [{ expr: 'max by (service) (outbox_pending)', legend: '{{service}}' }],
          },
          {
            title: 'Events published by topic',
            unit: 'ops',
            targets: [{ expr: `sum by (topic) (${rate('outbox_published_total')})`, legend: '{{topic}}' }],
          },
          {
            title: 'Failed publish rounds',
            unit: 'ops',
            targets: [{ expr: `sum by (service) (${rate('outbox_publish_failures_total')})`, legend: '{{service}}' }],
          },
        ],
      },
      {
        title: 'Consumers',
        panels: [
          {
            title: 'Consumer lag',
            description: 'Messages published and not yet consumed, per consumer group and topic.',
            unit: 'short',
            targets: [{ expr: 'max by (consumer, topic) (events_consumer_lag)', legend: '{{consumer}} {{topic}}' }],
          },
          {
            title: 'Events consumed by outcome',
            unit: 'ops',
            targets: [
              {
                expr: `sum by (consumer, outcome) (${rate('events_consumed_total')})`,
                legend: '{{consumer}} {{outcome}}',
              },
            ],
          },
          {
            title: 'Dead-letter topics',
            description: 'Messages parked on <topic>.dlq; DeadLettersGrowing warns when one grows.',
            unit: 'short',
            targets: [{ expr: 'max by (topic) (events_dead_letter_messages)', legend: '{{topic}}' }],
          },
          {
            title: 'Audit events recorded by result',
            unit: 'ops',
            targets: [{ expr: `sum by (result) (${rate('audit_events_recorded_total')})`, legend: '{{result}}' }],
          },
          {
            title: 'Audit chain verifications by result',
            description: 'Every 15 minutes per audit replica, and on demand; a broken chain pages (AuditChainBroken).',
            unit: 'short',
            targets: [
              {
                expr: 'sum by (result) (increase(audit_chain_verifications_total[1h]))',
                legend: '{{result}} / h',
              },
            ],
          },
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
          {
            title: 'Bookings confirmed per hour',
            unit: 'short',
            targets: [{ expr: 'sum(increase(bookings_confirmed_total[1h]))', legend: 'confirmed' }],
          },
          {
            title: 'Revenue per hour (minor units: cents)',
            description:
              'Amounts charged for confirmed bookings, in the minor unit of each currency (2 decimals for EUR, 0 for JPY).',
            unit: 'short',
            targets: [
              {
                expr: 'sum by (currency) (increase(bookings_revenue_minor_units_total[1h]))',
                legend: '{{currency}}',
              },
            ],
          },
          {
            title: 'Registrations per hour',
            unit: 'short',
            targets: [{ expr: 'sum(increase(identity_registrations_total[1h]))', legend: 'registrations' }],
          },
          {
            title: 'Holds by outcome per hour',
            unit: 'short',
            targets: [{ expr: 'sum by (outcome) (increase(bookings_holds_total[1h]))', legend: '{{outcome}}' }],
          },
          {
            title: 'Bookings confirmed (24 h)',
            unit: 'short',
            stat: true,
            width: 6,
            targets: [{ expr: 'sum(increase(bookings_confirmed_total[24h]))', legend: 'confirmed' }],
          },
          {
            title: 'Registrations (24 h)',
            unit: 'short',
            stat: true,
            width: 6,
            targets: [{ expr: 'sum(increase(identity_registrations_total[24h]))', legend: 'registrations' }],
          },
        ],
      },
    ],
  },
];

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
      const width = panel.width ?? 12;
      if (x + width > 24) {
        x = 0;
        y += 8;
      }
      panels.push({
        id: id++,
        type: panel.stat ? 'stat' : 'timeseries',
        title: panel.title,
        ...(panel.description ? { description: panel.description } : {}),
        datasource: DATASOURCE,
        gridPos: { h: 8, w: width, x, y },
        fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
        options: panel.stat
          ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } }
          : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi' } },
        targets: panel.targets.map((target, index) => ({
          refId: String.fromCharCode(65 + index),
          datasource: DATASOURCE,
          expr: target.expr,
          legendFormat: target.legend,
        })),
      });
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
        for (const target of panel.targets) {
          expressions.push({ where: `${dashboard.uid}: ${panel.title}`, expr: grafana(target.expr) });
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
