import { describe, expect, it } from 'vitest';
import { formatBytes, formatDetails, formatTable } from '../src/output.js';
import { Progress } from '../src/progress.js';
import { Capture } from './support/cli-harness.js';

describe('formatTable', () => {
  it('aligns columns under capital headers without trailing blanks', () => {
    const rows = [
      { id: 'a', name: 'first', note: '' },
      { id: 'longer-id', name: 'x', note: 'tab\there' },
    ];
    const text = formatTable(
      [
        { header: 'id', value: (r: (typeof rows)[number]) => r.id },
        { header: 'name', value: (r: (typeof rows)[number]) => r.name },
        { header: 'note', value: (r: (typeof rows)[number]) => r.note },
      ],
      rows,
    );
    expect(text).toBe(
      ['ID         NAME   NOTE', 'a          first', 'longer-id  x      tab\\there', ''].join('\n'),
    );
  });

  it('aligns detail labels', () => {
    expect(
      formatDetails([
        ['id', 'x'],
        ['created', 'now'],
      ]),
    ).toBe('id       x\ncreated  now\n');
  });
});

describe('Progress', () => {
  it('prints nothing on a non-terminal within the first two seconds', () => {
    const stderr = new Capture();
    const progress = new Progress(stderr, {
      unit: 'bytes',
      total: 2048,
      label: 'uploading x',
      enabled: true,
    });
    progress.advance(1024);
    progress.finish();
    expect(stderr.text).toBe('');
    expect(progress.line()).toMatch(/^uploading x {2} 50\.0% {2}1\.0 KiB \/ 2\.0 KiB {2}\S+ \S+\/s$/);
  });

  it('counts rows without a total', () => {
    const progress = new Progress(new Capture(), { unit: 'rows', label: 'exporting', enabled: false });
    progress.advance(1500);
    expect(progress.done).toBe(1500);
    expect(progress.line()).toMatch(/^exporting {2}1,500 {2}/);
  });

  it('shows sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB');
  });
});
