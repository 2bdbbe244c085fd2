// jsdb:plugin — exercises psibase's host:db/store: buckets in the six mode x duration databases.
import * as store from 'host:db/store';

const DISPOSE = Symbol.dispose ?? Symbol.for('dispose');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function drop(resource) {
  const dispose = resource[DISPOSE] ?? resource[Symbol.for('dispose')];
  if (typeof dispose !== 'function') throw new Error('the resource has no dispose method');
  dispose.call(resource);
}

function withBucket(mode, duration, name, fn) {
  const bucket = new store.Bucket({ mode, duration }, name);
  try {
    return fn(bucket);
  } finally {
    drop(bucket);
  }
}

const MODES = ['non-transactional', 'transactional'];
const DURATIONS = ['persistent', 'session', 'ephemeral'];
const DATABASES = MODES.flatMap((mode) => DURATIONS.map((duration) => ({ mode, duration })));
const label = (db) => `${db.mode}/${db.duration}`;
const text = (v) => (v === undefined ? 'none' : JSON.stringify(decoder.decode(v)));

function scenario(name, step) {
  const problems = [];
  const expect = (db, what, actual, expected) => {
    if (actual !== expected) problems.push(`${label(db)}: ${what} is ${actual}, expected ${expected}`);
  };
  const trx = (db) => db.mode === 'transactional';
  const kept = (db) => db.duration !== 'ephemeral';
  for (const db of DATABASES) {
    withBucket(db.mode, db.duration, name, (b) => {
      switch (step) {
        case 1: {
          // get/set/exists/delete on every bucket, leave "leftover", then fail.
          expect(db, 'get("k") before set', text(b.get('k')), 'none');
          expect(db, 'exists("k") before set', b.exists('k'), false);
          b.set('k', encoder.encode('v1'));
          expect(db, 'get("k") after set', text(b.get('k')), '"v1"');
          expect(db, 'exists("k") after set', b.exists('k'), true);
          b.set('k', encoder.encode('v2'));
          expect(db, 'get("k") after overwrite', text(b.get('k')), '"v2"');
          b.delete('k');
          expect(db, 'get("k") after delete', text(b.get('k')), 'none');
          expect(db, 'exists("k") after delete', b.exists('k'), false);
          b.set('leftover', encoder.encode('leftover'));
          break;
        }
        case 2: {
          // Only non-transactional persistent and session leftovers survived the failure.
          const survives = !trx(db) && kept(db);
          expect(db, 'get("leftover")', text(b.get('leftover')), survives ? '"leftover"' : 'none');
          expect(db, 'exists("leftover")', b.exists('leftover'), survives);
          b.delete('leftover');
          b.set('leftover2', encoder.encode('leftover2'));
          break;
        }
        case 3: {
          // Everything but ephemeral kept "leftover2" (step 2 succeeded); delete it everywhere, then fail.
          expect(db, 'get("leftover2")', text(b.get('leftover2')), kept(db) ? '"leftover2"' : 'none');
          expect(db, 'get("leftover")', text(b.get('leftover')), 'none');
          b.delete('leftover2');
          expect(db, 'get("leftover2") after delete', text(b.get('leftover2')), 'none');
          break;
        }
        case 4: {
          // The transactional deletes of step 3 were rolled back; the non-transactional ones were not.
          const back = trx(db) && kept(db);
          expect(db, 'get("leftover2")', text(b.get('leftover2')), back ? '"leftover2"' : 'none');
          b.delete('leftover2');
          break;
        }
        default:
          problems.push(`no step ${step}`);
      }
    });
  }
  if (problems.length) throw `step ${step}: ${problems.join('; ')}`;
  if (step === 1 || step === 3) throw `step ${step} fails on purpose`;
}

export const api = {
  set(mode, duration, name, key, value) {
    withBucket(mode, duration, name, (b) => b.set(key, value));
  },

  get(mode, duration, name, key) {
    return withBucket(mode, duration, name, (b) => b.get(key));
  },

  exists(mode, duration, name, key) {
    return withBucket(mode, duration, name, (b) => b.exists(key));
  },

  delete(mode, duration, name, key) {
    withBucket(mode, duration, name, (b) => b.delete(key));
  },

  setThenFail(mode, duration, name, key, value) {
    withBucket(mode, duration, name, (b) => b.set(key, value));
    throw `set-then-fail: '${key}' was written, then the call failed`;
  },

  setThenThrow(mode, duration, name, key, value) {
    withBucket(mode, duration, name, (b) => b.set(key, value));
    throw new Error(`set-then-throw: '${key}' was written, then the call trapped`);
  },

  writeThenReadTrx(name, key, value) {
    withBucket('transactional', 'persistent', name, (b) => b.set(key, value));
    return withBucket('transactional', 'persistent', name, (b) => b.get(key));
  },

  flush() {
    store.flushTransactionalData();
  },

  clear() {
    store.clearBuffers();
  },

  scenario(name, step) {
    scenario(name, step);
  },
};
