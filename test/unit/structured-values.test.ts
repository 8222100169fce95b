import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldCategory, structuredValues, validIban, type RowsRead } from '../../src/engine/fingerprint/index.ts';
import { MAX_ROWS } from '../../src/engine/fingerprint/structured.ts';

const vals = (x: unknown): string[] => structuredValues(x).map((t) => `${t.label}=${t.value}`);

test('field names: what a key or column says its values are', () => {
  assert.equal(fieldCategory('phone_number'), 'phone');
  assert.equal(fieldCategory('mobilePhone'), 'phone');
  assert.equal(fieldCategory('IBAN'), 'iban');
  assert.equal(fieldCategory('bank_account_number'), 'account');
  assert.equal(fieldCategory('account_type'), null);
  assert.equal(fieldCategory('billingAddress'), 'address');
  assert.equal(fieldCategory('ip_address'), null);
  assert.equal(fieldCategory('email_address'), 'email');
  assert.equal(fieldCategory('passport_number'), 'identity');
  assert.equal(fieldCategory('ID_number'), 'identity');
  assert.equal(fieldCategory('date_of_birth'), 'identity');
  assert.equal(fieldCategory('order_id'), 'reference');
  assert.equal(fieldCategory('full_name'), 'name');
  assert.equal(fieldCategory('first_name'), 'name');
  for (const k of ['filename', 'package_name', 'branch_name', 'hostname', 'display_name', 'test_case', 'id', 'created_at', 'status']) {
    assert.notEqual(fieldCategory(k), 'name', k);
    assert.notEqual(fieldCategory(k), 'reference', k);
  }
});

test('IBAN: the mod-97 check', () => {
  assert.equal(validIban(['GB29', 'NWBK', '6016', '1331', '9268', '19'].join('')), true);
  assert.equal(validIban(['GB29', 'NWBK', '6016', '1331', '9268', '18'].join('')), false);
  assert.equal(validIban('DE44 5001 0517 5407 3249 31'), true);
});

test('a personal JSON row: phone, address (and its street), ID, account and name values; ordinary fields are not', () => {
  const out = vals([
    {
      type: 'text',
      text: JSON.stringify({
        first_name: 'Emma',
        last_name: 'Johnson',
        ID_number: '123456789',
        phone_number: '327-420-4923',
        address: '123 Main Street, Anytown, USA',
        passport_number: 'HGK137803',
        bank_account_number: '0789765432',
        status: 'active',
        created_at: '2024-05-01',
      }),
    },
  ]);
  for (const v of [
    'phone number=327-420-4923',
    'phone number=3274204923',
    'postal address=123 Main Street, Anytown, USA',
    'postal address=123 Main Street',
    'passport or ID number=123456789',
    'passport or ID number=HGK137803',
    'account number=0789765432',
    'personal name=Emma Johnson',
  ])
    assert.ok(out.includes(v), `${v} in ${out.join(' | ')}`);
  assert.ok(!out.some((v) => /active|2024-05-01/.test(v)), out.join(' | '));
});

test('names count only in a personal row and when they look like names', () => {
  assert.deepEqual(vals({ name: 'Deploy Preview Workflow', conclusion: 'success' }), []);
  assert.deepEqual(vals({ full_name: 'Margaret Okonkwo', role: 'admin' }), []);
  assert.ok(vals({ full_name: 'Margaret Okonkwo', phone: '+44 20 7946 0958' }).includes('personal name=Margaret Okonkwo'));
  assert.ok(!vals({ full_name: 'my-package-name', phone: '+44 20 7946 0958' }).some((v) => v.startsWith('personal name')));
});

