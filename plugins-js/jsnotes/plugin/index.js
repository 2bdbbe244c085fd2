// jsnotes:plugin — a test plugin that keeps notes through clientdata:plugin/keyvalue.
import * as kv from 'clientdata:plugin/keyvalue';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const api = {
  put(key, value) {
    kv.set(key, value);
  },

  fetch(key) {
    return kv.get(key);
  },

  remove(key) {
    kv.delete(key);
  },

  putText(key, text) {
    kv.set(key, encoder.encode(text));
  },

  getText(key) {
    const value = kv.get(key);
    return value === undefined ? undefined : decoder.decode(value);
  },

  // Throwing from a function that returns result<_, E> returns err(E).
  failAfterPut(key, value) {
    kv.set(key, value);
    throw `fail-after-put: '${key}' was written, then the call failed`;
  },

  // Throwing from a function without a result type traps.
  trapAfterPut(key, value) {
    kv.set(key, value);
    throw new Error(`trap-after-put: '${key}' was written, then the call trapped`);
  },

  benchSet(count, size) {
    const value = new Uint8Array(size);
    for (let i = 0; i < count; i++) {
      if (size > 0) value[0] = i & 0xff;
      kv.set(`k${i}`, value);
    }
    return count;
  },

  benchGet(count) {
    let total = 0;
    for (let i = 0; i < count; i++) {
      const value = kv.get(`k${i}`);
      if (value !== undefined) total += value.length;
    }
    return total >>> 0;
  },
};
