import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allHosts, forEachHostName, forEachUrl, HOST_RE, hostMatches, hostOfUrl, matchDomainList, registrableDomain, URL_RE } from '../../src/engine/urls.ts';

test('hosts: URLs and bare names count; e-mail addresses (either side of the @) and file names do not', () => {
  assert.deepEqual(allHosts('curl https://api.example.net/x and dig data.attacker.net').sort(), ['api.example.net', 'data.attacker.net']);
  assert.deepEqual(allHosts('FYI customer: Alice Johnson | alice.johnson@example.com | 4111 1111 1111 1111'), []);
  assert.deepEqual(allHosts('edit src/engine/urls.ts and package.json'), []);
  assert.deepEqual(allHosts('ping 10.0.0.7'), ['10.0.0.7']);
});

test('domain lists: a host matches an entry or any parent of it; the first matching entry in list order is named', () => {
  const list = ['Example.COM', '*.pastebin.com', '.ngrok.io', 'sub.example.com'];
  assert.equal(matchDomainList('example.com', list), 'Example.COM');
  assert.equal(matchDomainList('a.sub.EXAMPLE.com.', list), 'Example.COM'); // first in the list, not the longest
  assert.equal(matchDomainList('x.pastebin.com', list), '*.pastebin.com');
  assert.equal(matchDomainList('pastebin.com', list), '*.pastebin.com');
  assert.equal(matchDomainList('abc.ngrok.io', list), '.ngrok.io');
  assert.equal(matchDomainList('notexample.com', list), undefined);
  assert.equal(matchDomainList('example.com.evil.net', list), undefined);
  assert.equal(matchDomainList('example.com', []), undefined);
  // the same answers as testing each entry in turn
  const hosts = ['example.com', 'a.b.example.com', 'pastebin.com.', 'ngrok.io', 'io', 'evil.net', 'sub.example.com'];
  for (const h of hosts)
    assert.equal(
      matchDomainList(h, list),
      list.find((d) => hostMatches(h, d)),
      h,
    );
});

test('hostOfUrl: the host as the URL standard reads it, long queries or not', () => {
  const q = 'x'.repeat(4000);
  assert.equal(hostOfUrl(`https://API.Example.com/v1/x?d=${q}`), 'api.example.com');
  assert.equal(hostOfUrl('http://user:pw@host.example.org:8080/p'), 'host.example.org');
  assert.equal(hostOfUrl('http://us/er:p@host/'), 'us'); // the authority ends at the first slash
  assert.equal(hostOfUrl('https://example.com\\@evil.com/'), 'example.com'); // a backslash ends it too (http, https, ws, …)
  assert.equal(hostOfUrl('http:////evil.com/x'), 'evil.com'); // extra slashes are skipped
  assert.equal(hostOfUrl('http://ev\til.com/'), 'evil.com'); // tabs are dropped
  assert.equal(hostOfUrl('http://[::1]:8080/'), '::1');
  assert.equal(hostOfUrl('http://%65vil.com/'), 'evil.com');
  assert.equal(hostOfUrl('git+ssh://git@github.com/o/r.git'), 'github.com');
});

test('registrableDomain: eTLD+1 from the Public Suffix List; IPs and single labels as they are', () => {
  assert.equal(registrableDomain('a1b2c3.xyz.io'), 'xyz.io');
  assert.equal(registrableDomain('A.B.Example.CO.UK.'), 'example.co.uk');
  assert.equal(registrableDomain('x.y.example.com.au'), 'example.com.au');
  assert.equal(registrableDomain('chunk.q.attacker.example'), 'attacker.example');
  // the private section does not split one operator's domain into sites
  assert.equal(registrableDomain('a.evil.herokuapp.com'), 'herokuapp.com');
  assert.equal(registrableDomain('10.0.0.7'), '10.0.0.7');
  assert.equal(registrableDomain('localhost'), 'localhost');
  assert.equal(registrableDomain('::1'), '::1');
});

/** Random text rich in what the URL and host-name patterns look at: labels, dots, schemes, @, _, -, long runs, non-ASCII. */
function hostyText(rnd: () => number): string {
  const pieces = [
    'a',
    'Z',
    'x9',
    'example',
    'COM',
    'io',
    'js',
    '.',
    '.',
    '..',
    '-',
    '_',
    '@',
    ':',
    '/',
    '://',
    'https://',
    'git+ssh://',
    'ws://',
    ' ',
    '\n',
    '"',
    "'",
    '\\',
    '(',
    ')',
    '=',
    ',',
    '%',
    '#',
    '?',
    '0',
    '255',
    '10.0.0.',
    '1.2.3.4',
    'www.',
    '.co.uk',
    'api.example.net',
    'é',
    '\u2713',
    '\u212a',
    'a'.repeat(62),
    'b'.repeat(70),
    'c'.repeat(30),
    'x.y',
    'e.prototype',
    'user@host.org:repo',
    '[',
    '|',
    '^',
    '`',
  ];
  const n = 1 + Math.floor(rnd() * 60);
  let s = '';
  for (let i = 0; i < n; i++) s += pieces[Math.floor(rnd() * pieces.length)];
  return s;
}

test('urls: the searches for URLs and host names find, in order, exactly what matchAll of their patterns finds (random texts)', () => {
  let seed = Number(process.env.URLS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const first = seed;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < 20_000; i++) {
    const text = hostyText(rnd);
    const urls: string[] = [];
    forEachUrl(text, (u) => urls.push(u));
    assert.deepEqual(
      urls,
      [...text.matchAll(URL_RE)].map((m) => m[0]),
      `URLs of ${JSON.stringify(text)} (URLS_SEED=${first})`,
    );
    const names: string[] = [];
    forEachHostName(text, (h) => names.push(h));
    assert.deepEqual(
      names,
      [...text.matchAll(HOST_RE)].map((m) => m[0]),
      `host names of ${JSON.stringify(text)} (URLS_SEED=${first})`,
    );
  }
});

test('hosts: a name repeated in other cases is one host, and the order is that of first appearance', () => {
  assert.deepEqual(allHosts('see https://B.example.org/x then a.example.com, A.EXAMPLE.COM and a.example.com again; 10.1.2.3'), [
    'b.example.org',
    'a.example.com',
    '10.1.2.3',
  ]);
});