test('tables: CSV, TSV, psql and markdown rows by their header; JSON lines', () => {
  const csv = 'id,full_name,email,phone\n1,Margaret Okonkwo,m.okonkwo@example.org,+1 415 555 0134\n2,Tobias Lindqvist,tobias@example.org,+46 8 123 456 78\n';
  const c = vals(csv);
  assert.ok(c.includes('personal name=Tobias Lindqvist') && c.includes('phone number=+46 8 123 456 78'), c.join(' | '));
  const psql =
    ' id | customer_name    | iban\n----+------------------+------------------------\n  7 | Margaret Okonkwo | DE44 5001 0517 5407 3249 31\n(1 row)\n';
  const p = vals(psql);
  assert.ok(p.includes('IBAN=DE44 5001 0517 5407 3249 31') && p.includes('IBAN=DE44500105175407324931'), p.join(' | '));
  const md = '| order_id | tracking_number |\n|---|---|\n| ORD-558213 | 1Z999AA10123456784 |\n';
  assert.ok(vals(md).includes('order or reference number=ORD-558213'), vals(md).join(' | '));
  const jsonl = '{"name":"Tobias Lindqvist","phone":"+46 8 123 456 78"}\n{"name":"Margaret Okonkwo","phone":"+1 415 555 0134"}\n';
  assert.ok(vals(jsonl).includes('personal name=Margaret Okonkwo'), vals(jsonl).join(' | '));
});

test('by shape alone: a valid IBAN and a street address anywhere in a text; an invalid IBAN is not', () => {
  const t = vals(
    `Please wire it to ${['GB29', 'NWBK', '6016', '1331', '9268', '19'].join('')} by Friday; ship to 742 Evergreen Terrace. Ref US133000000121212121212.`,
  );
  assert.ok(t.includes('IBAN=GB29NWBK60161331926819'), t.join(' | '));
  assert.ok(t.includes('postal address=742 Evergreen Terrace'), t.join(' | '));
  assert.ok(!t.some((v) => v.includes('US1330')), t.join(' | '));
});

test('ordinary developer output yields no values (commit ids, versions, dates, amounts, package rows)', () => {
  assert.deepEqual(vals({ sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', ref: 'refs/heads/main', order: 3, version: '1.2.3' }), []);
  assert.deepEqual(vals('name,version,license\nleft-pad,1.3.0,MIT\ntsx,4.19.2,MIT\n'), []);
  assert.deepEqual(vals({ account_id: 'acme', balance: 28412.55, transaction_date: '2024-01-02', amount: '12.50' }), []);
});

test('rows are read past the first 1,000 and after JSON lines that name nothing; a bound that stops the reading of personal rows is said', () => {
  const row = (i: number) => ({ full_name: `Ines Takahara`, phone: `+386 41 555 ${String(i).padStart(4, '0')}`, city: 'Ljubljana' });
  const read: RowsRead = { rows: [] };
  structuredValues(JSON.stringify(Array.from({ length: 3000 }, (_, i) => row(i))), read);
  assert.equal(read.rows.length, 3000);
  assert.equal(read.cut, undefined);
  // JSON lines: 100 log lines first, then a customer
  const jl: RowsRead = { rows: [] };
  const log = Array.from({ length: 100 }, (_, i) => JSON.stringify({ level: 'info', msg: `request ${i}` }));
  structuredValues([...log, JSON.stringify(row(7))].join('\n'), jl);
  assert.equal(jl.rows.length, 1);
  // 25,000 objects that name nobody: bounded, and nothing to say
  const plain: RowsRead = { rows: [] };
  structuredValues(JSON.stringify(Array.from({ length: 25_000 }, (_, i) => ({ id: i, status: 'ok' }))), plain);
  assert.equal(plain.cut, undefined);
  // a JSON text too large to parse whose keys name personal fields: cut
  const big: RowsRead = { rows: [] };
  const huge = JSON.stringify(Array.from({ length: 30_000 }, (_, i) => ({ ...row(i), note: 'x'.repeat(40) })));
  assert.ok(huge.length > 2 * 1024 * 1024);
  structuredValues([{ type: 'text', text: huge }], big);
  assert.match(big.cut ?? '', /a JSON text over the 2 MB parsed/);
  // more rows than read per output: cut, naming the bound
  const many: RowsRead = { rows: [] };
  structuredValues(JSON.stringify([row(1), ...Array.from({ length: MAX_ROWS + 10 }, (_, i) => ({ id: i, status: 'ok' }))]), many);
  assert.match(many.cut ?? '', /more than the 20,000 rows read per output/);
});
