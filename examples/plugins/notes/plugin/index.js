// notes:plugin — an example plugin: a to-do list in the plugin's private storage.
// Records (clientdata, one table per calling plugin, here this one):
//   "next"       the next id, as decimal text
//   "ids"        the ids in use, as a JSON array
//   "note:<id>"  a note, as JSON {text, done}
import * as kv from 'clientdata:plugin/keyvalue';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function read(key) {
  const value = kv.get(key);
  return value === undefined ? undefined : JSON.parse(decoder.decode(value));
}

function write(key, value) {
  kv.set(key, encoder.encode(JSON.stringify(value)));
}

function ids() {
  return read('ids') ?? [];
}

function note(id) {
  const n = read(`note:${id}`);
  return n === undefined ? undefined : { id, text: n.text, done: n.done };
}

export const api = {
  add(text) {
    const id = read('next') ?? 1;
    write(`note:${id}`, { text, done: false });
    write('ids', [...ids(), id]);
    write('next', id + 1);
    return id;
  },

  get(id) {
    return note(id);
  },

  listAll() {
    return ids().map(note).filter((n) => n !== undefined);
  },

  // Throwing from a function that returns result<_, E> returns err(E).
  done(id) {
    const n = read(`note:${id}`);
    if (n === undefined) throw `no note ${id}`;
    write(`note:${id}`, { ...n, done: true });
  },

  remove(id) {
    const all = ids();
    if (!all.includes(id)) return false;
    kv.delete(`note:${id}`);
    write('ids', all.filter((x) => x !== id));
    return true;
  },

  clear() {
    const all = ids();
    for (const id of all) kv.delete(`note:${id}`);
    kv.delete('ids');
    return all.length;
  },
};
