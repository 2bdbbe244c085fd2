// jsclient:plugin — a test plugin that reports host:client/api's view of the call.
import { getSender, getReceiver, getActiveApp, getAppUrl } from 'host:client/api';

export const api = {
  whoami() {
    return JSON.stringify({
      sender: getSender(),
      receiver: getReceiver(),
      activeApp: getActiveApp(),
    });
  },

  appUrl(app) {
    return getAppUrl(app);
  },
};
