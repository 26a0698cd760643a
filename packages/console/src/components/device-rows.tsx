import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Device } from '../types.js';
import { Link } from './link.js';

/** Each row is this tall, so that only the rows in view are rendered, whatever the fleet's size. */
export const ROW_HEIGHT = 48;
const OVERSCAN = 8;

export interface DeviceRowsProps {
  readonly devices: readonly Device[];
  /** Whether every device is loaded (the set size is unknown until then). */
  readonly complete: boolean;
  /** Asked for when the view nears the end of what is loaded. */
  readonly onNearEnd: () => void;
}

/**
 * The device list, virtualised: a scrolling box as tall as every row, holding only the rows
 * in view. Arrow keys, Page Up/Down, Home and End move between rows.
 */
export function DeviceRows({ devices, complete, onNearEnd }: DeviceRowsProps) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [focusIndex, setFocusIndex] = useState<number | null>(null);

  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    const onScroll = () => setScrollTop(element.scrollTop);
    // Keys and focus reach the box from its links (the rows), which are what is interactive.
    const onFocus = (event: FocusEvent) => {
      const index = Number((event.target as HTMLElement).dataset.index ?? Number.NaN);
      if (Number.isInteger(index)) setFocusIndex(index);
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    element.addEventListener('focusin', onFocus);
    return () => {
      observer.disconnect();
      element.removeEventListener('scroll', onScroll);
      element.removeEventListener('focusin', onFocus);
    };
  }, []);

  // The key handler reads this render's rows and sizes.
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    element.addEventListener('keydown', move);
    return () => element.removeEventListener('keydown', move);
  });

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(devices.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);

  useEffect(() => {
    if (last >= devices.length - OVERSCAN * 4) onNearEnd();
  }, [last, devices.length, onNearEnd]);

  // Focus follows the keyboard once the row it moved to is rendered.
  useEffect(() => {
    if (focusIndex === null) return;
    box.current?.querySelector<HTMLElement>(`[data-index="${focusIndex}"]`)?.focus();
  });

  function move(event: KeyboardEvent) {
    const target = event.target as HTMLElement;
    const current = Number(target.dataset.index ?? Number.NaN);
    if (!Number.isInteger(current)) return;
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const steps: Readonly<Record<string, number>> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: -current,
      End: devices.length - 1 - current,
    };
    const step = steps[event.key];
    if (step === undefined) return;
    event.preventDefault();
    const next = Math.min(devices.length - 1, Math.max(0, current + step));
    const element = box.current;
    if (element) {
      const top = next * ROW_HEIGHT;
      if (top < element.scrollTop) element.scrollTop = top;
      else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight)
        element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
      setScrollTop(element.scrollTop);
    }
    setFocusIndex(next);
  }

  // One row is in the tab order (the last one focused, while it is rendered).
  const tabbable = focusIndex !== null && focusIndex >= first && focusIndex < last ? focusIndex : first;
  const rows = [];
  for (let index = first; index < last; index += 1) {
    const device = devices[index];
    if (!device) continue;
    const tags = Object.entries(device.tags)
      .map(([key, value]) => (value === '' ? key : `${key}=${value}`))
      .join(' ');
    rows.push(
      <li
        key={device.id}
        class="device-row"
        aria-setsize={complete ? devices.length : -1}
        aria-posinset={index + 1}
        style={{ top: `${index * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` }}
      >
        <Link
          class="row-link"
          href={`/devices/${encodeURIComponent(device.id)}`}
          data-index={index}
          tabIndex={index === tabbable ? 0 : -1}
        >
          <span class="device-id">{device.id}</span>
          <span class="device-name">{device.name}</span>
          <span class="device-type">{device.typeId}</span>
          <span class="device-tags">{tags}</span>
        </Link>
      </li>,
    );
  }

  return (
    <div class="rows" ref={box}>
      <ul aria-label="Devices" style={{ height: `${devices.length * ROW_HEIGHT}px` }}>
        {rows}
      </ul>
    </div>
  );
}
