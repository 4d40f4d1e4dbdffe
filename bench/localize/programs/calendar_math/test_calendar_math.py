import pytest

from calendar_math import add_days, day_of_year, days_in_month, is_leap_year, weekday


def test_leap_ordinary():
    assert is_leap_year(2024)


def test_not_leap():
    assert not is_leap_year(2023)


def test_century_not_leap():
    assert not is_leap_year(1900)


def test_400_leap():
    assert is_leap_year(2000)


def test_days_in_february_leap():
    assert days_in_month(2024, 2) == 29


def test_days_in_february():
    assert days_in_month(2023, 2) == 28


def test_days_in_december():
    assert days_in_month(2023, 12) == 31


def test_days_in_april():
    assert days_in_month(2023, 4) == 30


def test_bad_month():
    with pytest.raises(ValueError):
        days_in_month(2023, 13)


def test_day_of_year_january():
    assert day_of_year(2023, 1, 15) == 15


def test_day_of_year_march_leap():
    assert day_of_year(2024, 3, 1) == 61


def test_day_of_year_december():
    assert day_of_year(2023, 12, 31) == 365


def test_day_of_year_bad_day():
    with pytest.raises(ValueError):
        day_of_year(2023, 2, 29)


def test_add_days_same_month():
    assert add_days(2023, 5, 10, 5) == (2023, 5, 15)


def test_add_days_next_month():
    assert add_days(2023, 1, 30, 3) == (2023, 2, 2)


def test_add_days_new_year():
    assert add_days(2023, 12, 31, 1) == (2024, 1, 1)


def test_add_days_leap_february():
    assert add_days(2024, 2, 28, 1) == (2024, 2, 29)


def test_weekday_known():
    assert weekday(2024, 1, 1) == 1


def test_weekday_march():
    assert weekday(2023, 3, 15) == 3


def test_weekday_february():
    assert weekday(2000, 2, 29) == 2
