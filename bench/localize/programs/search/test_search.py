from search import binary_search, count_in_range, find_peak, lower_bound, two_sum_sorted


def test_binary_search_found_middle():
    assert binary_search([1, 3, 5, 7, 9], 5) == 2


def test_binary_search_found_first():
    assert binary_search([1, 3, 5, 7, 9], 1) == 0


def test_binary_search_found_last():
    assert binary_search([1, 3, 5, 7, 9], 9) == 4


def test_binary_search_missing():
    assert binary_search([1, 3, 5, 7, 9], 4) == -1


def test_binary_search_empty():
    assert binary_search([], 4) == -1


def test_lower_bound_present():
    assert lower_bound([1, 2, 2, 2, 3], 2) == 1


def test_lower_bound_absent():
    assert lower_bound([1, 3, 5], 4) == 2


def test_lower_bound_past_end():
    assert lower_bound([1, 3, 5], 6) == 3


def test_count_in_range():
    assert count_in_range([1, 2, 2, 3, 5, 8], 2, 5) == 4


def test_count_in_range_empty_range():
    assert count_in_range([1, 2, 3], 3, 1) == 0


def test_count_in_range_single():
    assert count_in_range([1, 2, 3], 2, 2) == 1


def test_find_peak_middle():
    assert find_peak([1, 3, 8, 4, 2]) == 2


def test_find_peak_end():
    assert find_peak([1, 2, 3]) == 2


def test_find_peak_start():
    assert find_peak([5, 4, 1]) == 0


def test_find_peak_empty():
    assert find_peak([]) is None


def test_two_sum_found():
    assert two_sum_sorted([1, 2, 4, 7, 11], 9) == (1, 3)


def test_two_sum_missing():
    assert two_sum_sorted([1, 2, 4], 10) is None


def test_two_sum_ends():
    assert two_sum_sorted([1, 5, 9], 10) == (0, 2)
