"""The chunked list value (miniredis/values/listvalue.py) against a plain Python list.

Random bounded sequences of every operation the commands use, with small
chunks so that packing, unpacking, splitting and merging all happen, and the
structure's invariants checked after each step.
"""

import random

import pytest

from miniredis.values import listvalue as lvmod
from miniredis.values.listvalue import ListValue


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(lvmod, "_CHUNK", 4)
    monkeypatch.setattr(lvmod, "_PACK_LIMIT", 40)


def check(lv, model):
    """Same elements as the model, and the structure's invariants hold."""
    chunks = list(lv._chunks)
    sizes = [len(lv._front), len(lv._back)] + [lvmod._size(c) for c in chunks]
    assert len(lv) == len(model) == sum(sizes)
    assert bool(lv) == bool(model)
    assert max(sizes) <= lvmod._CHUNK
    for ci, c in enumerate(chunks):
        assert lvmod._size(c) > 0
        if type(c) is not list:
            assert len(lvmod._unpack(c)) == c.n
        elif 1 <= ci < len(chunks) - 1:
            # a list chunk away from the ends is one that cannot be packed
            assert lvmod._pack(c) is None
    assert list(lv) == model
    assert list(reversed(lv)) == model[::-1]


def _element(rnd):
    kind = rnd.random()
    if kind < 0.6:
        return rnd.choice([b"a", b"b", b"c", b""])
    if kind < 0.8:
        return b"v%d" % rnd.randint(0, 30)
    if kind < 0.9:
        return bytes([rnd.choice([0, 255, 1, 254, 127, 10, 65])]) * rnd.randint(1, 3)
    return b"x" * rnd.randint(20, 60)   # too big for the small pack limit


def _span(rnd, n):
    start, stop = rnd.randint(-n - 3, n + 3), rnd.randint(-n - 3, n + 3)
    start = start + n if start < 0 else start
    stop = stop + n if stop < 0 else stop
    start = max(start, 0)
    return None if start > stop or start >= n else (start, min(stop, n - 1))


def _remove_model(model, element, count, from_tail):
    order = list(reversed(model)) if from_tail else list(model)
    kept, k = [], 0
    for e in order:
        if e == element and (count == 0 or k < count):
            k += 1
        else:
            kept.append(e)
    if from_tail:
        kept.reverse()
    return kept, k


def step(rnd, lv, model):
    """One random operation on both the value and the model."""
    op = rnd.randrange(16)
    n = len(model)
    if op == 0:
        x = _element(rnd)
        lv.append(x)
        model.append(x)
    elif op == 1:
        x = _element(rnd)
        lv.appendleft(x)
        model.insert(0, x)
    elif op == 2:
        xs = [_element(rnd) for _ in range(rnd.randint(0, 12))]
        lv.extend(xs)
        model.extend(xs)
    elif op == 3:
        xs = [_element(rnd) for _ in range(rnd.randint(0, 12))]
        lv.extendleft(iter(xs))
        model[:0] = xs[::-1]
    elif op == 4 and n:
        assert lv.pop() == model.pop()
    elif op == 5 and n:
        assert lv.popleft() == model.pop(0)
    elif op == 6:
        count, left = rnd.randint(1, 12), rnd.random() < 0.5
        got = lv.pop_many(count, left)
        k = min(count, n)
        expect = model[:k] if left else model[::-1][:k]
        model[:] = model[k:] if left else model[:n - k]
        assert got == expect
    elif op == 7 and n:
        i = rnd.randint(-n, n - 1)
        assert lv[i] == model[i]
        x = _element(rnd)
        lv[i] = x
        model[i] = x
    elif op == 8:
        i, x = rnd.randint(-n - 2, n + 2), _element(rnd)
        lv.insert(i, x)
        model.insert(i, x)
    elif op == 9:
        span = _span(rnd, n)
        if span:
            assert lv.range(*span) == model[span[0]:span[1] + 1]
    elif op == 10:
        left = rnd.randint(0, n)
        right = rnd.randint(0, n - left) if rnd.random() < 0.8 else n
        lv.trim(left, right)
        model[:] = model[left:max(n - right, left)]
    elif op == 11:
        x, count, from_tail = _element(rnd), rnd.choice([0, 1, 2, 5]), rnd.random() < 0.5
        kept, k = _remove_model(model, x, count, from_tail)
        assert lv.remove_matching(x, count, from_tail) == k
        model[:] = kept
    elif op == 12:
        x, from_tail, maxlen = _element(rnd), rnd.random() < 0.5, rnd.choice([0, 1, 3, 10, 100])
        limit = n if not maxlen else min(maxlen, n)
        order = range(n - 1, n - 1 - limit, -1) if from_tail else range(limit)
        assert list(lv.positions(x, from_tail, maxlen)) == [i for i in order if model[i] == x]
    elif op == 13:
        x = _element(rnd)
        start = rnd.randint(-n - 2, n + 2)
        try:
            expect = model.index(x, start)
        except ValueError:
            expect = None
        try:
            got = lv.index(x, start)
        except ValueError:
            got = None
        assert got == expect
        assert (x in lv) == (x in model)
    elif op == 14 and n:
        i = rnd.randint(-n, n - 1)
        del lv[i]
        del model[i]
    elif op == 15:
        c = lv.copy()
        assert c == lv and c is not lv and type(c) is ListValue
        c.append(b"extra")
        assert c != lv
        check(lv, model)


