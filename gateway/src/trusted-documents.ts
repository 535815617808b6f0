/**
 * Trusted documents (`TRUSTED_DOCUMENTS=enforce`), as Apollo Router's safelisting: only the
 * operations of the committed client contract (`supergraph/operations/*.graphql`) are
 * accepted, by the sha256 hash of their text in the persisted-query extension (what APQ
 * clients send) or by their exact text. The check reads the request, not the operation: it
 * runs before anything is parsed, so an unknown document costs a hash and a set lookup.
 *
 * An operation's text is the operation alone, printed as `contractOperation` prints it, or
 * exactly as it stands in its file; both hashes are trusted.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PersistedQueryOptions } from '@apollo/server';
import { ErrorCode } from '@platform/service-kit';
import { GraphQLError, Kind, parse, print } from 'graphql';

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Every operation text the contract holds, by its sha256 hash, read once at start. */
export function loadTrustedDocuments(directory: string): ReadonlyMap<string, string> {
  const hashes = new Map<string, string>();
  const add = (text: string) => hashes.set(sha256Hex(text), text);
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.graphql'))) {
    const text = readFileSync(path.join(directory, file), 'utf8');
    for (const definition of parse(text).definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION || !definition.loc) continue;
      add(print({ kind: Kind.DOCUMENT, definitions: [definition] }));
      add(text.slice(definition.loc.start, definition.loc.end));
    }
  }
  if (hashes.size === 0) throw new Error(`TRUSTED_DOCUMENTS=enforce: no operations in ${directory}`);
  return hashes;
}

/** What a request names: its text, or the hash of a persisted query (or both). */
export interface DocumentReference {
  query?: unknown;
  extensions?: unknown;
}

/**
 * The refusal of a request whose document is not trusted, or null when it is. A hash that the
 * contract does not know is `PERSISTED_QUERY_NOT_IN_LIST`, a text it does not hold
 * `QUERY_NOT_IN_SAFELIST` (Router's codes).
 */
export function untrustedDocumentError(
  trusted: ReadonlyMap<string, string>,
  request: DocumentReference,
): GraphQLError | null {
  const persisted = (request.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  if (typeof request.query === 'string') {
    if (trusted.has(sha256Hex(request.query))) return null;
    return new GraphQLError('The operation is not one of the trusted documents', {
      extensions: { code: ErrorCode.QueryNotInSafelist },
    });
  }
  if (typeof persisted?.sha256Hash === 'string' && trusted.has(persisted.sha256Hash)) return null;
  return new GraphQLError('The persisted query is not one of the trusted documents', {
    extensions: { code: ErrorCode.PersistedQueryNotInList },
  });
}

/**
 * The HTTP check (the kit's `screen`, before Apollo Server parses anything): a POST's JSON body
 * or a GET's `query` and `extensions` parameters; a refusal is 403.
 */
export function screenTrustedDocuments(trusted: ReadonlyMap<string, string>) {
  return ({ method, url, body }: { method: string; url: URL; body: unknown }) => {
    let request: DocumentReference;
    if (method === 'GET') {
      let extensions: unknown;
      try {
        extensions = JSON.parse(url.searchParams.get('extensions') ?? 'null');
      } catch {
        extensions = undefined; // Apollo Server reports the malformed parameter
      }
      request = { query: url.searchParams.get('query') ?? undefined, extensions };
    } else {
      request = typeof body === 'object' && body !== null ? body : {};
    }
    const refusal = untrustedDocumentError(trusted, request);
    return refusal ? { status: 403, errors: [{ message: refusal.message, extensions: refusal.extensions }] } : null;
  };
}

/**
 * Apollo Server's persisted-query cache under enforcement: a hash the contract knows reads
 * its text, and nothing a client sends is ever stored (registration is a no-op).
 */
export function trustedDocumentCache(
  trusted: ReadonlyMap<string, string>,
): NonNullable<PersistedQueryOptions['cache']> {
  return {
    // Apollo Server prefixes the hash (`apq:<sha256>`).
    get: async (key) => trusted.get(key.slice(key.lastIndexOf(':') + 1)),
    set: async () => {},
    delete: async () => false,
  };
}
