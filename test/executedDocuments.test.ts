import { parse } from 'graphql';

import { createExecutedDocuments } from '../src/graphql/executedDocuments';

describe("Apollo's bounded cache of executed documents", () => {
  it('holds at most its entries and characters, counting the source each document keeps', async () => {
    const bounds = { maxEntries: 50, maxChars: 200_000 };
    const { store, stats } = createExecutedDocuments(bounds);
    for (let index = 0; index < 400; index += 1) {
      // Small ASTs with large sources (a long comment): the size Apollo's own cache misses.
      const source = `# ${'x'.repeat(20_000)}\nmutation m${index} { browserToken(hirerId: "h", scope: "s") { accessToken } }`;
      await store.set(`schema:${index}`, parse(source));
      expect(stats().chars).toBeLessThanOrEqual(bounds.maxChars);
    }
    expect(stats().entries).toBeLessThanOrEqual(9);
    for (let index = 0; index < 400; index += 1)
      await store.set(`small:${index}`, parse(`{ __typename }`));
    expect(stats().entries).toBe(bounds.maxEntries);
    expect(await store.get('small:399')).toBeDefined();
    expect(await store.get('small:0')).toBeUndefined();
  });
});
