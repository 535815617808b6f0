/**
 * How well each DataLoader's per-request cache works: `loaderCache(name)` is the cache a
 * subgraph gives its DataLoader (`new DataLoader(batch, { cacheMap: loaderCache('userById') })`);
 * it counts every load (`dataloader_loads_total`) and every load the cache answered
 * (`dataloader_cache_hits_total`), by loader name, in the metrics of the service whose request
 * context created it. The subgraph server builds each request's context inside
 * {@link withLoaderMetrics}, so no service passes its metrics down to its loaders; a cache made
 * anywhere else (a test's own loader) counts nothing.
 *
 * A hit is a key asked for again within one request (or twice in one batch): the loader's
 * cache answered and no batch fetched it. A ratio near 0 means the loader only batches.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Counter, type Registry } from 'prom-client';

interface LoaderSeries {
  loads: Counter.Internal;
  hits: Counter.Internal;
}

export interface LoaderMetrics {
  loads: Counter<'loader'>;
  hits: Counter<'loader'>;
  /** Each loader's labelled series, by name. */
  series: Map<string, LoaderSeries>;
}

/** The two counters, in `registry`. */
export function registerLoaderMetrics(registry: Registry): LoaderMetrics {
  return {
    series: new Map(),
    loads: new Counter({
      name: 'dataloader_loads_total',
      help: 'DataLoader loads, by loader: every key asked for (a request-scoped cache answers some, a batch the rest)',
      labelNames: ['loader'],
      registers: [registry],
    }),
    hits: new Counter({
      name: 'dataloader_cache_hits_total',
      help: 'DataLoader loads its request-scoped cache answered (the key asked for before in the request), by loader',
      labelNames: ['loader'],
      registers: [registry],
    }),
  };
}

const building = new AsyncLocalStorage<LoaderMetrics>();

/** The loader's two series, made at its first request rather than at every one. */
function loaderSeries(metrics: LoaderMetrics, name: string): LoaderSeries {
  let series = metrics.series.get(name);
  if (!series) {
    series = { loads: metrics.loads.labels({ loader: name }), hits: metrics.hits.labels({ loader: name }) };
    // Both series exist from the loader's first request: no hit yet is a ratio of 0, not no data.
    series.loads.inc(0);
    series.hits.inc(0);
    metrics.series.set(name, series);
  }
  return series;
}

/** Runs `build` (a request's context factory) so that the loader caches it makes count into `metrics`. */
export function withLoaderMetrics<T>(metrics: LoaderMetrics, build: () => T): T {
  return building.run(metrics, build);
}

/** DataLoader's `cacheMap` (its `CacheMap<K, V>`), structurally. */
export interface LoaderCache<K, V> {
  get(key: K): V | void;
  set(key: K, value: V): unknown;
  delete(key: K): unknown;
  clear(): unknown;
}

/**
 * The cache for the DataLoader named `name` (its context field): a Map that counts each lookup,
 * which DataLoader makes once per `load` (a `prime` is counted as a load too).
 */
export function loaderCache<K, V>(name: string): LoaderCache<K, V> {
  const cache = new Map<K, V>();
  const metrics = building.getStore();
  if (!metrics) return cache;
  const { loads, hits } = loaderSeries(metrics, name);
  return {
    get(key) {
      const found = cache.get(key);
      loads.inc();
      if (found !== undefined) hits.inc();
      return found;
    },
    set: (key, value) => cache.set(key, value),
    delete: (key) => cache.delete(key),
    clear: () => cache.clear(),
  };
}
