import { toFindingView } from '../../../handlers/shared/finding-view';
import { urgencyOf } from '../../../handlers/shared/urgency';
import { sdkFindings } from '../../support/inspector-findings';

const [GO, CURL, SYSTEMD, ZLIB] = sdkFindings('inspector2-list-findings-packages.json').map((f) => toFindingView(f));

describe('urgencyOf', () => {
  test('one finding with an exploit and a fix', () => {
    expect(urgencyOf([GO], true)).toEqual({ exploitable: 'YES', fixable: 'YES', epss: 0.94418 });
  });

  test('a finding without exploit and without fix, zero EPSS kept', () => {
    expect(urgencyOf([ZLIB], true)).toEqual({ exploitable: 'NO', fixable: 'NO', epss: 0 });
  });

  test('NO only for a complete list: a finding left out may have an exploit or a fix', () => {
    expect(urgencyOf([ZLIB], false)).toEqual({ exploitable: 'UNKNOWN', fixable: 'UNKNOWN', epss: 0 });
    expect(urgencyOf([], true)).toEqual({ exploitable: 'NO', fixable: 'NO' });
    expect(urgencyOf([], false)).toEqual({ exploitable: 'UNKNOWN', fixable: 'UNKNOWN' });
  });

  test('a finding that does not say makes NO unknown', () => {
    expect(urgencyOf([ZLIB, SYSTEMD], true)).toEqual({ exploitable: 'UNKNOWN', fixable: 'UNKNOWN', epss: 0 });
  });

  test('the most urgent finding decides; the highest EPSS is kept', () => {
    expect(urgencyOf([ZLIB, CURL, GO], false)).toEqual({ exploitable: 'YES', fixable: 'YES', epss: 0.94418 });
    const partial = { ...ZLIB, fixAvailable: 'PARTIAL' };
    expect(urgencyOf([ZLIB, partial], true).fixable).toBe('PARTIAL');
  });
});
