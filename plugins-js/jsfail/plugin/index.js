// jsfail:plugin — a test plugin built with stdio on (plugin.json), so the engine prints an uncaught error on stderr.
import { set } from 'clientdata:plugin/keyvalue';

export const api = {
  fail(message) {
    set('last', new TextEncoder().encode(message));
    throw new Error(message);
  },

  say(text) {
    console.error(text);
    return text;
  },
};
