/**
 * Writes an OutgoingMail as one RFC 5322 / MIME message (multipart/alternative: text, then HTML;
 * both UTF-8, quoted-printable), as a string handed to the transport whole.
 *
 * Why not nodemailer's MailComposer: it builds every message through a tree of streams, about
 * half a millisecond of CPU per small message, more than rendering it; at delivery rates that
 * is most of a worker's core. This covers exactly what Kizuna sends and nothing else: one
 * recipient, no attachments, headers that are plain text.
 *
 * Header values never carry a line break (any is replaced by a space: no data can add a header);
 * non-ASCII text goes out as RFC 2047 encoded words. The boundary starts with "=_", which
 * quoted-printable can never produce, so no body line can be mistaken for it.
 */
import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { singleLine } from '@kizuna/common';
import type { OutgoingMail } from './mail-transport';

const CRLF = '\r\n';
const HEX = Array.from({ length: 256 }, (_, b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`);
/** What a quoted-printable line may carry as it is: printable ASCII except "=", spaces, tabs. */
const QP_SAFE = /^[\t\x20-\x3c\x3e-\x7e]*$/;
const QP_UNSAFE = /[^\t\x20-\x3c\x3e-\x7e]/gu;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** A display name that needs neither quoting nor encoding (atoms and spaces). */
const PLAIN_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/?^_`{|}~ ]*$/;
/** Per process, then a counter: boundaries are unique without a random draw per message. */
const BOUNDARY_PREFIX = `=_kizuna_${randomBytes(6).toString('hex')}_`;
let boundaries = 0;

export function composeMessage(mail: OutgoingMail, date: Date = new Date()): string {
  const boundary = `${BOUNDARY_PREFIX}${(boundaries++).toString(36)}`;
  const headers = [
    header('From', mailbox(mail.from.name, mail.from.address)),
    header('To', asciiAddress(mail.to)),
    header('Subject', text(mail.subject)),
    header('Message-ID', singleLine(mail.messageId)),
    header('Date', date.toUTCString().replace(/GMT$/, '+0000')),
    'MIME-Version: 1.0',
    // Structured values (List-Unsubscribe: URLs in angle brackets) are never encoded when ASCII.
    ...Object.entries(mail.headers).map(([name, value]) => {
      const single = singleLine(value);
      return header(name, PRINTABLE_ASCII.test(single) ? single : encodedWords(single));
    }),
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
  ];
  return [
    ...headers,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(mail.text),
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(mail.html),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

/** Body text as quoted-printable (RFC 2045 6.7): lines of at most 76 characters, CRLF line breaks. */
export function quotedPrintable(body: string): string {
  return body
    .split(/\r\n|\r|\n/)
    .map((line) => (line.length <= 76 && QP_SAFE.test(line) && !/[ \t]$/.test(line) ? line : encodeLine(line)))
    .join(CRLF);
}

/** Escapes what must be (whole characters at a time), then breaks the line, never inside an escape. */
function encodeLine(line: string): string {
  let escaped = line.replace(QP_UNSAFE, (char) => {
    let out = '';
    for (const byte of Buffer.from(char, 'utf8')) {
      out += HEX[byte]!;
    }
    return out;
  });
  // A space or tab ending the line would be lost in transit.
  const last = escaped.charCodeAt(escaped.length - 1);
  if (last === 0x20 || last === 0x09) {
    escaped = `${escaped.slice(0, -1)}${HEX[last]!}`;
  }
  const lines: string[] = [];
  let at = 0;
  while (escaped.length - at > 76) {
    let end = at + 75;
    // Every "=" here starts an escape: one beginning in the last two places moves to the next line.
    const escape = escaped.lastIndexOf('=', end - 1);
    if (escape >= end - 2 && escape > at) {
      end = escape;
    }
    lines.push(`${escaped.slice(at, end)}=`);
    at = end;
  }
  lines.push(escaped.slice(at));
  return lines.join(CRLF);
}

/** `Name: value`, folded at spaces when longer than 78 characters where that is possible. */
function header(name: string, value: string): string {
  const line = `${name}: ${value}`;
  if (line.length <= 78 || value.includes(CRLF)) {
    return line;
  }
  const words = line.split(' ');
  const lines: string[] = [];
  let current = words.shift()!;
  for (const word of words) {
    if (current.length + 1 + word.length > 78) {
      lines.push(current);
      current = ` ${word}`;
    } else {
      current += ` ${word}`;
    }
  }
  lines.push(current);
  return lines.join(CRLF);
}

/** Unstructured text (a subject): as it is when plain ASCII, else encoded words. */
function text(value: string): string {
  const single = singleLine(value);
  return PRINTABLE_ASCII.test(single) && !single.includes('=?') && !/\S{77,}/.test(single)
    ? single
    : encodedWords(single);
}

/**
 * RFC 2047 "B" encoded words of at most 39 UTF-8 bytes each (a 64-character word), split between
 * characters, on folded lines: decoders join adjacent encoded words without the space.
 */
function encodedWords(value: string): string {
  const words: string[] = [];
  let chunk: string[] = [];
  let size = 0;
  for (const char of value) {
    const bytes = Buffer.byteLength(char, 'utf8');
    if (size + bytes > 39 && chunk.length > 0) {
      words.push(encodedWord(chunk.join('')));
      chunk = [];
      size = 0;
    }
    chunk.push(char);
    size += bytes;
  }
  if (chunk.length > 0 || words.length === 0) {
    words.push(encodedWord(chunk.join('')));
  }
  return words.join(`${CRLF} `);
}

const encodedWord = (value: string): string => `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;

/** `Name <address>`, the name as it is, quoted, or encoded, whichever it needs. */
function mailbox(name: string, address: string): string {
  const display = singleLine(name);
  const addr = asciiAddress(address);
  if (display === '') {
    return addr;
  }
  const phrase =
    PLAIN_PHRASE.test(display) && !display.includes('=?')
      ? display
      : PRINTABLE_ASCII.test(display) && !display.includes('=?')
        ? `"${display.replace(/["\\]/g, '\\$&')}"`
        : encodedWords(display);
  return `${phrase} <${addr}>`;
}

/** Addresses reach here checked (ASCII); an internationalised domain of the sender goes out as punycode. */
function asciiAddress(address: string): string {
  const single = singleLine(address);
  if (PRINTABLE_ASCII.test(single)) {
    return single;
  }
  const at = single.lastIndexOf('@');
  return at < 0 ? single : `${single.slice(0, at)}@${domainToASCII(single.slice(at + 1)) || single.slice(at + 1)}`;
}
