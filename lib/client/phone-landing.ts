/**
 * Phones land on the agents view (what people check from a phone): the first page of Tether a
 * browser tab shows, when it is `/` on a narrow screen, is replaced by `/agents`. From then on
 * `/` is the workspaces list in that tab — the navigation's "Workspaces" link works on a phone —
 * and `/?home=1` always is (bookmarks, tests).
 */
const VISITED_KEY = 'tether.visited';
export const PHONE_QUERY = '(max-width: 700px)';

/** Remember that this tab has shown a Tether page. */
export function markVisited(): void {
  try {
    sessionStorage.setItem(VISITED_KEY, '1');
  } catch {
    // storage refused (private mode): phones then always land on /agents from a fresh `/`.
  }
}

function visited(): boolean {
  try {
    return sessionStorage.getItem(VISITED_KEY) === '1';
  } catch {
    return false;
  }
}

/** Whether the home page, just opened, should give way to /agents. Marks the tab visited. */
export function landOnAgents(): boolean {
  const go = window.matchMedia(PHONE_QUERY).matches && !new URLSearchParams(window.location.search).has('home') && !visited();
  markVisited();
  return go;
}
