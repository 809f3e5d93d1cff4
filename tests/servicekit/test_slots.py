"""servicekit.slots: a free slot taken synchronously, waiters served in order, a cancelled
waiter never loses a slot."""

from __future__ import annotations

import asyncio

import pytest

from servicekit.slots import Slots


async def test_free_slots_then_waiters_in_order() -> None:
    slots = Slots(2)
    assert slots.take_now() and slots.take_now()
    assert not slots.take_now() and slots.busy()
    order: list[int] = []

    async def wait(i: int) -> None:
        await slots.take()
        order.append(i)

    tasks = [asyncio.create_task(wait(i)) for i in range(3)]
    await asyncio.sleep(0)
    slots.give()
    slots.give()
    await asyncio.sleep(0)
    assert order == [0, 1]
    slots.give()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2]
    slots.give()  # the two holders left
    slots.give()
    assert slots.take_now() and slots.take_now() and not slots.take_now()


async def test_a_cancelled_waiter_passes_its_slot_on() -> None:
    slots = Slots(1)
    assert slots.take_now()
    first = asyncio.create_task(slots.take())
    second = asyncio.create_task(slots.take())
    await asyncio.sleep(0)
    slots.give()  # handed to first ...
    first.cancel()  # ... which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)  # so second got it
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await slots.take()  # timed out in line: leaves the line
    slots.give()
    assert slots.take_now()
