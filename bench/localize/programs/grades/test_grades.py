import pytest

from grades import curve, drop_lowest, letter, passing_share, rank_students, weighted_average


def test_letter_a():
    assert letter(95) == "A"


def test_letter_boundary_b():
    assert letter(80) == "B"


def test_letter_just_below():
    assert letter(79) == "C"


def test_letter_f():
    assert letter(12) == "F"


def test_letter_boundary_d():
    assert letter(60) == "D"


def test_letter_out_of_range():
    with pytest.raises(ValueError):
        letter(101)


def test_weighted_average():
    assert weighted_average([80, 90], [1, 3]) == 87.5


def test_weighted_average_zero_weights():
    assert weighted_average([80, 90], [0, 0]) == 0.0


def test_weighted_average_mismatch():
    with pytest.raises(ValueError):
        weighted_average([80], [1, 2])


def test_drop_lowest():
    assert drop_lowest([70, 50, 90, 60], 2) == [70, 90]


def test_drop_lowest_all():
    assert drop_lowest([70, 50], 2) == []


def test_drop_lowest_none():
    assert drop_lowest([70, 50], 0) == [50, 70]


def test_rank_students():
    assert rank_students({"ann": 90, "bob": 85, "cy": 90, "dee": 70}) == {"ann": 1, "cy": 1, "bob": 3, "dee": 4}


def test_rank_single():
    assert rank_students({"ann": 10}) == {"ann": 1}


def test_passing_share():
    assert passing_share([50, 60, 70, 80]) == 0.75


def test_passing_share_custom_mark():
    assert passing_share([50, 60, 70, 80], pass_mark=75) == 0.25


def test_passing_share_empty():
    assert passing_share([]) == 0.0


def test_curve():
    assert curve([50, 80, 90]) == [60, 90, 100]


def test_curve_zero():
    assert curve([0, 0]) == [0, 0]
