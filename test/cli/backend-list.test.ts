// The --comfy / COMFYUI_URL backend list: URLs, with per-URL options after `#`.
import assert from 'node:assert/strict';
import { parseBackendList } from '../../plugin/cli/backend-list.js';
import { UsageError } from '../../plugin/cli/args.js';

describe('backend list (--comfy, COMFYUI_URL)', () => {
  it('keeps the plain comma-separated URLs as before: comfy-1, comfy-2, weight 1, no burst', () => {
    assert.deepEqual(parseBackendList('http://gpu:8188, http://burst:8188'), [
      { name: 'comfy-1', url: 'http://gpu:8188', weight: 1, burst: false },
      { name: 'comfy-2', url: 'http://burst:8188', weight: 1, burst: false },
    ]);
    assert.deepEqual(parseBackendList(''), []);
  });

  it('reads burst, weight and name after #, up to the next URL', () => {
    assert.deepEqual(parseBackendList('http://gpu:8188,http://cloud:8188#burst,weight=2,name=cloud,https://other:443/x#weight=0.5'), [
      { name: 'comfy-1', url: 'http://gpu:8188', weight: 1, burst: false },
      { name: 'cloud', url: 'http://cloud:8188', weight: 2, burst: true },
      { name: 'comfy-3', url: 'https://other:443/x', weight: 0.5, burst: false },
    ]);
    assert.deepEqual(parseBackendList('http://a:1#'), [{ name: 'comfy-1', url: 'http://a:1', weight: 1, burst: false }]);
  });

  it('refuses what it does not understand, naming the source and the part', () => {
    const refuses = (list: string, pattern: RegExp) =>
      assert.throws(() => parseBackendList(list, 'COMFYUI_URL'), (e: unknown) => e instanceof UsageError && pattern.test(e.message));
    refuses('http://a:1#brust', /^COMFYUI_URL: "brust" \(after http:\/\/a:1\) is not a backend option/);
    refuses('http://a:1#weight=0', /"weight=0"/);
    refuses('http://a:1#weight=two', /"weight=two"/);
    refuses('http://a:1,weight=2', /"weight=2" is not an http\(s\) URL.*after #/);
    refuses('gpu:8188', /"gpu:8188" is not an http\(s\) URL/);
    refuses('http://a:1#name=x,http://b:1#name=x', /two backends are named "x"/);
  });
});
