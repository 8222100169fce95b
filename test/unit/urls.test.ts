import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allHosts, hostMatches, matchDomainList } from '../../src/engine/urls.ts';

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
  for (const h of hosts) assert.equal(matchDomainList(h, list), list.find((d) => hostMatches(h, d)), h);
});
