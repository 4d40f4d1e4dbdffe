"""Searching in sorted lists."""


def binary_search(items, target):
    low = 0
    high = len(items) - 1
    while low <= high:
        middle = (low + high) // 2
        if items[middle] == target:
            return middle
        if items[middle] < target:
            low = middle + 1
        else:
            high = middle - 1
    return -1


def lower_bound(items, target):
    low = 0
    high = len(items)
    while low < high:
        middle = (low + high) // 2
        if items[middle] < target:
            low = middle + 1
        else:
            high = middle
    return low


def count_in_range(items, low, high):
    if low > high:
        return 0
    return lower_bound(items, high + 1) - lower_bound(items, low)


def find_peak(items):
    if not items:
        return None
    low = 0
    high = len(items) - 1
    while low < high:
        middle = (low + high) // 2
        if items[middle] < items[middle + 1]:
            low = middle + 1
        else:
            high = middle
    return low


def two_sum_sorted(items, target):
    left = 0
    right = len(items) - 1
    while left < right:
        total = items[left] + items[right]
        if total == target:
            return (left, right)
        if total < target:
            left += 1
        else:
            right -= 1
    return None
