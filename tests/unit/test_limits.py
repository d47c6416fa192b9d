"""miniredis/limits.py: the start-up open-files adjustment, with getrlimit/setrlimit faked.

The numbers below were read off redis-server 7.0.15 started under the same
limits (tests/integration/test_open_files_limit.py checks the real thing).
"""

import logging
import resource

import pytest

from miniredis import limits
from miniredis.config import Config
from miniredis.daemon import StartupError


class FakeLimits(object):
    """RLIMIT_NOFILE of an unprivileged process: soft may rise up to hard, hard only falls."""

    def __init__(self, monkeypatch, soft, hard):
        self.soft, self.hard = soft, hard
        self.calls = []
        monkeypatch.setattr(resource, "getrlimit", self.getrlimit)
        monkeypatch.setattr(resource, "setrlimit", self.setrlimit)

    def getrlimit(self, which):
        assert which == resource.RLIMIT_NOFILE
        return self.soft, self.hard

    def setrlimit(self, which, pair):
        assert which == resource.RLIMIT_NOFILE
        self.calls.append(pair)
        soft, hard = pair
        if self.hard != resource.RLIM_INFINITY and hard > self.hard:
            raise ValueError("not allowed to raise maximum limit")   # CPython's EPERM
        self.soft, self.hard = soft, hard


def adjust(monkeypatch, caplog, soft, hard, maxclients=10000):
    fake = FakeLimits(monkeypatch, soft, hard)
    config = Config()
    config.maxclients = maxclients
    with caplog.at_level(logging.INFO, logger="miniredis"):
        got = limits.adjust_open_files_limit(config)
    return config, fake, got, [(r.levelno, r.getMessage()) for r in caplog.records]


def test_enough_already_changes_nothing(monkeypatch, caplog):
    config, fake, got, logged = adjust(monkeypatch, caplog, 20000, 20000)
    assert (config.maxclients, got, fake.calls, logged) == (10000, 20000, [], [])


def test_unlimited_soft_limit_changes_nothing(monkeypatch, caplog):
    config, fake, got, logged = adjust(monkeypatch, caplog, resource.RLIM_INFINITY,
                                       resource.RLIM_INFINITY)
    assert (config.maxclients, fake.calls, logged) == (10000, [], [])


def test_raised_to_maxclients_plus_32_when_the_hard_limit_allows(monkeypatch, caplog):
    config, fake, got, logged = adjust(monkeypatch, caplog, 1024, 20000)
    assert config.maxclients == 10000
    # Soft and hard both set, as Redis: /proc/<pid>/limits shows 10032 10032.
    assert fake.calls == [(10032, 10032)] and (fake.soft, fake.hard) == (10032, 10032)
    assert got == 10032
    assert logged == [(logging.INFO, "Increased maximum number of open files to 10032"
                                     " (it was originally set to 1024).")]


def test_unlimited_hard_limit(monkeypatch, caplog):
    config, fake, got, logged = adjust(monkeypatch, caplog, 1024, resource.RLIM_INFINITY)
    assert (config.maxclients, fake.soft, fake.hard) == (10000, 10032, 10032)


def test_lowered_maxclients_in_steps_of_16_under_the_hard_limit(monkeypatch, caplog):
    config, fake, got, logged = adjust(monkeypatch, caplog, 1024, 4000)
    # 10032 - 16 * 377 = 4000: the first wish the hard limit allows.
    assert fake.calls[0] == (10032, 10032) and fake.calls[-1] == (4000, 4000)
    assert len(fake.calls) == 378
    assert (config.maxclients, got) == (3968, 4000)
    assert logged == [
        (logging.WARNING, "You requested maxclients of 10000 requiring at least 10032 max file"
                          " descriptors."),
        (logging.WARNING, "Server can't set maximum open files to 10032 because of OS error:"
                          " Operation not permitted."),
        (logging.WARNING, "Current maximum open files is 4000. maxclients has been reduced to"
                          " 3968 to compensate for low ulimit. If you need higher maxclients"
                          " increase 'ulimit -n'."),
    ]


def test_a_hard_limit_between_steps_keeps_the_current_soft_limit(monkeypatch, caplog):
    # 4001 = 4000 + 1: the steps jump from 4016 (refused) to 4000 (not above
    # the current 4001), so Redis keeps 4001 and allows 3969 clients.
    config, fake, got, logged = adjust(monkeypatch, caplog, 4001, 4001)
    assert (config.maxclients, got, fake.calls[-1]) == (3969, 4001, (4016, 4016))
    assert "maxclients has been reduced to 3969" in logged[-1][1]


def test_smaller_maxclients(monkeypatch, caplog):
    config, fake, got, logged = adjust(monkeypatch, caplog, 1024, 1024, maxclients=2000)
    assert config.maxclients == 992
    assert logged[0][1] == ("You requested maxclients of 2000 requiring at least 2032 max file"
                            " descriptors.")
    config, fake, got, logged = adjust(monkeypatch, caplog, 1024, 1024, maxclients=100)
    assert (config.maxclients, fake.calls) == (100, [])


def test_33_descriptors_leave_one_client(monkeypatch, caplog):
    config, fake, got, logged = adjust(monkeypatch, caplog, 33, 33)
    assert config.maxclients == 1


def test_32_descriptors_or_fewer_cannot_start(monkeypatch, caplog):
    FakeLimits(monkeypatch, 32, 32)
    with pytest.raises(StartupError) as e:
        limits.adjust_open_files_limit(Config())
    assert str(e.value) == ("Your current 'ulimit -n' of 32 is not enough for the server to"
                            " start. Please increase your open file limit to at least 10032."
                            " Exiting.")


def test_an_oserror_is_reported_with_its_strerror(monkeypatch, caplog):
    FakeLimits(monkeypatch, 1024, 1024)

    def refuse(which, pair):
        raise OSError(22, "Invalid argument")
    monkeypatch.setattr(resource, "setrlimit", refuse)
    config = Config()
    with caplog.at_level(logging.INFO, logger="miniredis"):
        limits.adjust_open_files_limit(config)
    assert config.maxclients == 992
    assert "because of OS error: Invalid argument." in caplog.records[1].getMessage()


def test_getrlimit_failure_assumes_1024(monkeypatch, caplog):
    def fail(which):
        raise OSError(1, "Operation not permitted")
    monkeypatch.setattr(resource, "getrlimit", fail)
    config = Config()
    with caplog.at_level(logging.INFO, logger="miniredis"):
        assert limits.adjust_open_files_limit(config) == 1024
    assert config.maxclients == 992
    assert caplog.records[0].getMessage() == (
        "Unable to obtain the current NOFILE limit (Operation not permitted), assuming 1024"
        " and setting the max clients configuration accordingly.")
