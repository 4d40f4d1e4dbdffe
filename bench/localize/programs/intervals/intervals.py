"""Closed integer intervals given as (start, end) pairs."""


def normalize(interval):
    start, end = interval
    if start > end:
        start, end = end, start
    return (start, end)


def overlaps(first, second):
    first = normalize(first)
    second = normalize(second)
    return first[0] <= second[1] and second[0] <= first[1]


def merge_intervals(intervals):
    ordered = sorted(normalize(interval) for interval in intervals)
    merged = []
    for start, end in ordered:
        if merged and start <= merged[-1][1] + 1:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def total_length(intervals):
    total = 0
    for start, end in merge_intervals(intervals):
        total += end - start + 1
    return total


def contains(intervals, point):
    for start, end in intervals:
        if start <= point <= end:
            return True
    return False


def gaps(intervals, low, high):
    result = []
    cursor = low
    for start, end in merge_intervals(intervals):
        if start > cursor:
            result.append((cursor, min(start - 1, high)))
        cursor = max(cursor, end + 1)
        if cursor > high:
            break
    if cursor <= high:
        result.append((cursor, high))
    return result
