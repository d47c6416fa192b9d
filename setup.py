"""One distribution: the miniredis server packages and the bundled client.

The client lives in client/miniredis_client and is installed under the
import name ``miniredis_client``; the server program is ``miniredis-server``.
"""

import os
import re
import sys

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


def read_version():
    # Read, not import: importing miniredis would need its dependencies
    # installed before setup.py runs.
    with open(os.path.join(HERE, "miniredis", "__init__.py")) as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


def read_readme():
    try:
        with open(os.path.join(HERE, "README.md")) as f:
            return f.read()
    except OSError:
        return ""


def compiled_extensions():
    """The optional compiled hot path (miniredis/_speedups.pyx); none when
    MINIREDIS_PURE=1 is set or Cython is missing."""
    if os.environ.get("MINIREDIS_PURE", "") not in ("", "0"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("miniredis: Cython not found, installing the pure-Python build", file=sys.stderr)
        return []
    return cythonize([Extension("miniredis._speedups", ["miniredis/_speedups.pyx"])],
                     quiet=True)


class OptionalBuildExt(build_ext):
    """A machine without a C compiler still installs miniredis: pure Python,
    which behaves the same (only slower)."""

    def run(self):
        try:
            super().run()
        except Exception as e:  # no compiler at all
            print("miniredis: compiled hot path not built (%s); pure Python" % e, file=sys.stderr)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as e:
            print("miniredis: compiled hot path not built (%s); pure Python" % e, file=sys.stderr)


setup(
    name="miniredis",
    version=read_version(),
    description="A Redis 7.0 compatible key/value server in Python on gevent, with a client",
    long_description=read_readme(),
    long_description_content_type="text/markdown",
    python_requires=">=3.8",
    packages=find_packages(include=["miniredis", "miniredis.*"]) + ["miniredis_client"],
    package_dir={"miniredis_client": "client/miniredis_client"},
    # Command metadata captured from redis-server 7.0 (scripts/capture_reference.py).
    package_data={"miniredis": ["data/commands.json", "_speedups.pyx"]},
    ext_modules=compiled_extensions(),
    cmdclass={"build_ext": OptionalBuildExt},
    install_requires=["gevent", "hiredis", "sortedcontainers", "lupa", "crcmod-plus", "python-neo-lzf"],
    extras_require={
        "test": ["pytest", "pytest-timeout", "hypothesis", "redis", "huey", "celery", "dogpile.cache"],
    },
    entry_points={
        "console_scripts": ["miniredis-server = miniredis.cli:main"],
        # miniredis_server / miniredis_client fixtures (miniredis/pytest_plugin.py)
        "pytest11": ["miniredis = miniredis.pytest_plugin"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Database :: Database Engines/Servers",
    ],
)
