/**
 * How many calls one node runs at once: the site's limit, or the node's own when set and smaller.
 */
import { nodeCallLimit } from '../../src/domain/policy';

describe('nodeCallLimit', () => {
  it('is globalConcurrent when the node has no limit of its own (0 or absent)', () => {
    expect(nodeCallLimit({ globalConcurrent: 10, perNodeConcurrent: 0 })).toBe(10);
    expect(nodeCallLimit({ globalConcurrent: 10 })).toBe(10);
  });

  it('is the smaller of the two otherwise', () => {
    expect(nodeCallLimit({ globalConcurrent: 100, perNodeConcurrent: 5 })).toBe(5);
    expect(nodeCallLimit({ globalConcurrent: 3, perNodeConcurrent: 5 })).toBe(3);
  });
});
