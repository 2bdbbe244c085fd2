// jsdbold:plugin — psibase's older host:common/store: open a bucket, set, get.
import * as store from 'host:common/store';

const DISPOSE = Symbol.dispose ?? Symbol.for('dispose');

function withBucket(mode, duration, name, fn) {
  const bucket = new store.Bucket({ mode, duration }, name);
  try {
    return fn(bucket);
  } finally {
    (bucket[DISPOSE] ?? bucket[Symbol.for('dispose')]).call(bucket);
  }
}

export const api = {
  set(mode, duration, name, key, value) {
    withBucket(mode, duration, name, (b) => b.set(key, value));
  },

  get(mode, duration, name, key) {
    return withBucket(mode, duration, name, (b) => b.get(key));
  },
};
