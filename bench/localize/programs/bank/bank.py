"""A tiny bank ledger."""


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, owner, balance=0, overdraft=0):
        if balance < 0:
            raise ValueError("opening balance cannot be negative")
        self.owner = owner
        self.balance = balance
        self.overdraft = overdraft
        self.history = []

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("deposit must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))
        return self.balance

    def withdraw(self, amount):
        if amount <= 0:
            raise ValueError("withdrawal must be positive")
        if self.balance - amount < -self.overdraft:
            raise InsufficientFunds(self.owner)
        self.balance -= amount
        self.history.append(("withdraw", amount))
        return self.balance

    def apply_interest(self, rate):
        if self.balance <= 0:
            return 0
        interest = round(self.balance * rate, 2)
        self.balance += interest
        return interest


def transfer(source, target, amount):
    source.withdraw(amount)
    target.deposit(amount)
    return (source.balance, target.balance)


def total_deposits(account):
    total = 0
    for kind, amount in account.history:
        if kind == "deposit":
            total += amount
    return total
