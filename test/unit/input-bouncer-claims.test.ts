import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { assessTask } from '../../extension/src/core/bounce/input/index';
import { analyzeTaskText } from '../../extension/src/core/bounce/input/analyze';

// Docstrings written for these tests (not taken from the data the weights were fitted on). Each rule in
// `claims.ts` gets a consistent docstring (no contradiction) and one whose example breaks the claim.

function kinds(text: string): string[] {
  return analyzeTaskText(text).findings.contradictions.map((contradiction) => contradiction.kind);
}

function messages(text: string): string[] {
  return analyzeTaskText(text).findings.contradictions.map((contradiction) => contradiction.message);
}

const IS_MIRROR = `
def is_mirror(word: str):
    """Checks if given string is a palindrome.
    >>> is_mirror('level')
    True
    >>> is_mirror('levels')
    False
    """
`;

const LENGTH_IS_PRIME = `
def odd_sized(text):
    """Write a function that takes a string and returns True if the string length is a prime number or False otherwise.
    odd_sized('abc') == True
    odd_sized('abcd') == False
    """
`;

void test('a yes/no property of the argument: the examples must agree with "True if … is a palindrome / prime"', () => {
  assert.deepEqual(kinds(IS_MIRROR), []);
  assert.deepEqual(kinds(LENGTH_IS_PRIME), []);
  const wrongMirror = IS_MIRROR.replace("is_mirror('levels')\n    False", "is_mirror('levels')\n    True");
  assert.deepEqual(kinds(wrongMirror), ['predicate']);
  assert.match(messages(wrongMirror)[0], /`is_mirror\('levels'\)` is said to return True, yet 'levels' is not a palindrome, but the text says "Checks if given string is a palindrome\."/);
  const wrongLength = LENGTH_IS_PRIME.replace("odd_sized('abc') == True", "odd_sized('abc') == False");
  assert.deepEqual(kinds(wrongLength), ['predicate']);
  assert.match(messages(wrongLength)[0], /its length \(3\) is prime/);
  // A property of something other than the argument is not checked.
  const other = wrongMirror.replace('Checks if given string is a palindrome.', 'Checks if the reversed first half of the string is a palindrome.');
  assert.deepEqual(kinds(other), []);
});

const COUNT_CAPITALS = `
def count_capitals(s):
    """Given a string s, count the number of uppercase letters that follow a space.
    count_capitals('a Bc De') returns 2
    count_capitals('abc') returns 0
    """
`;

const COUNT_BIG = `
def count_big(nums):
    """Returns the number of elements in the array that are greater than 10.
    count_big([11, 3, 12]) => 2
    count_big([]) => 0
    """
`;

void test('a count cannot exceed what the input holds ("the number of elements", "uppercase letters")', () => {
  assert.deepEqual(kinds(COUNT_CAPITALS), []);
  assert.deepEqual(kinds(COUNT_BIG), []);
  const wrongCapitals = COUNT_CAPITALS.replace("count_capitals('abc') returns 0", "count_capitals('abc') returns 1");
  assert.deepEqual(kinds(wrongCapitals), ['count']);
  assert.match(messages(wrongCapitals)[0], /`count_capitals\('abc'\)` is said to return 1, more than the 0 uppercase letter\(s\) in the input/);
  const wrongBig = COUNT_BIG.replace('count_big([11, 3, 12]) => 2', 'count_big([11, 3, 12]) => 12');
  assert.deepEqual(kinds(wrongBig), ['count']);
  assert.match(messages(wrongBig)[0], /more than the 3 element\(s\) in the input/);
});

const SECOND_LARGEST = `
def runner_up(values):
    """Returns the 2nd largest element of the list, or None when there is none.
    runner_up([3, 9, 4]) == 4
    runner_up([5, 5]) == None
    """
`;

const SMALLEST = `
def lowest(values):
    """Return the smallest number of the list.
    lowest([3, 9, 4, 5, 6]) == 3
    """
`;

