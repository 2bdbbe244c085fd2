// settings:plugin — an example plugin: settings, counters and a theme in the plugin's private storage.
// Records (clientdata): "set:<name>" (UTF-8 text), "count:<name>" (decimal text), "theme" (UTF-8 text).
import * as kv from 'clientdata:plugin/keyvalue';
import { getSender, getReceiver, getActiveApp } from 'host:client/api';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function text(key) {
  const value = kv.get(key);
  return value === undefined ? undefined : decoder.decode(value);
}

export const api = {
  set(name, value) {
    kv.set(`set:${name}`, encoder.encode(value));
  },

  get(name) {
    return text(`set:${name}`);
  },

  unset(name) {
    kv.delete(`set:${name}`);
  },

  increment(name, by) {
    // s64 arrives as a BigInt.
    const value = BigInt(text(`count:${name}`) ?? '0') + by;
    kv.set(`count:${name}`, encoder.encode(value.toString()));
    // Known limitation: componentize-js 0.23 traps when it returns a negative s64 (the write above has happened).
    return value;
  },

  setTheme(theme) {
    kv.set('theme', encoder.encode(theme));
  },

  getTheme() {
    return text('theme') ?? 'system';
  },

  whoami() {
    return [getSender(), getReceiver(), getActiveApp()];
  },
};
