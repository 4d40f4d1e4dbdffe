import pytest

from stats import mean, median, mode, moving_average, percentile, variance


def test_mean_simple():
    assert mean([1, 2, 3, 4]) == 2.5


def test_mean_single():
    assert mean([7]) == 7


def test_mean_empty():
    with pytest.raises(ValueError):
        mean([])


def test_median_odd():
    assert median([5, 1, 3]) == 3


def test_median_even():
    assert median([4, 1, 3, 2]) == 2.5


def test_median_empty():
    with pytest.raises(ValueError):
        median([])


def test_variance_known():
    assert variance([2, 4, 4, 4, 5, 5, 7, 9]) == pytest.approx(4.571428571)


def test_variance_single():
    assert variance([3]) == 0.0


def test_variance_pair():
    assert variance([1, 3]) == 2.0


def test_mode_unique_winner():
    assert mode([1, 2, 2, 3]) == 2


def test_mode_tie_smallest():
    assert mode([3, 3, 1, 1, 2]) == 1


def test_mode_empty():
    assert mode([]) is None


def test_moving_average_window_two():
    assert moving_average([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]


def test_moving_average_window_one():
    assert moving_average([4, 5], 1) == [4, 5]


def test_moving_average_full_window():
    assert moving_average([1, 2, 3], 3) == [2]


def test_moving_average_bad_window():
    with pytest.raises(ValueError):
        moving_average([1], 0)


def test_percentile_median():
    assert percentile([1, 2, 3, 4, 5], 0.5) == 3


def test_percentile_interpolates():
    assert percentile([10, 20], 0.25) == 12.5


def test_percentile_max():
    assert percentile([3, 1, 2], 1.0) == 3


def test_percentile_min():
    assert percentile([3, 1, 2], 0.0) == 1
