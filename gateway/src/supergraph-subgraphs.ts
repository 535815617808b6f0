/** The subgraphs a supergraph routes to (from its `join__Graph` enum), with URL overrides applied. */
import { readFile } from 'node:fs/promises';

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

function subgraphsInSdl(sdl: string, overrides: Record<string, string> = {}): SubgraphEndpoint[] {
  const endpoints: SubgraphEndpoint[] = [];
  for (const match of sdl.matchAll(/@join__graph\(name:\s*"([^"]+)",\s*url:\s*"([^"]*)"\)/g)) {
    const name = match[1]!;
    endpoints.push({ name, url: overrides[name] ?? match[2]! });
  }
  return endpoints;
}

export async function subgraphsOf(file: string, overrides: Record<string, string> = {}): Promise<SubgraphEndpoint[]> {
  return subgraphsInSdl(await readFile(file, 'utf8'), overrides);
}
