/** --tokens: lists and ranges, a range always bringing the baseline. */
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { tokenListArg } from '../src/cli/args';

describe('--tokens', () => {
  it('takes a list as given', () => {
    expect(tokenListArg('0,3,5,7')).toEqual([0, 3, 5, 7]);
    expect(tokenListArg('4')).toEqual([4]);
  });

  it('expands ranges and adds the baseline a range implies', () => {
    expect(tokenListArg('1-8')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(tokenListArg('0,2-6')).toEqual([0, 2, 3, 4, 5, 6]);
    expect(tokenListArg(' 0 , 2 - 4 ,7')).toEqual([0, 2, 3, 4, 7]);
  });

  it('refuses backwards, too large and overlapping ranges, naming the fix', () => {
    expect(() => tokenListArg('8-1')).toThrow(InvalidArgumentError);
    expect(() => tokenListArg('8-1')).toThrow(/low-high/);
    expect(() => tokenListArg('1-40')).toThrow(/0 to 32/);
    expect(() => tokenListArg('0,2-6,4')).toThrow(/only once/);
    expect(() => tokenListArg('a-b')).toThrow(/range like 1-8/);
  });
});
