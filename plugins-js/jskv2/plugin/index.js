// jskv2:plugin — exercises every function of wasi:keyvalue@0.2.0-draft2 (store, atomics with cas, batch).
// Host errors (the WIT `error` variant) are reported as text: "no-such-store", "access-denied",
// "other: <message>"; a function returning result<_, string> turns a thrown string into err.
import * as store from 'wasi:keyvalue/store@0.2.0-draft2';
import * as atomics from 'wasi:keyvalue/atomics@0.2.0-draft2';
import * as batch from 'wasi:keyvalue/batch@0.2.0-draft2';

const DISPOSE = Symbol.dispose ?? Symbol.for('dispose');

// Known limitation: componentize-js 0.23.0 traps (`unreachable`, inside the guest, before the host
// runs) when an imported function gets a negative s64 argument (ComponentizeJS issue #343; its glue
// applies BigInt.asIntN(64, ..) before a lowering that accepts only u64-range BigInts, so no JS-side
// rewrite helps). `increment` with a negative delta therefore traps in this plugin; negative results
// (a negative stored counter plus a positive delta) are fine.

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

// swap(cas, value) consumes the handle. Returns undefined when it wrote; on cas-failed, drops
// the fresh handle the host gave back and returns { value: its current() } (read first when
// `readFresh`). Store errors are thrown as text.
function swap(cas, value, readFresh) {
  try {
    atomics.swap(cas, value);
    return undefined;
  } catch (e) {
    const p = e?.payload;
    if (p && p.tag === 'cas-failed') {
      const fresh = p.val;
      try {
        return { value: readFresh ? fresh.current() : undefined };
      } finally {
        drop(fresh);
      }
    }
    if (p && p.tag === 'store-error') throw `store-error: ${errorText(p.val)}`;
    throw describe(e);
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

  casCurrent(name, key) {
    return withBucket(name, (b) => {
      const cas = atomics.Cas.new(b, key);
      try {
        return cas.current();
      } finally {
        drop(cas);
      }
    });
  },

  casUpdate(name, key, value) {
    return withBucket(name, (b) => {
      const cas = atomics.Cas.new(b, key);
      return swap(cas, value) === undefined;
    });
  },

  casIncrement(name, key, times) {
    return withBucket(name, (b) => {
      let wrote = 0;
      for (let i = 0; i < times; i++) {
        const cas = atomics.Cas.new(b, key);
        let now;
        try {
          now = cas.current();
        } catch (e) {
          drop(cas);
          throw e;
        }
        const n = now === undefined ? 0 : Number(new TextDecoder().decode(now));
        if (swap(cas, new TextEncoder().encode(String(n + 1))) === undefined) wrote++;
      }
      return wrote;
    });
  },

  casConflict(name, key, interloper, value) {
    return withBucket(name, (b) => {
      const cas = atomics.Cas.new(b, key);
      let snapshot;
      try {
        snapshot = cas.current();
      } catch (e) {
        drop(cas);
        throw e;
      }
      b.set(key, interloper);
      const fresh = swap(cas, value, true);
      return [snapshot, fresh === undefined, fresh === undefined ? undefined : fresh.value];
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
