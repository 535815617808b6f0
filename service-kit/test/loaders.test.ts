/**
 * The DataLoader cache metrics: a cache made while a request's context is built counts its
 * loads and hits under the loader's name, from zero; one made elsewhere counts nothing.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loaderCache, registerLoaderMetrics, withLoaderMetrics } from '../src/loaders.js';

async function counts(registry: Registry, loader: string) {
  const value = async (name: string) =>
    (await registry.getSingleMetric(name)!.get()).values.find((sample) => sample.labels.loader === loader)?.value;
  return { loads: await value('dataloader_loads_total'), hits: await value('dataloader_cache_hits_total') };
}

describe('loaderCache', () => {
  it("counts each request's loads and cache hits by loader, from zero at its first request", async () => {
    const registry = new Registry();
    const metrics = registerLoaderMetrics(registry);
    const first = withLoaderMetrics(metrics, () => loaderCache<string, number>('userById'));
    expect(await counts(registry, 'userById')).toEqual({ loads: 0, hits: 0 });

    expect(first.get('a')).toBeUndefined();
    first.set('a', 1);
    expect(first.get('a')).toBe(1);
    // A second request's cache starts empty and adds to the same series.
    const second = withLoaderMetrics(metrics, () => loaderCache<string, number>('userById'));
    expect(second.get('a')).toBeUndefined();
    expect(await counts(registry, 'userById')).toEqual({ loads: 3, hits: 1 });
  });

  it('counts nothing for a cache made outside a request context', async () => {
    const registry = new Registry();
    registerLoaderMetrics(registry);
    const cache = loaderCache<string, number>('userById');
    cache.set('a', 1);
    expect(cache.get('a')).toBe(1);
    expect(await counts(registry, 'userById')).toEqual({ loads: undefined, hits: undefined });
  });
});
