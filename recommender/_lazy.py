"""`cached`: functools.cached_property without a lock.

On Python 3.8-3.11, functools.cached_property takes one RLock per property for every instance of
the class while it computes a value. A thread computing `rule.predicate` therefore blocks every
other thread reading the same property of any other rule, and a process forked at that moment
inherits the lock held by a thread that does not exist in the child: the child's first read
deadlocks. Python 3.12 dropped the lock. Values here are pure functions of immutable objects,
so two threads that race simply compute the same value twice.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar, overload

__all__ = ["cached"]

T = TypeVar("T")


class cached(Generic[T]):  # noqa: N801 - used like functools.cached_property
    """A non-data descriptor that stores its value in the instance's __dict__ (so it also works
    on frozen dataclasses) the first time it is read."""

    def __init__(self, func: Callable[[Any], T]):
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> "cached[T]": ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value
