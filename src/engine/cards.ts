/**
 * Payment card numbers: one test of what counts as one, shared by the secret detector (what goes out)
 * and the fingerprint index (what a tool returned). A 13-19 digit run that merely passes Luhn is not
 * enough: one in ten numbers does (epoch milliseconds, `2025-08-06-211059` timestamps, ids), so a
 * card also starts in a card network's issuer range and, when separated, is grouped as cards are written.
 */

/** Documented test card numbers (Stripe, Braintree, Adyen docs): no cardholder's data. */
const TEST_CARDS = new Set([
  '4242424242424242',
  '4111111111111111',
  '4000056655665556',
  '4012888888881881',
  '4222222222222',
  '5555555555554444',
  '5105105105105100',
  '5200828282828210',
  '2223003122003222',
  '378282246310005',
  '371449635398431',
  '378734493671000',
  '6011111111111117',
  '6011000990139424',
  '6011000000000004',
  '3530111333300000',
  '3566002020360505',
]);

/** Issuer ranges: Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Discover 6011 and 65. */
export const CARD_ISSUER = /^(?:4|5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|6(?:011|5))/;

export function luhnValid(d: string): boolean {
  let sum = 0;
  let alt = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let n = d.charCodeAt(i) - 48;
    if (alt && (n *= 2) > 9) n -= 9;
    sum += n;
    alt = !alt;
  }
  return sum % 10 === 0;
}

/**
 * A card number as written: an issuer's range, no separators or one kind between the usual groups, Luhn-valid.
 * `testCards: false` also refuses the documented test numbers: the detector, which flags a value with no
 * source in the session, uses it; a value a tool of the session returned is that tool's data whatever it is.
 */
export function isCardNumber(value: string, opts: { testCards?: boolean } = {}): boolean {
  const d = value.replace(/[ -]/g, '');
  if (!/^\d+$/.test(d) || !CARD_ISSUER.test(d)) return false;
  const amex = d[0] === '3';
  if (amex ? d.length !== 15 : d.length < 13 || d.length > 19) return false;
  if (d !== value) {
    const sep = value.includes(' ') ? ' ' : '-';
    if (value.includes(sep === ' ' ? '-' : ' ')) return false;
    const groups = value
      .split(sep)
      .map((g) => g.length)
      .join(',');
    const ok = amex ? groups === '4,6,5' : /^4,4,4,(?:1|2|3|4|4,3)$/.test(groups) || (d.length === 19 && groups === '4,4,4,4,3');
    if (!ok) return false;
  }
  // documented test numbers and placeholder-like ones (4111 1111 1111 1111)
  if (opts.testCards === false && (TEST_CARDS.has(d) || new Set(d).size < 4)) return false;
  return luhnValid(d);
}
