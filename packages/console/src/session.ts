// The API key lives in this tab's sessionStorage, never in localStorage or a cookie: it
// survives a reload of the tab, is not shared with other tabs, and goes when the tab closes.
const SLOT = 'fleetport.apiKey';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(SLOT);
  } catch {
    return null;
  }
}

export function rememberKey(key: string): void {
  try {
    sessionStorage.setItem(SLOT, key);
  } catch {
    // Storage refused (private mode): the key stays in memory for this page only.
  }
}

export function forgetKey(): void {
  try {
    sessionStorage.removeItem(SLOT);
  } catch {
    // nothing stored
  }
}