void test('which element is returned: "the 2nd largest", "the smallest" against the example input', () => {
  assert.deepEqual(kinds(SECOND_LARGEST), []);
  assert.deepEqual(kinds(SMALLEST), []);
  const wrongSecond = SECOND_LARGEST.replace('runner_up([3, 9, 4]) == 4', 'runner_up([3, 9, 4]) == 9');
  assert.deepEqual(kinds(wrongSecond), ['extreme']);
  assert.match(messages(wrongSecond)[0], /is said to return 9, which is the largest, while the 2nd largest is 4/);
  const wrongSmallest = SMALLEST.replace('== 3', '== 9');
  assert.deepEqual(kinds(wrongSmallest), ['extreme']);
  assert.match(messages(wrongSmallest)[0], /while the smallest is 3/);
  // "the minimum number of elements to change" is a count, not an element of the list.
  const count = SMALLEST.replace('Return the smallest number of the list.', 'Return the minimum number of elements to change.');
  assert.deepEqual(kinds(count.replace('== 3', '== 4')), []);
});

const ADD_TWO = `
def add_two(values: list):
    """Return list with elements incremented by 2.
    >>> add_two([1, 5])
    [3, 7]
    """
`;

void test('a stated constant applied to every element ("incremented by 2") must match the example', () => {
  assert.deepEqual(kinds(ADD_TWO), []);
  const wrong = ADD_TWO.replace('[3, 7]', '[2, 6]');
  assert.deepEqual(kinds(wrong), ['constant']);
  assert.match(messages(wrong)[0], /where 1 incremented by 2 would be 3, not 2/);
});

const DISTANCES = `
def distances(a, b):
    """Return a list where each value is the absolute difference between a[i] and b[i].
    distances([1, 5], [4, 2]) -> [3, 3]
    """
`;

void test('"the absolute difference" is never negative', () => {
  assert.deepEqual(kinds(DISTANCES), []);
  const wrong = DISTANCES.replace('-> [3, 3]', '-> [-3, 3]');
  assert.deepEqual(kinds(wrong), ['sign']);
  assert.match(messages(wrong)[0], /holds -3, a negative number/);
});

const DEDUPE = `
def dedupe(values: list):
    """Return sorted unique elements in a list.
    >>> dedupe([3, 1, 3, 2])
    [1, 2, 3]
    """
`;

void test('"unique elements in a list" keeps every distinct input element', () => {
  assert.deepEqual(kinds(DEDUPE), []);
  const wrong = DEDUPE.replace('[1, 2, 3]\n', '[1, 3]\n');
  assert.deepEqual(kinds(wrong), ['permutation']);
  assert.match(messages(wrong)[0], /which leaves out 2 from the input/);
});

const EVENS = `
def evens(values):
    """Return a list of the even numbers in values, in their order.
    evens([1, 2, 3, 4]) == [2, 4]
    """
`;

const BIGGEST_EVEN = `
def biggest_even(x, y):
    """Returns the biggest even integer in the range [x, y], and -1 if there is none.
    biggest_even(12, 15) == 14
    biggest_even(13, 13) == -1
    """
`;

void test('"a list of the even numbers", "the biggest even integer": results of the other parity contradict', () => {
  assert.deepEqual(kinds(EVENS), []);
  assert.deepEqual(kinds(BIGGEST_EVEN), []);
  const wrongList = EVENS.replace('== [2, 4]', '== [1, 3]');
  assert.deepEqual(kinds(wrongList), ['parity']);
  assert.match(messages(wrongList)[0], /holds 1, not even/);
  const wrongScalar = BIGGEST_EVEN.replace('biggest_even(12, 15) == 14', 'biggest_even(12, 15) == 15');
  assert.deepEqual(kinds(wrongScalar), ['parity']);
  assert.match(messages(wrongScalar)[0], /`biggest_even\(12, 15\)` is said to return 15, which is not even/);
  // The "no such number" answer stated at the end of a sentence is not held against the parity.
  const sentinel = BIGGEST_EVEN.replace('Returns the biggest even integer in the range [x, y], and -1 if there is none.', 'Returns the biggest even integer in the range [x, y]. If there is none, return -1.');
  assert.deepEqual(kinds(sentinel), []);
});

