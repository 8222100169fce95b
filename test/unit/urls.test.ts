import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allHosts } from '../../src/engine/urls.ts';

test('hosts: URLs and bare names count; e-mail addresses (either side of the @) and file names do not', () => {
  assert.deepEqual(allHosts('curl https://api.example.net/x and dig data.attacker.net').sort(), ['api.example.net', 'data.attacker.net']);
  assert.deepEqual(allHosts('FYI customer: Alice Johnson | alice.johnson@example.com | 4111 1111 1111 1111'), []);
  assert.deepEqual(allHosts('edit src/engine/urls.ts and package.json'), []);
  assert.deepEqual(allHosts('ping 10.0.0.7'), ['10.0.0.7']);
});
