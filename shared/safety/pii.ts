/**
 * Personal data found in text, and redacted: email addresses, phone numbers, payment card numbers (only
 * those whose Luhn check digit holds), IBANs (only those whose ISO 13616 mod-97 check holds), IPv4 and IPv6
 * addresses. Checksums keep order numbers and timestamps from counting as cards or accounts.
 */
import { isIPv6 } from 'node:net';

export const PII_KINDS = ['email', 'card', 'iban', 'ip', 'phone'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export interface PiiFinding {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

/** The placeholder a redaction writes in place of each kind. */
export const REDACTION: Record<PiiKind, string> = {
  email: '[EMAIL]',
  card: '[CARD]',
  iban: '[IBAN]',
  ip: '[IP]',
  phone: '[PHONE]',
};

const digitsOf = (text: string) => text.replace(/\D/g, '');

/** The Luhn (mod 10) check of a card number's digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The ISO 13616 check: the country and check digits moved to the end, letters as 10..35, mod 97 is 1. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = char >= 'A' ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

interface Detector {
  readonly kind: PiiKind;
  readonly pattern: RegExp;
  readonly accept?: (match: string) => boolean;
}

/** In order: a span taken by an earlier detector is not looked at again (a card is not also a phone). */
const DETECTORS: readonly Detector[] = [
  { kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  { kind: 'iban', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, accept: ibanValid },
  {
    kind: 'card',
    pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
    accept: (match) => luhnValid(digitsOf(match)),
  },
  {
    kind: 'ip',
    pattern:
      /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])/g,
  },
  {
    kind: 'ip',
    pattern: /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g,
    accept: (match) => isIPv6(match) && /[0-9A-Fa-f]/.test(match),
  },
  {
    // International (+country) or grouped national numbers: 8 to 15 digits in groups.
    kind: 'phone',
    pattern:
      /(?<![\w+.-]|\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}(?![\w]|[ .-]\d)/g,
    accept: (match) => {
      const digits = digitsOf(match).length;
      // Not an ISO date, nor a dotted version or address.
      if (/^\d{4}-\d{2}-\d{2}$/.test(match) || /^\d+(?:\.\d+)+$/.test(match)) return false;
      return digits >= 8 && digits <= 15 && (match.startsWith('+') || /[ .()-]/.test(match));
    },
  },
];

/** Every personal datum of `text`, in order, none overlapping. */
export function findPii(text: string): PiiFinding[] {
  const findings: PiiFinding[] = [];
  const taken = (start: number, end: number) => findings.some((f) => start < f.end && f.start < end);
  for (const { kind, pattern, accept } of DETECTORS) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (taken(start, end) || (accept && !accept(match[0]))) continue;
      findings.push({ kind, start, end });
    }
  }
  return findings.sort((a, b) => a.start - b.start);
}

/** `text` with each finding replaced by its kind's placeholder. */
export function redactPii(text: string, findings: readonly PiiFinding[] = findPii(text)): string {
  let redacted = '';
  let at = 0;
  for (const finding of findings) {
    redacted += text.slice(at, finding.start) + REDACTION[finding.kind];
    at = finding.end;
  }
  return redacted + text.slice(at);
}
