// jskv1:both — service jskv1's records through wasi:keyvalue@0.2.0-draft2 and host:db/store.
import * as kv from 'wasi:keyvalue/store@0.2.0-draft2';
import * as db from 'host:db/store';

const DISPOSE = Symbol.dispose ?? Symbol.for('dispose');
const drop = (r) => (r[DISPOSE] ?? r[Symbol.for('dispose')]).call(r);

function describe(e) {
  const p = e?.payload;
  if (p && typeof p === 'object' && typeof p.tag === 'string') return p.tag === 'other' ? `other: ${p.val}` : p.tag;
  return `unexpected: ${e?.message ?? String(e)}`;
}

function withKv(name, fn) {
  let bucket;
  try {
    bucket = kv.open(name);
    return fn(bucket);
  } catch (e) {
    throw describe(e);
  } finally {
    if (bucket) drop(bucket);
  }
}

function withDb(name, fn) {
  const bucket = new db.Bucket({ mode: 'non-transactional', duration: 'persistent' }, name);
  try {
    return fn(bucket);
  } finally {
    drop(bucket);
  }
}

export const api = {
  kv2Set(name, key, value) {
    withKv(name, (b) => b.set(key, value));
  },
  kv2Get(name, key) {
    return withKv(name, (b) => b.get(key));
  },
  dbSet(name, key, value) {
    withDb(name, (b) => b.set(key, value));
  },
  dbGet(name, key) {
    return withDb(name, (b) => b.get(key));
  },
};
