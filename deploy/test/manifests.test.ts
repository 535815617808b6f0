/**
 * The deployment files, checked without a cluster or a container engine: the generated parts
 * match the registry, both kustomize overlays render (`kubectl kustomize`) and every rendered
 * object validates against the Kubernetes OpenAPI schema pinned by kubernetes-models 5.1.0, and
 * docker-compose.yml validates against the compose-spec JSON schema vendored in deploy/schemas
 * and passes `docker-compose config -q` (.ci/run installs Debian's docker-compose).
 */
import Ajv from 'ajv';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { driftedFiles, generatedFiles, overlayScaling } from '../src/generate.js';
import { deploymentPlan, migrationJobName } from '../src/plan.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

async function render(overlay: string): Promise<KubernetesObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', path.join(root, 'deploy', 'overlays', overlay)], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseAllDocuments(stdout).map((document) => document.toJS() as KubernetesObject);
}

/** The API groups the manifests use, each with its models (a class per kind, with `validate()`). */
const apiGroups: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'autoscaling/v2': autoscaling,
  'batch/v1': batch,
  'networking.k8s.io/v1': networking,
  'policy/v1': policy,
};

/** Throws the schema's complaint when `object` is not a valid `apiVersion`/`kind`. */
function validateKubernetes(object: KubernetesObject): void {
  const Model = apiGroups[object.apiVersion]?.[object.kind] as
    (new (data: unknown) => { validate(): void }) | undefined;
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}: add its group to apiGroups`);
  new Model(object).validate();
}

const plan = deploymentPlan();

describe('deployment files', () => {
  it('match the registry (npm run deploy:generate writes them)', async () => {
    expect(await driftedFiles()).toEqual([]);
  });

  it('deploy every service of the registry, the gateway included', async () => {
    const files = [...(await generatedFiles()).keys()];
    for (const service of plan.services) expect(files).toContain(`deploy/base/services/${service.name}.yaml`);
    expect(plan.services.map((service) => service.name)).toEqual(
      expect.arrayContaining(['gateway', 'identity', 'listings', 'bookings', 'expenses', 'portfolios']),
    );
  });

  it.each(['dev', 'prod'])('render the %s overlay into objects the Kubernetes schema accepts', async (overlay) => {
    const objects = await render(overlay);
    for (const object of objects) {
      expect(() => validateKubernetes(object), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
    const named = (kind: string) =>
      objects.filter((object) => object.kind === kind).map((object) => object.metadata.name);
    for (const service of plan.services) {
      for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'NetworkPolicy']) {
        expect(named(kind), kind).toContain(service.name);
      }
    }
    expect(named('Ingress')).toEqual(['gateway']);
    const autoscaler = objects.find(
      (object) => object.kind === 'HorizontalPodAutoscaler' && object.metadata.name === 'gateway',
    );
    expect(autoscaler?.spec).toMatchObject({
      minReplicas: overlayScaling[overlay as 'dev' | 'prod'].gateway.min,
      maxReplicas: overlayScaling[overlay as 'dev' | 'prod'].gateway.max,
    });
    const namespaced = objects.filter((object) => object.kind !== 'Namespace');
    expect(new Set(namespaced.map((object) => object.metadata.namespace))).toEqual(
      new Set([overlay === 'dev' ? 'platform-dev' : 'platform']),
    );
  });

  it('let only the gateway, declared callers and Prometheus reach a service', async () => {
    const objects = await render('prod');
    const peersOf = (name: string) => {
      const policy = objects.find((object) => object.kind === 'NetworkPolicy' && object.metadata.name === name);
      const ingress = (policy?.spec?.ingress ?? []) as {
        from: { podSelector?: { matchLabels: Record<string, string> } }[];
      }[];
      return ingress.flatMap((rule) =>
        rule.from.map((peer) => peer.podSelector?.matchLabels['app.kubernetes.io/name']),
      );
    };
    // identity serves /internal/* to auth (credentials) and authz (its jobs); authz to the gateway,
    // identity and itself (its own jobs); blog only to authz (its jobs: every service that runs jobs
    // lets the jobs admin in); listings runs no jobs and serves only search (a rebuild of its index).
    expect(peersOf('identity').sort()).toEqual(['auth', 'authz', 'gateway', 'prometheus']);
    expect(peersOf('authz').sort()).toEqual(['authz', 'gateway', 'identity', 'prometheus']);
    expect(peersOf('blog').sort()).toEqual(['authz', 'gateway', 'prometheus']);
    expect(peersOf('listings').sort()).toEqual(['gateway', 'prometheus', 'search']);
    expect(peersOf('gateway')).toContain('authz');
  });

  it('migrate each database in a Job named after the release, while no pod migrates', async () => {
    const objects = await render('prod');
    const subgraphs = plan.services.filter((service) => service.kind === 'subgraph');
    const jobs = objects.filter((object) => object.kind === 'Job') as (KubernetesObject & {
      spec: {
        template: {
          metadata: { labels: Record<string, string> };
          spec: { containers: { image: string; command: string[] }[] };
        };
      };
    })[];
    expect(jobs.map((job) => job.metadata.name).sort()).toEqual(
      subgraphs.map((service) => `${service.name}-migrate-${plan.version.replaceAll('.', '-')}`).sort(),
    );
    for (const job of jobs) {
      const [container] = job.spec.template.spec.containers;
      const service = job.metadata.name.replace(/-migrate-.*$/, '');
      // The image of the release the Job is named after, and a command the image has.
      expect(container!.image).toBe(`platform/${service}:${plan.version}`);
      expect(container!.command).toEqual(['node', 'dist/migrate.mjs']);
      // Not one of the service's pods: no Service, PDB or NetworkPolicy of the service selects it.
      expect(job.spec.template.metadata.labels['app.kubernetes.io/name']).toBe(`${service}-migrate`);
    }
    for (const object of objects) {
      if (object.kind === 'Deployment') {
        const pod = (object.spec as { template: { spec: Record<string, unknown> } }).template.spec;
        expect(pod.initContainers, object.metadata.name).toBeUndefined();
      }
      if (object.kind === 'ConfigMap' && subgraphs.some((service) => object.metadata.name.startsWith(service.name))) {
        expect((object as unknown as { data: Record<string, string> }).data.MIGRATE_ON_START).toBe('false');
      }
    }
    // A new release is a new Job (an applied one is never re-run), within Kubernetes' name rules.
    expect(migrationJobName('notifications', '2.10.0-rc.1')).toBe('notifications-migrate-2-10-0-rc-1');
    expect(migrationJobName('identity', '0.1.0')).not.toBe(migrationJobName('identity', '0.2.0'));
  });

  it('refuse an object the schema does not accept (the validation can fail)', async () => {
    const [deployment] = (await render('dev')).filter((object) => object.kind === 'Deployment');
    const broken = structuredClone(deployment!) as KubernetesObject & { spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    expect(() => validateKubernetes(broken)).toThrow(/replicas/);
  });

  it('give docker-compose.yml a shape the compose specification accepts', async () => {
    const schema = JSON.parse(await readFile(path.join(root, 'deploy', 'schemas', 'compose-spec.json'), 'utf8')) as {
      $schema?: string;
    };
    delete schema.$schema;
    const validate = new Ajv({ allErrors: true, unknownFormats: 'ignore' }).compile(schema);
    const compose = parse(await readFile(path.join(root, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, unknown>;
    };
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    for (const service of plan.services) expect(Object.keys(compose.services)).toContain(service.name);
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining([
        'postgres',
        'redis',
        'kafka',
        'prometheus',
        'grafana',
        'otel-collector',
        'jaeger',
        'mailpit',
      ]),
    );
    expect(validate({ services: { gateway: { image: 'x', restart: 'sometimes', pots: [] } } })).toBe(false);
  });

  it('pass `docker-compose config -q` (Debian docker-compose 1.29), alone and with the smoke test overlay', async () => {
    const config = (...files: string[]) =>
      run('docker-compose', [...files.flatMap((file) => ['-f', file]), 'config', '-q'], {
        cwd: root,
        // Unset secrets interpolate to blank strings (with a warning): the shape is what is checked.
        env: { ...process.env, COMPOSE_PROJECT_NAME: 'platform-validate' },
      });
    await config('docker-compose.yml');
    await config('docker-compose.yml', 'deploy/smoke/compose.smoke.yml');
    const dir = await mkdtemp(path.join(tmpdir(), 'compose-validate-'));
    try {
      await writeFile(path.join(dir, 'broken.yml'), 'services:\n  gateway:\n    image: x\n    pots: []\n');
      await expect(config(path.join(dir, 'broken.yml'))).rejects.toThrow(/pots/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
