import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { arrivedOverTls, clientAddress, NO_TRUSTED_PROXIES, parseTrustedProxies } from '../src/client-address.js';

function request(remoteAddress: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  it('ignores X-Forwarded-For from a peer that is not trusted', () => {
    const req = request('::ffff:10.1.2.3', { 'x-forwarded-for': '203.0.113.9' });
    expect(clientAddress(req, NO_TRUSTED_PROXIES)).toBe('10.1.2.3');
    expect(clientAddress(req, parseTrustedProxies('192.168.0.0/16'))).toBe('10.1.2.3');
  });

  it('takes the right-most address that is not a trusted proxy behind trusted ones', () => {
    const trusted = parseTrustedProxies('10.0.0.0/8, loopback');
    const req = request('127.0.0.1', { 'x-forwarded-for': '198.51.100.7, 203.0.113.9, 10.9.9.9' });
    expect(clientAddress(req, trusted)).toBe('203.0.113.9');
    expect(clientAddress(request('::1', { 'x-forwarded-for': '10.0.0.1' }), trusted)).toBe('10.0.0.1');
    expect(clientAddress(request('::1'), trusted)).toBe('::1');
  });

  it('believes X-Forwarded-Proto only from a trusted proxy', () => {
    const req = request('127.0.0.1', { 'x-forwarded-proto': 'https' });
    expect(arrivedOverTls(req, NO_TRUSTED_PROXIES)).toBe(false);
    expect(arrivedOverTls(req, parseTrustedProxies('127.0.0.1'))).toBe(true);
  });

  it('refuses an entry that is not an address, a CIDR or loopback', () => {
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => parseTrustedProxies('proxy.internal')).toThrow(/not an IP/);
  });
});
