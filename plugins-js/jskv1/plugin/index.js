// jskv1:plugin — exercises every function of wasi:keyvalue@0.2.0-draft (store, atomics, batch).
// Host errors (the WIT `error` variant) are reported as text: "no-such-store", "access-denied",
// "other: <message>"; a function returning result<_, string> turns a thrown string into err.
import * as store from 'wasi:keyvalue/store@0.2.0-draft';
import * as atomics from 'wasi:keyvalue/atomics@0.2.0-draft';
import * as batch from 'wasi:keyvalue/batch@0.2.0-draft';

const DISPOSE = Symbol.dispose ?? Symbol.for('dispose');

function errorText(p) {
  if (p && typeof p === 'object' && typeof p.tag === 'string') {
    return p.tag === 'other' ? `other: ${p.val}` : p.tag;
  }
  return `unexpected error value: ${String(p)}`;
}

// An exception from an import returning result<_, error> carries the error in `payload`.
function describe(e) {
  if (typeof e === 'string') return e;
  if (e && e.payload !== undefined) return errorText(e.payload);
  return `unexpected: ${e?.message ?? String(e)}`;
}

function drop(resource) {
  const dispose = resource[DISPOSE] ?? resource[Symbol.for('dispose')];
  if (typeof dispose !== 'function') throw 'unexpected: the resource has no dispose method';
  dispose.call(resource);
}

// Runs fn on a freshly opened bucket, drops the handle afterwards, and turns host errors into text.
function withBucket(name, fn) {
  let bucket;
  try {
    bucket = store.open(name);
  } catch (e) {
    throw describe(e);
  }
  try {
    return fn(bucket);
  } catch (e) {
    throw describe(e);
  } finally {
    drop(bucket);
  }
}

function listAll(bucket, between) {
  const pages = [];
  let cursor = undefined;
  for (;;) {
    const page = bucket.listKeys(cursor);
    pages.push(page.keys);
    if (pages.length === 1 && between) between(bucket);
    if (page.cursor === undefined) return pages;
    cursor = page.cursor;
    if (pages.length > 100000) throw 'unexpected: more than 100000 pages';
  }
}

export const api = {
  set(name, key, value) {
    withBucket(name, (b) => b.set(key, value));
  },

  get(name, key) {
    return withBucket(name, (b) => b.get(key));
  },

  delete(name, key) {
    withBucket(name, (b) => b.delete(key));
  },

  exists(name, key) {
    return withBucket(name, (b) => b.exists(key));
  },

  listPage(name, cursor) {
    return withBucket(name, (b) => {
      const page = b.listKeys(cursor);
      return [page.keys, page.cursor];
    });
  },

  listAll(name) {
    return withBucket(name, (b) => listAll(b));
  },

  listAllMutating(name, add, remove) {
    return withBucket(name, (b) =>
      listAll(b, (bucket) => {
        for (const k of add) bucket.set(k, new Uint8Array([1]));
        for (const k of remove) bucket.delete(k);
      }),
    );
  },

  cursorOnOtherHandle(name, dropFirst) {
    let a;
    try {
      a = store.open(name);
    } catch (e) {
      throw describe(e);
    }
    let cursor;
    try {
      cursor = a.listKeys(undefined).cursor;
    } catch (e) {
      drop(a);
      throw describe(e);
    }
    if (cursor === undefined) {
      drop(a);
      throw 'unexpected: the first page had no cursor (the bucket needs more than one page of keys)';
    }
    if (dropFirst) drop(a);
    try {
      return withBucket(name, (b) => {
        let page;
        try {
          page = b.listKeys(cursor);
        } catch (e) {
          return describe(e);
        }
        throw `accepted: cursor ${cursor} of another handle gave ${page.keys.length} keys`;
      });
    } finally {
      if (!dropFirst) drop(a);
    }
  },

  increment(name, key, delta) {
    return withBucket(name, (b) => atomics.increment(b, key, delta));
  },

  incrementN(name, key, delta, times) {
    return withBucket(name, (b) => {
      let last = 0n;
      for (let i = 0; i < times; i++) last = atomics.increment(b, key, delta);
      return last;
    });
  },

  getMany(name, keys) {
    return withBucket(name, (b) => batch.getMany(b, keys));
  },

  setMany(name, keyValues) {
    withBucket(name, (b) => batch.setMany(b, keyValues));
  },

  deleteMany(name, keys) {
    withBucket(name, (b) => batch.deleteMany(b, keys));
  },

  openMany(count) {
    const open = [];
    let error = undefined;
    try {
      for (let i = 0; i < count; i++) {
        try {
          open.push(store.open(`b${i}`));
        } catch (e) {
          error = describe(e);
          break;
        }
      }
      return [open.length, error];
    } finally {
      for (const b of open) drop(b);
    }
  },

  openDropLoop(count) {
    for (let i = 0; i < count; i++) {
      withBucket('loop', (b) => b.set('n', new TextEncoder().encode(String(i))));
    }
    return count;
  },
};