const HAS_PAIR = `
def has_pair(values):
    """Returns True if two elements add up to ten, and False otherwise.
    has_pair([3, 7]) == True
    has_pair([1, 2]) == False
    """
`;

const SHOUT = `
def shout(word):
    """Returns a string made of the word in capitals followed by an exclamation mark.
    shout('hi') == 'HI!'
    """
`;

void test('result types named in words ("returns True … False", "returns a string") must match the examples', () => {
  assert.deepEqual(kinds(HAS_PAIR), []);
  assert.deepEqual(kinds(SHOUT), []);
  const wrongBoolean = HAS_PAIR.replace('== True', '== 1').replace('== False', '== 0');
  assert.deepEqual(kinds(wrongBoolean), ['return-type']);
  assert.match(messages(wrongBoolean)[0], /`has_pair\(\[3, 7\]\)` is said to return 1, which is not True or False/);
  const wrongString = SHOUT.replace("== 'HI!'", '== 2');
  assert.deepEqual(kinds(wrongString), ['return-type']);
  assert.match(messages(wrongString)[0], /which is not a string/);
  // One example of the named kind is enough: other "f(x) = …" lines may describe helpers.
  assert.deepEqual(kinds(SHOUT.replace("shout('hi') == 'HI!'", "shout('hi') == 'HI!'\n    shout('') == 0")), []);
});

const JOIN_ALL = `
from typing import List

def join_all(strings: List[str]) -> str:
    """Concatenate list of strings into a single string.
    >>> join_all(['x', 'y'])
    'xy'
    """
`;

void test('"concatenate list of strings" gives the strings joined in order', async () => {
  assert.deepEqual(kinds(JOIN_ALL), []);
  const wrong = JOIN_ALL.replace("'xy'", "'y x'");
  assert.deepEqual(kinds(wrong), ['concatenation']);
  assert.match(messages(wrong)[0], /while the strings joined in order give 'xy'/);
  const assessment = await assessTask(wrong);
  assert.equal(assessment.verdict, 'vague');
  assert.ok((assessment.missing ?? []).some((reason) => /`join_all\(\['x', 'y'\]\)`.*Concatenate list of strings/.test(reason)), JSON.stringify(assessment.missing));
});

const SORT_AT_THIRDS = `
def sort_thirds(values: list):
    """Return a list identical to values except that the values at indices divisible by three are sorted.
    >>> sort_thirds([5, 6, 3, 4, 8, 9, 2])
    [2, 6, 3, 4, 8, 9, 5]
    """
`;

void test('"sorted" about some positions only does not require the whole list in order', () => {
  assert.deepEqual(kinds(SORT_AT_THIRDS), []);
});

const HEAD = `
def head(values):
    """Returns the first element of the list.
    head([4, 8, 6]) == 4
    """
`;

void test('"the first element" contradicts an example that returns the last one', () => {
  assert.deepEqual(kinds(HEAD), []);
  const wrong = HEAD.replace('== 4', '== 6');
  assert.deepEqual(kinds(wrong), ['extreme']);
  assert.match(messages(wrong)[0], /is said to return 6, the last element of the input, while the first is 4/);
});

const FRACTION = `
def fraction(number: float) -> float:
    """Given a positive floating point number, return the decimal part of the number.
    >>> fraction(3.25)
    0.25
    """
`;

void test('"the decimal part" lies between 0 and 1', () => {
  assert.deepEqual(kinds(FRACTION), []);
  const wrong = FRACTION.replace('0.25\n', '3\n');
  assert.deepEqual(kinds(wrong), ['range']);
  assert.match(messages(wrong)[0], /`fraction\(3\.25\)` is said to return 3, which is not between 0 and 1/);
});
