"""rdb_changes_since_last_save against the reference server: Redis' server.dirty.

Save points count changes; Redis counts one per element a container command
adds, removes or updates, and one for a RENAME, MOVE or COPY however it is
done inside. Each step's growth of the counter must be the reference's.
"""

SCRIPT = [
    ('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f'),
    ('ZREM', 'z', 'a', 'b', 'nope'),
    ('ZPOPMIN', 'z', '2'),
    ('ZPOPMAX', 'z', '1'),
    ('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f'),
    ('ZREMRANGEBYSCORE', 'z', '1', '2'),
    ('ZREMRANGEBYRANK', 'z', '0', '1'),
    ('ZREMRANGEBYLEX', 'z', '-', '+'),
    ('ZADD', 'y', '1', 'x', '2', 'w'),
    ('ZUNIONSTORE', 'u', '2', 'y', 'z'),
    ('ZINTERSTORE', 'i', '1', 'y'),
    ('ZDIFFSTORE', 'd', '1', 'y'),
    ('ZRANGESTORE', 'rs', 'y', '0', '-1'),
    ('ZMPOP', '1', 'y', 'MIN', 'COUNT', '2'),
    ('RPUSH', 'l', 'a', 'b', 'c', 'd'),
    ('LPUSH', 'l', 'x', 'y'),
    ('LPOP', 'l', '2'),
    ('RPOP', 'l', '2'),
    ('LREM', 'l', '0', 'a'),
    ('LINSERT', 'l', 'BEFORE', 'b', 'q'),
    ('LSET', 'l', '0', 'z'),
    ('LTRIM', 'l', '0', '0'),
    ('RPUSH', 'l2', '1', '2', '3'),
    ('LMPOP', '1', 'l2', 'LEFT', 'COUNT', '2'),
    ('LMOVE', 'l2', 'l3', 'LEFT', 'RIGHT'),
    ('RPOPLPUSH', 'l3', 'l4'),
    ('HSET', 'h', 'a', '1', 'b', '2', 'c', '3'),
    ('HSET', 'h', 'a', '1', 'd', '4'),
    ('HDEL', 'h', 'a', 'b', 'nope'),
    ('HINCRBY', 'h', 'c', '1'),
    ('HINCRBYFLOAT', 'h', 'c', '1.5'),
    ('HSETNX', 'h', 'n', '1'),
    ('HMSET', 'h', 'x', '1', 'y', '2'),
    ('SADD', 's', 'a', 'b', 'c'),
    ('SREM', 's', 'a', 'nope'),
    ('SET', 'k', 'v'),
    ('MSET', 'a', '1', 'b', '2', 'c', '3'),
    ('MSETNX', 'q', '1', 'w', '2'),
    ('APPEND', 'k', 'x'),
    ('INCR', 'n'),
    ('INCRBYFLOAT', 'n', '1.5'),
    ('SETRANGE', 'k', '0', 'zz'),
    ('SETBIT', 'bits', '7', '1'),
    ('DEL', 'a', 'b', 'c', 'nope'),
    ('UNLINK', 'q', 'w'),
    ('EXPIRE', 'k', '100'),
    ('PERSIST', 'k'),
    ('RENAME', 'k', 'k2'),
    ('COPY', 'k2', 'k3'),
    ('SORT', 'l4', 'STORE', 'sorted'),
    ('SET', 'k', 'v', 'EX', '100'),
    ('SET', 'd', 'x'),
    ('RENAME', 'k', 'd'),
    ('RENAMENX', 'd', 'e'),
    ('MOVE', 'e', '1'),
    ('SET', 'k2', 'v'),
    ('COPY', 'k2', 'k3'),
    ('COPY', 'k2', 'k3', 'REPLACE'),
    ('EXPIRE', 'k2', '100'),
    ('GETEX', 'k2', 'PERSIST'),
    ('GETDEL', 'k2'),
    ('LPUSH', 'bl', 'a'),
    ('RPUSH', 'ml', 'a', 'b', 'c', 'd', 'e'),
    ('LMPOP', '2', 'nope', 'ml', 'RIGHT', 'COUNT', '10'),
    ('ZADD', 'zz', '1', 'a', '2', 'b'),
    ('BZPOPMIN', 'zz', '0'),
    ('ZMPOP', '1', 'zz', 'MAX', 'COUNT', '5'),
    ('SET', 'k2', 'v', 'EX', '100'),
    ('COPY', 'k2', 'k3'),
    ('COPY', 'k2', 'k3', 'REPLACE'),
    ('SET', 'k4', 'v', 'EX', '50'),
    ('COPY', 'k4', 'k3', 'REPLACE'),
    ('MOVE', 'k4', '2')
]


def _changes(c):
    info = c.cmd("INFO", "persistence").v.decode()
    return int(info.split("rdb_changes_since_last_save:")[1].split("\r\n")[0])


def test_changes_counted_as_redis(compat):
    for cmd in SCRIPT:
        before = [_changes(c) for c in (compat.m, compat.r)]
        compat.same(*cmd)
        after = [_changes(c) for c in (compat.m, compat.r)]
        assert after[0] - before[0] == after[1] - before[1], cmd
