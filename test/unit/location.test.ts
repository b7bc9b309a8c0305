import { describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/errors.js';
import { isOciLocation, parseLocation, type LocationKind } from '../../lib/location.js';

const parse = (text: string, accept?: readonly LocationKind[]) =>
  parseLocation(text, { flag: '--to', cwd: '/work/repo', ...(accept ? { accept } : {}) });

describe('parseLocation', () => {
  it('dir: resolves relative paths from the working directory', () => {
    expect(parse('dir:out/site')).toEqual({
      kind: 'dir',
      spec: 'dir:out/site',
      path: '/work/repo/out/site',
    });
    expect(parse('dir:/srv/tuf')).toMatchObject({ kind: 'dir', path: '/srv/tuf' });
  });

  it('http(s): keeps the URL, with one trailing slash', () => {
    expect(parse('https://example.com/tuf')).toEqual({
      kind: 'http',
      spec: 'https://example.com/tuf',
      url: 'https://example.com/tuf/',
    });
    expect(parse('http://127.0.0.1:8080/')).toMatchObject({ url: 'http://127.0.0.1:8080/' });
  });

  it('oci: a registry host and repository', () => {
    const loc = parse('oci://127.0.0.1:5000/acme/tuf');
    expect(loc).toEqual({
      kind: 'oci',
      spec: 'oci://127.0.0.1:5000/acme/tuf',
      reference: '127.0.0.1:5000/acme/tuf',
      host: '127.0.0.1:5000',
      repository: 'acme/tuf',
    });
    expect(isOciLocation(loc)).toBe(true);
  });

  it('oci-layout: a layout directory', () => {
    const loc = parse('oci-layout:./layout');
    expect(loc).toEqual({
      kind: 'oci-layout',
      spec: 'oci-layout:./layout',
      dir: '/work/repo/layout',
    });
    expect(isOciLocation(loc)).toBe(true);
    expect(isOciLocation(parse('dir:x'))).toBe(false);
  });

  const refused: [string, RegExp][] = [
    [
      '',
      /^--to "": unknown location \(use dir:PATH, http\(s\):\/\/URL, oci:\/\/HOST\/REPO, oci-layout:DIR\)$/,
    ],
    ['ftp://host/x', /^--to "ftp:\/\/host\/x": unknown location/],
    ['./site', /^--to "\.\/site": unknown location/],
    ['dir:', /^--to "dir:": name a directory after dir:$/],
    ['oci-layout:', /^--to "oci-layout:": name a directory after oci-layout:$/],
    ['https://', /^--to "https:\/\/": not a valid URL$/],
    ['oci://127.0.0.1:5000/acme/tuf:v1', /without a tag or digest/],
    [`oci://127.0.0.1:5000/acme/tuf@sha256:${'a'.repeat(64)}`, /without a tag or digest/],
    ['oci://acme/tuf', /^--to "oci:\/\/acme\/tuf": .*not a registry host/],
    ['oci://127.0.0.1:5000', /^--to "oci:\/\/127\.0\.0\.1:5000": .*HOST\/REPOSITORY/],
    ['oci://127.0.0.1:5000/Acme/tuf', /not a valid repository name/],
    [`oci://127.0.0.1:5000/${'a'.repeat(250)}`, /too long for its \/targets repository/],
  ];
  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text)} naming the flag`, () => {
      expect(() => parse(text)).toThrow(UsageError);
      expect(() => parse(text)).toThrow(message);
    });
  }

  it('refuses a kind the caller does not accept, listing those it does', () => {
    expect(() => parse('https://example.com/tuf', ['dir', 'oci', 'oci-layout'])).toThrow(
      '--to "https://example.com/tuf": http(s)://URL is not accepted here (use dir:PATH, oci://HOST/REPO, oci-layout:DIR)',
    );
    expect(() =>
      parseLocation('dir:x', { flag: 'oci-destination', cwd: '/', accept: ['oci', 'oci-layout'] }),
    ).toThrow(/^oci-destination "dir:x": dir:PATH is not accepted here/);
  });
});
