/**
 * Mail goes out over SMTP through nodemailer: `SMTP_URL` names the server (a provider in
 * production, the development catcher under `npm start`, a catcher on a free port in tests).
 */
import nodemailer from 'nodemailer';
import type { Message } from './templates.js';

export interface Mailer {
  /** Sends one message; `messageId` is stable per delivery so a resend can be recognised downstream. */
  send(input: { to: string; messageId: string } & Message): Promise<void>;
  close(): void;
}

export function createSmtpMailer(options: { url: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(options.url);
  return {
    async send({ to, messageId, subject, text, html }) {
      await transport.sendMail({ from: options.from, to, subject, text, html, messageId });
    },
    close: () => transport.close(),
  };
}
