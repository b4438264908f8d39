import nodemailer from 'nodemailer';
import { DcError } from '../../core/errors.ts';

/** The seed's `Email` key: who mails the failure notice, and to whom. */
export interface EmailSettings {
  Sender: string;
  Recipients: readonly string[];
}

/** An SMTP server from `SmtpUrl`: what nodemailer is given, and what may be printed of it. */
export interface SmtpTarget {
  host: string;
  port: number;
  /** smtps://: TLS from the first byte (port 465); smtp:// upgrades with STARTTLS when offered. */
  secure: boolean;
  auth?: { user: string; pass: string };
  /** `smtp://host:port`, for messages: never the user or password. */
  where: string;
  /** The password, for scrubbing any text that could echo it. */
  secrets: string[];
}

/** Parses `smtp://[user[:password]@]host[:port]` or `smtps://…`; throws CONFIG naming the key. */
export function smtpTarget(text: string): SmtpTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DcError('CONFIG', 'SmtpUrl is not a URL (expected smtp://host:port or smtps://host:port)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new DcError('CONFIG', 'SmtpUrl must start with smtp:// or smtps://');
  const secure = url.protocol === 'smtps:';
  const port = url.port ? Number(url.port) : secure ? 465 : 25;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return {
    host,
    port,
    secure,
    ...(user ? { auth: { user, pass } } : {}),
    where: `${url.protocol}//${url.host}`,
    secrets: pass ? [pass] : [],
  };
}

export interface MailMessage {
  subject: string;
  text: string;
}

/**
 * Sends one mail through the SMTP server, once (the caller retries). nodemailer is given no logger,
 * so nothing it sees (the AUTH exchange) is printed; its errors are reduced to their code and the
 * server's reply by the caller.
 */
export async function sendMail(smtp: SmtpTarget, email: EmailSettings, message: MailMessage, timeoutMs: number): Promise<void> {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.auth ? { auth: smtp.auth } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    await transport.sendMail({ from: email.Sender, to: [...email.Recipients], subject: message.subject, text: message.text });
  } finally {
    transport.close();
  }
}
