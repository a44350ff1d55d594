"""The WSGI entry point: ``gunicorn -k gevent -w 1 --no-control-socket wsgi:app``."""

import gc

from wsapp import create_app, deflate

app = create_app()
deflate.install()

# A full garbage collection stops the whole process, and every live update waits on it.
# Measured under the benchmark's steady load, passes over the ~165,000 objects loaded by
# now took 75-220 ms, and one ran every few seconds: most of the slowest 1 % of updates.
# What is loaded at start lives as long as the process, so the collector stops scanning
# it (freeze), and full passes over what remains run a tenth as often (the third
# threshold, default 10). Young objects are still collected as often as by default.
gc.freeze()
gc.set_threshold(700, 10, 100)
