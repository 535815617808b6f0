/**
 * Who is at the other end of a request. `X-Forwarded-For` and `X-Forwarded-Proto` are only
 * believed when the socket's peer is a proxy we were told to trust; otherwise anyone could
 * choose the address that sessions, audit events and policies record.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { TLSSocket } from 'node:tls';

/** The proxies whose forwarding headers are believed: see {@link parseTrustedProxies}. */
export interface TrustedProxies {
  trusts(address: string): boolean;
}

/** Trusts no one: the socket's peer is the client. */
export const NO_TRUSTED_PROXIES: TrustedProxies = { trusts: () => false };

/**
 * Trusts every peer: for subgraphs, which only serve the gateway and read the client it forwards.
 */
export const TRUST_EVERY_PROXY: TrustedProxies = { trusts: () => true };

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is 127.0.0.1. */
function normalise(address: string): string {
  const trimmed = address.trim();
  return trimmed.toLowerCase().startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

/**
 * Reads a comma-separated list of IPs and CIDRs (`10.0.0.0/8,::1`); `loopback` stands for
 * 127.0.0.0/8 and ::1. Throws on an entry that is neither.
 */
export function parseTrustedProxies(text: string): TrustedProxies {
  const list = new BlockList();
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return NO_TRUSTED_PROXIES;
  for (const entry of entries) {
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address = '', prefixText] = entry.split('/', 2);
    const version = isIP(address);
    if (version === 0) throw new Error(`"${entry}" is not an IP address, a CIDR or loopback`);
    const type = version === 4 ? 'ipv4' : 'ipv6';
    if (prefixText === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const prefix = Number(prefixText);
    if (!/^\d+$/.test(prefixText) || prefix > (version === 4 ? 32 : 128)) {
      throw new Error(`"${entry}" has an invalid prefix length`);
    }
    list.addSubnet(address, prefix, type);
  }
  return {
    trusts(address) {
      const normalised = normalise(address);
      const version = isIP(normalised);
      return version !== 0 && list.check(normalised, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

function headerValues(req: IncomingMessage, name: string): string[] {
  const header = req.headers[name];
  return (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy; then the
 * right-most address in `X-Forwarded-For` that is not a trusted proxy (the left-most when all are).
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string | null {
  const peer = req.socket.remoteAddress ? normalise(req.socket.remoteAddress) : null;
  if (!peer || !trusted.trusts(peer)) return peer;
  const forwarded = headerValues(req, 'x-forwarded-for').map(normalise);
  for (let index = forwarded.length - 1; index >= 0; index--) {
    const address = forwarded[index]!;
    if (!trusted.trusts(address)) return address;
  }
  return forwarded[0] ?? peer;
}

/** Whether the request reached us over TLS, directly or (by a trusted proxy's word) before it. */
export function arrivedOverTls(req: IncomingMessage, trusted: TrustedProxies): boolean {
  if (req.socket instanceof TLSSocket) return true;
  const peer = req.socket.remoteAddress;
  if (!peer || !trusted.trusts(peer)) return false;
  return headerValues(req, 'x-forwarded-proto')[0]?.toLowerCase() === 'https';
}
