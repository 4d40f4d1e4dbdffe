import pytest

from bank import Account, InsufficientFunds, total_deposits, transfer


def test_open_negative():
    with pytest.raises(ValueError):
        Account("ann", -5)


def test_deposit():
    account = Account("ann", 10)
    assert account.deposit(5) == 15


def test_deposit_zero():
    with pytest.raises(ValueError):
        Account("ann").deposit(0)


def test_withdraw():
    account = Account("ann", 10)
    assert account.withdraw(4) == 6


def test_withdraw_everything():
    account = Account("ann", 10)
    assert account.withdraw(10) == 0


def test_withdraw_too_much():
    with pytest.raises(InsufficientFunds):
        Account("ann", 10).withdraw(11)


def test_withdraw_within_overdraft():
    account = Account("ann", 10, overdraft=5)
    assert account.withdraw(15) == -5


def test_withdraw_beyond_overdraft():
    with pytest.raises(InsufficientFunds):
        Account("ann", 10, overdraft=5).withdraw(16)


def test_withdraw_negative():
    with pytest.raises(ValueError):
        Account("ann", 10).withdraw(-1)


def test_interest():
    account = Account("ann", 200)
    assert account.apply_interest(0.05) == 10
    assert account.balance == 210


def test_interest_on_debt():
    account = Account("ann", 0, overdraft=50)
    account.withdraw(20)
    assert account.apply_interest(0.1) == 0
    assert account.balance == -20


def test_transfer():
    source = Account("ann", 30)
    target = Account("bob", 5)
    assert transfer(source, target, 10) == (20, 15)


def test_transfer_fails_cleanly():
    source = Account("ann", 3)
    target = Account("bob", 5)
    with pytest.raises(InsufficientFunds):
        transfer(source, target, 10)
    assert target.balance == 5


def test_total_deposits():
    account = Account("ann")
    account.deposit(5)
    account.deposit(7)
    account.withdraw(2)
    assert total_deposits(account) == 12


def test_history_records():
    account = Account("ann", 5)
    account.withdraw(1)
    assert account.history == [("withdraw", 1)]
