import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allHosts, hostMatches, hostOfUrl, matchDomainList, registrableDomain } from '../../src/engine/urls.ts';

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
