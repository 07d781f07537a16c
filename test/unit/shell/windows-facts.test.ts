// The Windows floor judged from what the preflight read: each version below it is named with
// what was found and what is needed; a value that could not be read refuses too.
import { describe, expect, it } from 'vitest';
import {
  WINDOWS_FLOOR,
  belowWindowsFloor,
  parseWindowsFacts,
} from '../../../src/shell/windows-facts.js';

const SERVER_2019 = { psVersion: '5.1.17763.1', netRelease: 528049, build: 17763 };

describe('the Windows facts line', () => {
  it('reads the PowerShell version, the .NET Release and the OS build among other output', () => {
    const out = 'warming up\ncertroll-facts ps=5.1.14393.693 net=394806 build=14393\r\nrest\n';
    expect(parseWindowsFacts(out)).toEqual({
      psVersion: '5.1.14393.693',
      netRelease: 394806,
      build: 14393,
    });
  });

  it('leaves out what the host could not read, and is undefined without the line', () => {
    expect(parseWindowsFacts('certroll-facts ps=4.0 net= build=\n')).toEqual({ psVersion: '4.0' });
    expect(parseWindowsFacts('nothing here\n')).toBeUndefined();
  });
});

describe('the Windows floor', () => {
  it('accepts Server 2012 R2 with WMF 5.1 and .NET 4.6.2, and PowerShell 7', () => {
    expect(
      belowWindowsFloor({ psVersion: '5.1.14409.1018', netRelease: 394806, build: 9600 }),
    ).toEqual([]);
    expect(belowWindowsFloor({ ...SERVER_2019, psVersion: '7.6.10' })).toEqual([]);
    expect(belowWindowsFloor({ ...SERVER_2019, netRelease: WINDOWS_FLOOR.netRelease })).toEqual([]);
  });

  it('names each version below the floor with what was found and the floor', () => {
    expect(belowWindowsFloor({ psVersion: '4.0', netRelease: 379893, build: 9200 })).toEqual([
      'PowerShell 4.0 found; certroll needs Windows PowerShell 5.1 or later',
      '.NET Framework 4.5.2 (Release 379893) found; certroll needs .NET Framework 4.6.2 (Release 394802) or later',
      'OS build 9200 found; certroll needs Windows Server 2012 R2 (build 9600) or later',
    ]);
    expect(belowWindowsFloor({ ...SERVER_2019, psVersion: '5.0.10586.117' })).toHaveLength(1);
  });

  it('refuses what it could not read rather than guess', () => {
    const problems = belowWindowsFloor({ psVersion: '5.1.17763.1' });
    expect(problems).toEqual([
      expect.stringMatching(
        /^\.NET Framework 4\.5 or later not found \(no Release value under HKLM:/,
      ),
      expect.stringMatching(/^OS build \(not readable through Win32_OperatingSystem\) found/),
    ]);
  });
});