@pytest.mark.parametrize("seed", range(12))
def test_random_operations_match_a_list(small_chunks, seed):
    rnd = random.Random(seed)
    model = [_element(rnd) for _ in range(rnd.randint(0, 60))]
    lv = ListValue(model)
    check(lv, model)
    for _ in range(400):
        step(rnd, lv, model)
        check(lv, model)


@pytest.mark.parametrize("seed", range(3))
def test_random_operations_with_real_chunk_size(seed):
    rnd = random.Random(100 + seed)
    model = [b"value:%d" % i for i in range(rnd.randint(0, 2000))]
    lv = ListValue(model)
    for _ in range(300):
        step(rnd, lv, model)
    check(lv, model)


def test_big_lists_are_packed():
    n = 10000
    lv = ListValue(b"value:%d" % i for i in range(n))
    packed = [c for c in lv._chunks if type(c) is not list]
    assert len(packed) >= len(lv._chunks) - 2
    assert lv.range(5000, 5002) == [b"value:5000", b"value:5001", b"value:5002"]
    assert lv[-1] == b"value:9999" and lv.index(b"value:777") == 777
    # popping everything from one end unpacks chunk by chunk
    assert lv.pop_many(n, True) == [b"value:%d" % i for i in range(n)] and not lv


def test_elements_holding_every_separator_stay_unpacked(small_chunks):
    awkward = [bytes([b]) for b in (0, 255, 1, 254, 127, 10)]
    lv = ListValue(awkward * 4)
    assert list(lv) == awkward * 4
    assert lv.remove_matching(b"\x00", 0, False) == 4
    assert b"\x00" not in lv and list(lv) == awkward[1:] * 4


@pytest.mark.parametrize("left", [False, True])
def test_push_pop_ping_pong_at_a_chunk_boundary_does_not_repack(monkeypatch, left):
    lv = ListValue()
    n = 10 * lvmod._CHUNK
    (lv.extendleft if left else lv.extend)(b"e%d" % i for i in range(n))
    push, pop = (lv.appendleft, lv.popleft) if left else (lv.append, lv.pop)

    def cycle():
        # the end buffer is full: the push moves it into the chunks, the
        # second pop takes it back
        push(b"x")
        pop()
        pop()
        push(b"y")

    cycle()   # the first time, the chunk next to the moved buffer gets packed
    calls = []
    monkeypatch.setattr(lvmod, "_pack", lambda items: calls.append(1))
    monkeypatch.setattr(lvmod, "_unpack", lambda c: calls.append(1))
    for _ in range(2 * lvmod._CHUNK):
        cycle()
    assert not calls and len(lv) == n


def test_big_elements_stay_plain_objects():
    big = b"x" * (lvmod._PACK_LIMIT + 1)
    lv = ListValue([b"a"] * (5 * lvmod._CHUNK) + [big] + [b"b"] * (5 * lvmod._CHUNK))
    holder = [c for c in lv._chunks if type(c) is list and big in c]
    assert len(holder) == 1 and holder[0][holder[0].index(big)] is big
    assert lv[5 * lvmod._CHUNK] is big


def test_protocol():
    lv = ListValue([b"a", b"bb"])
    assert lv.encoding(None) == "quicklist" and lv.type_name == "list"
    assert ListValue().memory() < lv.memory() < ListValue([b"a" * 100] * 10).memory()
    big = ListValue(b"value:%d" % i for i in range(5000))
    assert 5000 * 11 < big.memory() < 5000 * 40
    assert lv != [b"a", b"bb"] and lv == ListValue([b"a", b"bb"])
    assert repr(lv) == "ListValue([b'a', b'bb'])"
    with pytest.raises(IndexError):
        lv[2]
    with pytest.raises(ValueError):
        lv.index(b"zz")
    with pytest.raises(AttributeError):
        lv.anything = 1   # __slots__: no per-list dict
    with pytest.raises(TypeError):
        hash(lv)
