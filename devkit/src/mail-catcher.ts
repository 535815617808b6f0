/**
 * The development mail catcher: a real SMTP server (smtp-server) that accepts every message,
 * parses it (mailparser), and keeps it, in memory and, when given a folder, as `<id>.eml` and
 * `<id>.json` there (`npm start` keeps them under `.data/mail/`). Tests start one on a free
 * port and assert on what it received; `npm start` lists its messages on a page of links.
 * Development and tests only: it authenticates nobody and accepts everything.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  id: string;
  receivedAt: string;
  messageId: string | null;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
}

export interface MailCatcher {
  /** `smtp://127.0.0.1:<port>`, for `SMTP_URL`. */
  url: string;
  port: number;
  /** Every message received, oldest first (including those kept in the folder before a restart). */
  messages(): CaughtMail[];
  /** Messages to `address` (case-insensitive), oldest first. */
  messagesTo(address: string): CaughtMail[];
  /** The development page: every message, newest first, with its links clickable. */
  page(): string;
  stop(): Promise<void>;
}

const addresses = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((entry) =>
    entry.value.map((address) => address.address ?? '').filter(Boolean),
  );

const escape = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Starts a catcher on `port` (0: a free one), keeping messages in `folder` when given. */
export async function startMailCatcher(
  options: { port?: number; host?: string; folder?: string } = {},
): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const caught: CaughtMail[] = [];
  if (options.folder) {
    await mkdir(options.folder, { recursive: true });
    const kept = (await readdir(options.folder)).filter((name) => name.endsWith('.json')).sort();
    for (const name of kept)
      caught.push(JSON.parse(await readFile(path.join(options.folder, name), 'utf8')) as CaughtMail);
  }

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then(async (parsed) => {
            const receivedAt = new Date().toISOString();
            const mail: CaughtMail = {
              id: `${receivedAt.replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`,
              receivedAt,
              messageId: parsed.messageId ?? null,
              from: addresses(parsed.from).join(', '),
              to: addresses(parsed.to),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : null,
            };
            if (options.folder) {
              await writeFile(path.join(options.folder, `${mail.id}.eml`), raw);
              await writeFile(path.join(options.folder, `${mail.id}.json`), JSON.stringify(mail, null, 2));
            }
            caught.push(mail);
            callback();
          })
          .catch((error: unknown) => callback(error as Error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://${host}:${port}`,
    port,
    messages: () => [...caught],
    messagesTo: (address) => caught.filter((mail) => mail.to.some((to) => to.toLowerCase() === address.toLowerCase())),
    page() {
      const items = [...caught]
        .reverse()
        .map((mail) => {
          const linked = escape(mail.text).replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
          return `<article><h2>${escape(mail.subject)}</h2><p>To ${escape(mail.to.join(', '))} at ${mail.receivedAt}</p><pre>${linked}</pre></article>`;
        })
        .join('\n');
      return `<!doctype html><html><head><meta charset="utf-8"><title>Development mail</title></head><body><h1>Development mail (${caught.length})</h1>${items}</body></html>`;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
