// Reading the API again, coalesced: never two reads of a kind at once, and one asked for while
// another runs makes that one run once more. A failed read is announced, unless the session has
// ended (the API has sent the console to the login page then).

import { ApiError } from "./agent_api.js";
import { announce, failureText } from "./agent_status.js";

export function coalesced(work) {
  let running = null;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await work();
        } catch (failure) {
          if (!(failure instanceof ApiError && failure.status === 401)) {
            announce(failureText(failure));
          }
        }
      } while (again);
    })();
    try {
      await running;
    } finally {
      running = null;
    }
  };
  return run;
}
