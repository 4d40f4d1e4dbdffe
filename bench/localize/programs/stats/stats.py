"""Descriptive statistics over plain lists of numbers."""


def mean(values):
    if not values:
        raise ValueError("mean of an empty list")
    return sum(values) / len(values)


def median(values):
    if not values:
        raise ValueError("median of an empty list")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def variance(values):
    if len(values) < 2:
        return 0.0
    average = mean(values)
    total = 0.0
    for value in values:
        total += (value - average) ** 2
    return total / (len(values) - 1)


def mode(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    best = None
    best_count = 0
    for value in sorted(counts):
        if counts[value] > best_count:
            best = value
            best_count = counts[value]
    return best


def moving_average(values, window):
    if window <= 0:
        raise ValueError("window must be positive")
    result = []
    running = 0
    for index, value in enumerate(values):
        running += value
        if index >= window:
            running -= values[index - window]
        if index >= window - 1:
            result.append(running / window)
    return result


def percentile(values, fraction):
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    weight = position - lower
    return ordered[lower] * (1 - weight) + ordered[upper] * weight
