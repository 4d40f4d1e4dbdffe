from intervals import contains, gaps, merge_intervals, normalize, overlaps, total_length


def test_normalize_swaps():
    assert normalize((5, 2)) == (2, 5)


def test_normalize_keeps():
    assert normalize((1, 3)) == (1, 3)


def test_overlaps_touching():
    assert overlaps((1, 3), (3, 5))


def test_overlaps_disjoint():
    assert not overlaps((1, 2), (4, 5))


def test_overlaps_nested():
    assert overlaps((1, 10), (4, 5))


def test_merge_overlapping():
    assert merge_intervals([(1, 3), (2, 6), (8, 10)]) == [(1, 6), (8, 10)]


def test_merge_adjacent():
    assert merge_intervals([(1, 2), (3, 4)]) == [(1, 4)]


def test_merge_unsorted_reversed():
    assert merge_intervals([(9, 7), (1, 2)]) == [(1, 2), (7, 9)]


def test_merge_empty():
    assert merge_intervals([]) == []


def test_merge_contained():
    assert merge_intervals([(1, 10), (2, 3)]) == [(1, 10)]


def test_total_length():
    assert total_length([(1, 3), (2, 4), (10, 10)]) == 5


def test_total_length_single_point():
    assert total_length([(5, 5)]) == 1


def test_contains_inside():
    assert contains([(1, 3), (7, 9)], 8)


def test_contains_edge():
    assert contains([(1, 3)], 3)


def test_contains_outside():
    assert not contains([(1, 3), (7, 9)], 5)


def test_gaps_middle():
    assert gaps([(3, 4), (7, 8)], 1, 10) == [(1, 2), (5, 6), (9, 10)]


def test_gaps_none():
    assert gaps([(0, 20)], 1, 10) == []


def test_gaps_all():
    assert gaps([], 1, 3) == [(1, 3)]


def test_gaps_past_high():
    assert gaps([(5, 6)], 1, 3) == [(1, 3)]
