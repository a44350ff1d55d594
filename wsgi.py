"""The WSGI entry point: ``gunicorn -k gevent -w 1 --no-control-socket wsgi:app``."""

from wsapp import create_app

app = create_app()
